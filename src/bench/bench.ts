import { join, resolve } from 'node:path';
import { errorMessage, LineageError } from '../errors.js';
import type { ProgressFn } from '../fingerprints/types.js';
import { writeReport } from '../report/write-report.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { LINEAGE_VERSION } from '../version.js';
import { readZooManifest, zooVictim } from '../zoo/manifest.js';
import type { ZooManifest } from '../zoo/manifest.js';
import { evaluate } from './evaluate.js';
import type { EvaluatedMethod } from './evaluate.js';
import type { ZooScorer } from './score.js';
import { renderBenchReport } from './report.js';
import { suspectsOf } from './score.js';
import { DEFAULT_BENCH_SETTINGS } from './settings.js';
import type { BenchResult, BenchSettings, FailedModel, KeptMatrix } from './types.js';

export interface BenchOptions extends Partial<BenchSettings> {
  readonly onProgress?: ProgressFn;
  /** Who fingerprints and scores the zoo (default: this process; `bench --queue`: queue workers, see queue/bench-jobs.ts). */
  readonly scorer?: ZooScorer;
}

export interface BenchRun {
  readonly result: BenchResult;
  readonly manifest: ZooManifest;
  /** Per method of result.methods: the victim's matrix, one stolen model's, one independent model's (none for peer methods). */
  readonly matrices: readonly (readonly KeptMatrix[])[];
}

/** Which zoo is benchmarked, as results record it. */
export function zooSummary(zoo: string, manifest: ZooManifest): BenchResult['zoo'] {
  return { path: resolve(zoo), name: manifest.name, task: manifest.task, data: manifest.data, victim: zooVictim(manifest).id };
}

/** Benchmark every method on the zoo in `zoo` (METHODS.md §6): see evaluate() and methodMetrics(). */
export async function runBench(zoo: string, options: BenchOptions = {}): Promise<BenchRun> {
  const start = performance.now();
  const { onProgress, scorer, ...given } = options;
  const settings: BenchSettings = { ...DEFAULT_BENCH_SETTINGS, ...given };
  const manifest = await readZooManifest(zoo);
  const suspects = suspectsOf(zoo, manifest);
  // The first stolen and the first independent model of the manifest are drawn beside the victim.
  const shown = (['stolen', 'independent'] as const).map((role) => suspects.find((m) => m.role === role)!);
  const warnings = new Set<string>();
  const failed: FailedModel[] = [];
  const [evaluated = []] = await evaluate(zoo, manifest, [settings], {
    keep: new Set(shown.map((m) => m.id)),
    onWarning: (w) => warnings.add(w),
    onFailure: (f) => failed.push(f),
    ...(onProgress ? { onProgress } : {}),
    ...(scorer ? { scorer } : {}),
  });
  const result: BenchResult = {
    lineageVersion: LINEAGE_VERSION,
    createdAt: new Date().toISOString(),
    zoo: zooSummary(zoo, manifest),
    settings,
    methods: evaluated.map((e) => e.result),
    wallSeconds: (performance.now() - start) / 1000,
    warnings: [...warnings],
    ...(failed.length > 0 ? { failed } : {}),
  };
  return { result, manifest, matrices: evaluated.map((e) => keptMatrices(e, zooVictim(manifest).id, shown)) };
}

/** The victim's matrix and those kept of `shown`, for methods that have matrices (SAC). */
function keptMatrices({ scored }: EvaluatedMethod, victim: string, shown: readonly { id: string; role: string }[]): KeptMatrix[] {
  const own = scored.fingerprint.victimMatrix;
  if (!own) return [];
  const models = shown.filter((m) => scored.matrices.has(m.id)).map((m) => ({ label: `${m.role}: ${m.id}`, n: own.n, data: scored.matrices.get(m.id)! }));
  return [{ label: `victim: ${victim}`, ...own }, ...models];
}

/** Write `results.json` and the self-contained `report.html` into `outDir`; returns their paths. */
export async function writeBench(outDir: string, run: BenchRun): Promise<{ results: string; report: string }> {
  const paths = { results: join(outDir, 'results.json'), report: join(outDir, 'report.html') };
  await writeFileAtomic(paths.results, JSON.stringify(run.result, null, 2)).catch((e: unknown) => {
    throw new LineageError(`cannot write ${paths.results}: ${errorMessage(e)}`, 'choose a writable --out folder');
  });
  await writeReport(paths.report, await renderBenchReport(run));
  return paths;
}
