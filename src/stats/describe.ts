import { LineageError } from '../errors.js';

/**
 * Throws a LineageError unless `values` has at least `minSize` entries, all finite.
 * `what` names the sample in the message, e.g. "independent-model distances".
 */
export function requireSample(values: ArrayLike<number>, what: string, minSize = 1): void {
  if (values.length < minSize) {
    throw new LineageError(
      `${what}: need at least ${minSize} value${minSize === 1 ? '' : 's'}, got ${values.length}`,
      minSize > 1 ? `provide ${minSize} or more ${what}` : `provide some ${what}`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new LineageError(`${what}: value #${i + 1} is ${values[i]}, not a finite number`, 'check the model outputs that produced it (NaN/Infinity)');
    }
  }
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Sample variance (divisor n − 1); NaN for fewer than 2 values. */
export function variance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - m) ** 2;
  return ss / (n - 1);
}

/** Sample standard deviation (divisor n − 1); NaN for fewer than 2 values. */
export function sd(values: ArrayLike<number>): number {
  return Math.sqrt(variance(values));
}

/** Ascending copy (numeric order). */
export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * Quantile by linear interpolation between order statistics (Hyndman–Fan type 7, the default of
 * R and NumPy): position h = (n − 1)·q in the sorted values, interpolated between its neighbours.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new LineageError(`quantile ${q} is outside [0, 1]`, 'use a fraction such as 0.01 for the 1 % quantile');
  requireSample(values, 'quantile input');
  const s = sorted(values);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}
