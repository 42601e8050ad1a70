import { selectImages } from '../data/types.js';
import { LineageError } from '../errors.js';
import type { Model, Outputs } from '../models/types.js';
import { linearisedStatistics } from '../stats/pair-statistics.js';
import { csRadius, look, lookSchedule } from '../stats/sequential.js';
import type { Look } from '../stats/sequential.js';
import { Random } from '../util/random.js';
import { compareOutputs } from './compare.js';
import type { Comparison } from './compare.js';
import { predictAll } from './query.js';
import { sacMatrix } from './representation.js';
import type { Calibration, Fingerprint, ProgressFn, SacParams } from './types.js';

/** `verify --max-queries Q --alpha A [--round R]`: the design is in stats/sequential.ts. */
export interface SequentialOptions {
  readonly maxQueries: number;
  readonly alpha: number;
  /** Queries per round (default 10); the first look is at stats/sequential.ts MIN_LOOK samples. */
  readonly round?: number;
  /** Seed of the order the samples are queried in (default the fingerprint's seed). */
  readonly seed?: number;
}

/** What a sequential verification did: its looks, the queries it used, and the verdict it settled (if any). */
export interface SequentialRecord {
  readonly alpha: number;
  readonly maxQueries: number;
  readonly round: number;
  readonly seed: number;
  readonly queriesUsed: number;
  /** Absent when the budget ran out first: the verdict is then the fixed-budget one on the samples queried. */
  readonly settled?: 'stolen' | 'independent';
  readonly looks: readonly Look[];
}

export const DEFAULT_ROUND = 10;

/** The order the samples are queried in: a seeded permutation of the N fingerprint samples. */
export const queryOrder = (n: number, seed: number) => new Random(seed).permutation(n);

/**
 * The comparison on the first n samples of `order` (the suspect's outputs on them, in that order)
 * and the look it gives: the calibrated statistic's confidence sequence held to the threshold.
 */
/** What a look needs of a fingerprint (an evidence log holds it too). */
export type SequentialBasis = Pick<Fingerprint, 'victimOutputs'> & { readonly manifest: { readonly params: SacParams }; readonly samples: { readonly count: number } };

export function sequentialLook(fp: SequentialBasis, cal: Calibration, order: readonly number[], outputs: Outputs, labelsOnly: boolean, alpha: number, tuneAt: number): { comparison: Omit<Comparison, 'queries'>; look: Look } {
  const n = outputs.rows;
  const cols = fp.victimOutputs.cols;
  const data = new Float32Array(n * cols);
  for (let k = 0; k < n; k++) data.set(fp.victimOutputs.data.subarray(order[k]! * cols, (order[k]! + 1) * cols), k * cols);
  const victim = { data, rows: n, cols };
  const { params } = fp.manifest;
  const comparison = compareOutputs({ manifest: fp.manifest, victimOutputs: victim, victimMatrix: sacMatrix(victim, params.kernel, params.outputMode) }, outputs, labelsOnly);
  const lin = linearisedStatistics(comparison.victimMatrix, comparison.matrix, n, fp.samples.count);
  const s = cal.statistic === 'pearson' ? lin.pearsonDistance : lin.distance;
  return { comparison, look: look(n, s.value, csRadius(s.influence, alpha, tuneAt), cal.fit.threshold) };
}

/** Query `suspect` round by round in a seeded order until a look settles the verdict or the budget is spent. */
export async function compareSequentially(fp: Fingerprint, cal: Calibration, suspect: Model, options: SequentialOptions, onProgress?: ProgressFn): Promise<Comparison & { sequential: SequentialRecord }> {
  const n = fp.samples.count;
  const budget = Math.min(options.maxQueries, n);
  if (options.maxQueries > n) throw new LineageError(`--max-queries ${options.maxQueries} is more than the bundle's ${n} samples`, `use --max-queries ${n} or fewer`);
  const round = options.round ?? DEFAULT_ROUND;
  const seed = options.seed ?? fp.manifest.params.seed;
  const order = queryOrder(n, seed);
  const before = suspect.queries;
  const parts: Outputs[] = [];
  const looks: Look[] = [];
  let done = 0;
  let last: ReturnType<typeof sequentialLook> | undefined;
  for (const at of lookSchedule(budget, round)) {
    parts.push(await predictAll(suspect, selectImages(fp.samples, order.slice(done, at)), onProgress, `querying ${suspect.source} (${done}–${at} of ≤ ${budget})`));
    done = at;
    last = sequentialLook(fp, cal, order, concatRows(parts), suspect.spec.outputKind === 'label', options.alpha, budget / 2);
    looks.push(last.look);
    if (last.look.settled) break;
  }
  const settled = last!.look.settled;
  return {
    ...last!.comparison,
    queries: suspect.queries - before,
    sequential: { alpha: options.alpha, maxQueries: budget, round, seed, queriesUsed: done, ...(settled ? { settled } : {}), looks },
  };
}

function concatRows(parts: readonly Outputs[]): Outputs {
  const cols = parts[0]!.cols;
  const changed = parts.find((p) => p.cols !== cols);
  if (changed) throw new LineageError(`the suspect changed its output size from ${cols} to ${changed.cols} between rounds`, 'select one fixed output with --output');
  const data = new Float32Array(parts.reduce((s, p) => s + p.data.length, 0));
  parts.reduce((offset, p) => (data.set(p.data, offset), offset + p.data.length), 0);
  return { data, rows: data.length / cols, cols };
}
