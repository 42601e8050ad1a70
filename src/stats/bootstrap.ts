/**
 * Seeded percentile bootstrap (Efron): how much a statistic moves when the data it was computed on
 * is drawn again from itself. Two uses: the SAC statistics over the N fingerprint samples (which
 * samples were drawn is chance; stats/pair-statistics.ts evaluates a resample without rebuilding
 * any matrix), and AUC over the zoo's models (which models were built is chance).
 * An interval says how far the number could move with other samples/models of the same kind; it
 * does not say how likely the verdict is right.
 */
import { LineageError } from '../errors.js';
import { Random } from '../util/random.js';
import { auc } from './auc.js';
import { quantile } from './describe.js';
import { pairStatistics } from './pair-statistics.js';
import type { PairStatistics } from './pair-statistics.js';
import { share } from './share.js';

export interface BootstrapOptions {
  /** Resamples (default 1000). */
  readonly reps?: number;
  readonly seed?: number;
  /** Two-sided coverage (default 0.95). */
  readonly level?: number;
}

/** A percentile interval and how it was made, so a reader can redo it. */
export interface Interval {
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  readonly reps: number;
  readonly seed: number;
}

export const DEFAULT_BOOTSTRAP = { reps: 1000, seed: 1, level: 0.95 } as const;

function settings(options: BootstrapOptions): Required<BootstrapOptions> {
  const s = { ...DEFAULT_BOOTSTRAP, ...options };
  if (!(Number.isInteger(s.reps) && s.reps >= 10)) throw new LineageError(`bootstrap: ${s.reps} resamples`, 'use at least 10 resamples (1000 is the default)');
  if (!(s.level > 0 && s.level < 1)) throw new LineageError(`bootstrap: coverage ${s.level} is not in (0, 1)`, 'use e.g. 0.95');
  return s;
}

/** The (1 − level)/2 and (1 + level)/2 quantiles of the resampled values (NaN resamples dropped). */
export function percentileInterval(values: readonly number[], options: Required<BootstrapOptions>): Interval {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) throw new LineageError('bootstrap: no resample gave a finite value', 'the statistic is undefined on these data');
  const tail = (1 - options.level) / 2;
  return { lower: quantile(finite, tail), upper: quantile(finite, 1 - tail), level: options.level, reps: options.reps, seed: options.seed };
}

/** n indices drawn uniformly with repeats. */
const resample = (rng: Random, n: number) => Int32Array.from({ length: n }, () => rng.int(n));

/**
 * Intervals for both SAC statistics of victim matrix a against suspect matrix b (n×n) over the n
 * fingerprint samples: each resample draws n samples with repeats and reads their sub-matrices.
 */
export function sampleBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, n: number, options: BootstrapOptions = {}): Record<keyof PairStatistics, Interval> {
  const s = settings(options);
  const rng = new Random(s.seed);
  const draws = Array.from({ length: s.reps }, () => pairStatistics(a, b, n, resample(rng, n)));
  return {
    distance: percentileInterval(draws.map((d) => d.distance), s),
    pearsonDistance: percentileInterval(draws.map((d) => d.pearsonDistance), s),
  };
}

/**
 * Interval of the base-aware share (share.ts) of suspect matrix s between victim matrix v and base
 * matrix b over the n samples: each resample reads both pairs' statistic on the same samples.
 */
export function shareBootstrap(v: ArrayLike<number>, b: ArrayLike<number>, s: ArrayLike<number>, n: number, statistic: keyof PairStatistics, options: BootstrapOptions = {}): Interval {
  const o = settings(options);
  const rng = new Random(o.seed);
  const draws = Array.from({ length: o.reps }, () => {
    const idx = resample(rng, n);
    return share(pairStatistics(v, s, n, idx)[statistic], pairStatistics(b, s, n, idx)[statistic]);
  });
  return percentileInterval(draws, o);
}

/** Interval for the AUC of positives against negatives, resampling each group with repeats (stratified). */
export function aucBootstrap(positives: readonly number[], negatives: readonly number[], options: BootstrapOptions = {}): Interval {
  const s = settings(options);
  const rng = new Random(s.seed);
  const pick = (values: readonly number[]) => Array.from(resample(rng, values.length), (i) => values[i]!);
  return percentileInterval(Array.from({ length: s.reps }, () => auc(pick(positives), pick(negatives))), s);
}
