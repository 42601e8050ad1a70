import { join } from 'node:path';
import { errorMessage, LineageError } from '../errors.js';
import type { ProgressFn } from '../fingerprints/types.js';
import { KERNELS } from '../stats/correlation.js';
import type { Kernel } from '../stats/correlation.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { LINEAGE_VERSION } from '../version.js';
import { readZooManifest } from '../zoo/manifest.js';
import { zooSummary } from './bench.js';
import { evaluate } from './evaluate.js';
import type { ZooScorer } from './score.js';
import { DEFAULT_BENCH_SETTINGS } from './settings.js';
import type { BenchResult, BenchSettings, MethodResult } from './types.js';
import type { MethodName } from '../fingerprints/types.js';
import { defenceProblem, defendedOutputKind, parseDefence, type Defence } from '../models/defences/parse.js';
import type { OutputKind } from '../models/types.js';

/** A parameter a sweep varies, and how each of its values changes the settings. */
const SWEEP_KEYS = {
  samples: (v: string) => ({ samples: whole(v, 'samples', 2) }),
  severity: (v: string) => {
    const s = whole(v, 'severity', 1);
    if (s > 5) throw new LineageError(`--sweep severity=${v}: JPEG severity runs 1..5`, 'use e.g. --sweep severity=1,2,3,4,5');
    return { jpegSeverity: s };
  },
  jpegscale: (v: string) => {
    const s = whole(v, 'jpegscale', 1);
    if (s > 4) throw new LineageError(`--sweep jpegscale=${v}: the JPEG scale runs 1..4`, 'use e.g. --sweep jpegscale=1,2');
    return { jpegScale: s };
  },
  kernel: (v: string) => {
    if (!KERNELS.some((k) => k.name === v)) throw new LineageError(`--sweep kernel=${v} is not a kernel`, `kernels: ${KERNELS.map((k) => k.name).join(', ')}`);
    return { kernel: v as Kernel };
  },
  output: (v: string) => {
    if (v !== 'raw' && v !== 'label') throw new LineageError(`--sweep output=${v} is not an output mode`, 'use --sweep output=raw,label');
    return { outputMode: v };
  },
  // Values are comma-separated, so one value's steps are joined with '+': topk=3+round=2.
  defence: (v: string) => {
    const spec = v.replaceAll('+', ',');
    parseDefence(spec);
    return spec === 'none' ? {} : { defence: spec };
  },
} satisfies Record<string, (value: string) => Partial<BenchSettings>>;

export type SweepKey = keyof typeof SWEEP_KEYS;

export interface Sweep {
  readonly key: SweepKey;
  readonly values: readonly string[];
}

const SWEEP_HINT = `use e.g. --sweep samples=25,50,100 or --sweep defence=none,topk=1,round=2,jpeg=75+round=2 (parameters: ${Object.keys(SWEEP_KEYS).join(', ')})`;

/** Parse `samples=25,50,100` (or severity=…, kernel=…, output=…, defence=…), checking every value. */
export function parseSweep(text: string): Sweep {
  const at = text.indexOf('=');
  const [key, list] = at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
  if (!Object.hasOwn(SWEEP_KEYS, key) || list === undefined) {
    throw new LineageError(`--sweep '${text}' is not <parameter>=<values>`, SWEEP_HINT);
  }
  const values = list.split(',').map((v) => v.trim());
  if (values.some((v) => v === '') || new Set(values).size !== values.length) {
    throw new LineageError(`--sweep '${text}' has an empty or repeated value`, SWEEP_HINT);
  }
  const sweep = { key: key as SweepKey, values };
  sweepSettings(DEFAULT_BENCH_SETTINGS, sweep);
  return sweep;
}

/** The settings of every point of the sweep: `base` with the swept parameter set to each value. */
export function sweepSettings(base: BenchSettings, sweep: Sweep): BenchSettings[] {
  return sweep.values.map((v) => ({ ...base, ...SWEEP_KEYS[sweep.key](v) }));
}

export interface SweepPoint {
  readonly value: string;
  readonly settings: BenchSettings;
  readonly methods: readonly MethodResult[];
  /** Methods asked for that cannot work at this point (e.g. DeepJudge's JSD on a label-only API), and why. */
  readonly notApplicable: readonly { readonly method: MethodName; readonly reason: string }[];
}

export interface SweepResult {
  readonly lineageVersion: string;
  readonly createdAt: string;
  readonly zoo: BenchResult['zoo'];
  /** The settings every point shares, but for the swept one. */
  readonly base: BenchSettings;
  readonly key: SweepKey;
  readonly points: readonly SweepPoint[];
  readonly wallSeconds: number;
  readonly warnings: readonly string[];
}

export interface SweepOptions extends Partial<BenchSettings> {
  readonly onProgress?: ProgressFn;
  /** Who fingerprints and scores the zoo (default: this process; `bench --queue`: queue workers). */
  readonly scorer?: ZooScorer;
}

/**
 * Run the benchmark at every point of `sweep` (one pass over the zoo's models for all points).
 * Kernel, output mode and JPEG severity are SAC parameters: a peer method gets one fingerprint,
 * shared by every point of such a sweep; a samples sweep changes every method. A defence sweep
 * keeps every fingerprint and puts each zoo model behind each defence; a method that cannot work
 * behind one is listed in that point's `notApplicable`, not scored.
 */
export async function runSweep(zoo: string, sweep: Sweep, options: SweepOptions = {}): Promise<SweepResult> {
  const start = performance.now();
  const { onProgress, scorer, ...given } = options;
  const base: BenchSettings = { ...DEFAULT_BENCH_SETTINGS, ...given };
  const manifest = await readZooManifest(zoo);
  const outputKind: OutputKind = manifest.task === 'face-embedding' ? 'embedding' : 'logits';
  const asked = sweepSettings(base, sweep);
  const notApplicable = asked.map((s) => s.methods.flatMap((method) => {
    const reason = s.defence === undefined ? undefined : defenceMisfit(method, parseDefence(s.defence), outputKind);
    return reason ? [{ method, reason }] : [];
  }));
  const settings = asked.map((s, k) => ({ ...s, methods: s.methods.filter((m) => !notApplicable[k]!.some((n) => n.method === m)) }));
  const warnings = new Set<string>();
  const evaluated = await evaluate(zoo, manifest, settings, { onWarning: (w) => warnings.add(w), ...(onProgress ? { onProgress } : {}), ...(scorer ? { scorer } : {}) });
  return {
    lineageVersion: LINEAGE_VERSION,
    createdAt: new Date().toISOString(),
    zoo: zooSummary(zoo, manifest),
    base,
    key: sweep.key,
    points: sweep.values.map((value, k) => ({ value, settings: asked[k]!, methods: evaluated[k]!.map((e) => e.result), notApplicable: notApplicable[k]! })),
    wallSeconds: (performance.now() - start) / 1000,
    warnings: [...warnings],
  };
}

/** Peer methods that compare class scores, not labels: nothing to compare behind a label-only API. */
const NEEDS_SCORES: ReadonlySet<MethodName> = new Set(['modeldiff', 'deepjudge', 'deepcore']);

/**
 * Why `method` cannot work on suspects behind `defence` (zoo models of kind `kind`), or undefined.
 * SAC switches to label mode behind a label-only API, AKH and IPGuard compare labels anyway;
 * ModelDiff (decision distances), DeepJudge (JSD) and DeepCore (probability cosine) need scores.
 */
export function defenceMisfit(method: MethodName, defence: Defence, kind: OutputKind): string | undefined {
  const problem = defenceProblem(defence, kind);
  if (problem) return `not applicable: ${problem}`;
  if (defendedOutputKind(defence, kind) === 'label' && NEEDS_SCORES.has(method)) return `not applicable: ${method} compares class scores, and ${defence.text} returns labels only`;
  return undefined;
}

export async function writeSweep(outDir: string, result: SweepResult): Promise<string> {
  const path = join(outDir, 'sweep.json');
  await writeFileAtomic(path, JSON.stringify(result, null, 2)).catch((e: unknown) => {
    throw new LineageError(`cannot write ${path}: ${errorMessage(e)}`, 'choose a writable --out folder');
  });
  return path;
}

function whole(v: string, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new LineageError(`--sweep ${name}=${v}: expected a whole number ≥ ${min}`, SWEEP_HINT);
  return n;
}
