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
import { DEFAULT_BENCH_SETTINGS } from './settings.js';
import type { BenchResult, BenchSettings, MethodResult } from './types.js';

/** A parameter a sweep varies, and how each of its values changes the settings. */
const SWEEP_KEYS = {
  samples: (v: string) => ({ samples: whole(v, 'samples', 2) }),
  severity: (v: string) => {
    const s = whole(v, 'severity', 1);
    if (s > 5) throw new LineageError(`--sweep severity=${v}: JPEG severity runs 1..5`, 'use e.g. --sweep severity=1,2,3,4,5');
    return { jpegSeverity: s };
  },
  kernel: (v: string) => {
    if (!KERNELS.some((k) => k.name === v)) throw new LineageError(`--sweep kernel=${v} is not a kernel`, `kernels: ${KERNELS.map((k) => k.name).join(', ')}`);
    return { kernel: v as Kernel };
  },
  output: (v: string) => {
    if (v !== 'raw' && v !== 'label') throw new LineageError(`--sweep output=${v} is not an output mode`, 'use --sweep output=raw,label');
    return { outputMode: v };
  },
} satisfies Record<string, (value: string) => Partial<BenchSettings>>;

export type SweepKey = keyof typeof SWEEP_KEYS;

export interface Sweep {
  readonly key: SweepKey;
  readonly values: readonly string[];
}

const SWEEP_HINT = `use e.g. --sweep samples=25,50,100 (parameters: ${Object.keys(SWEEP_KEYS).join(', ')})`;

/** Parse `samples=25,50,100` (or severity=…, kernel=…, output=…), checking every value. */
export function parseSweep(text: string): Sweep {
  const [key, list, extra] = text.split('=');
  if (key === undefined || !(key in SWEEP_KEYS) || list === undefined || extra !== undefined) {
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

export interface SweepResult {
  readonly lineageVersion: string;
  readonly createdAt: string;
  readonly zoo: BenchResult['zoo'];
  /** The settings every point shares, but for the swept one. */
  readonly base: BenchSettings;
  readonly key: SweepKey;
  readonly points: readonly { readonly value: string; readonly settings: BenchSettings; readonly methods: readonly MethodResult[] }[];
  readonly wallSeconds: number;
  readonly warnings: readonly string[];
}

export interface SweepOptions extends Partial<BenchSettings> {
  readonly onProgress?: ProgressFn;
}

/**
 * Run the benchmark at every point of `sweep` (one pass over the zoo's models for all points).
 * Kernel, output mode and JPEG severity are SAC parameters: a peer method gets one fingerprint,
 * shared by every point of such a sweep; a samples sweep changes every method.
 */
export async function runSweep(zoo: string, sweep: Sweep, options: SweepOptions = {}): Promise<SweepResult> {
  const start = performance.now();
  const { onProgress, ...given } = options;
  const base: BenchSettings = { ...DEFAULT_BENCH_SETTINGS, ...given };
  const manifest = await readZooManifest(zoo);
  const settings = sweepSettings(base, sweep);
  const warnings = new Set<string>();
  const evaluated = await evaluate(zoo, manifest, settings, { onWarning: (w) => warnings.add(w), ...(onProgress ? { onProgress } : {}) });
  return {
    lineageVersion: LINEAGE_VERSION,
    createdAt: new Date().toISOString(),
    zoo: zooSummary(zoo, manifest),
    base,
    key: sweep.key,
    points: sweep.values.map((value, k) => ({ value, settings: settings[k]!, methods: evaluated[k]!.map((e) => e.result) })),
    wallSeconds: (performance.now() - start) / 1000,
    warnings: [...warnings],
  };
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
