import { join, resolve } from 'node:path';
import { errorMessage, LineageError } from '../errors.js';
import type { ProgressFn } from '../fingerprints/types.js';
import { writeReport } from '../report/write-report.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { LINEAGE_VERSION } from '../version.js';
import { readZooManifest, zooVictim } from '../zoo/manifest.js';
import type { ZooManifest } from '../zoo/manifest.js';
import { DEFAULT_BENCH_SETTINGS, evaluate } from './evaluate.js';
import { renderBenchReport } from './report.js';
import { suspectsOf } from './score.js';
import type { BenchResult, BenchSettings, KeptMatrix } from './types.js';

export interface BenchOptions extends Partial<BenchSettings> {
  readonly onProgress?: ProgressFn;
}

export interface BenchRun {
  readonly result: BenchResult;
  readonly manifest: ZooManifest;
  /** Per method: the victim's matrix, one stolen model's, one independent model's. */
  readonly matrices: readonly (readonly KeptMatrix[])[];
}

/** Which zoo is benchmarked, as results record it. */
export function zooSummary(zoo: string, manifest: ZooManifest): BenchResult['zoo'] {
  return { path: resolve(zoo), name: manifest.name, task: manifest.task, data: manifest.data, victim: zooVictim(manifest).id };
}

/** Benchmark every method on the zoo in `zoo` (METHODS.md §6): see evaluate() and methodMetrics(). */
export async function runBench(zoo: string, options: BenchOptions = {}): Promise<BenchRun> {
  const start = performance.now();
  const { onProgress, ...given } = options;
  const settings: BenchSettings = { ...DEFAULT_BENCH_SETTINGS, ...given };
  const manifest = await readZooManifest(zoo);
  const suspects = suspectsOf(zoo, manifest);
  // The first stolen and the first independent model of the manifest are drawn beside the victim.
  const shown = (['stolen', 'independent'] as const).map((role) => suspects.find((m) => m.role === role)!);
  const warnings = new Set<string>();
  const { results, scores } = await evaluate(zoo, manifest, [settings], {
    keep: new Set(shown.map((m) => m.id)),
    onWarning: (w) => warnings.add(w),
    ...(onProgress ? { onProgress } : {}),
  });
  const matrices = scores.fingerprints.map(({ fp }, f) => [
    { label: `victim: ${zooVictim(manifest).id}`, n: fp.samples.count, data: fp.victimMatrix },
    ...shown.map((m) => ({ label: `${m.role}: ${m.id}`, n: fp.samples.count, data: scores.matrices[f]!.get(m.id)! })),
  ]);
  const result: BenchResult = {
    lineageVersion: LINEAGE_VERSION,
    createdAt: new Date().toISOString(),
    zoo: zooSummary(zoo, manifest),
    settings,
    methods: results[0]!,
    wallSeconds: (performance.now() - start) / 1000,
    warnings: [...warnings],
  };
  return { result, manifest, matrices };
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
