/**
 * Detection quality of a distance (METHODS.md §6). Convention throughout: positives are stolen
 * models, negatives independent ones, and a SMALL distance means "stolen"; a suspect is called
 * stolen when its distance is at or below the threshold.
 */
import { LineageError } from '../errors.js';
import { requireSample } from './describe.js';
import { uStatistic } from './u-statistic.js';

function requireGroups(positives: ArrayLike<number>, negatives: ArrayLike<number>): void {
  requireSample(positives, 'stolen-model (positive) distances');
  requireSample(negatives, 'independent-model (negative) distances');
}

/**
 * Area under the ROC curve = P(a stolen distance < an independent distance), ties counting ½:
 * the Mann–Whitney U of negatives against positives over n_pos·n_neg. 1 = perfect separation,
 * 0.5 = chance.
 */
export function auc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  requireGroups(positives, negatives);
  return uStatistic(negatives, positives).u / (positives.length * negatives.length);
}

export interface RocPoint {
  readonly fpr: number;
  readonly tpr: number;
  /** Call "stolen" when distance ≤ threshold; −∞ for the (0, 0) corner. */
  readonly threshold: number;
}

/**
 * ROC curve: one point per distinct distance, ascending, from (0, 0) to (1, 1). Tied positive and
 * negative distances move both rates in one step, so the trapezoid area under the points equals
 * `auc` exactly.
 */
export function rocCurve(positives: ArrayLike<number>, negatives: ArrayLike<number>): RocPoint[] {
  requireGroups(positives, negatives);
  const all = [
    ...Array.from(positives, (d) => ({ d, stolen: true })),
    ...Array.from(negatives, (d) => ({ d, stolen: false })),
  ].sort((x, y) => x.d - y.d);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: -Infinity }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < all.length; k++) {
    if (all[k]!.stolen) tp++;
    else fp++;
    if (k + 1 === all.length || all[k + 1]!.d !== all[k]!.d) {
      points.push({ fpr: fp / negatives.length, tpr: tp / positives.length, threshold: all[k]!.d });
    }
  }
  return points;
}

/** Largest true-positive rate reachable with a false-positive rate ≤ maxFpr (default 1 %). */
export function tprAtFpr(positives: ArrayLike<number>, negatives: ArrayLike<number>, maxFpr = 0.01): number {
  if (!(maxFpr >= 0 && maxFpr <= 1)) throw new LineageError(`maximum false-positive rate ${maxFpr} is outside [0, 1]`, 'use a fraction such as 0.01');
  let best = 0;
  for (const p of rocCurve(positives, negatives)) if (p.fpr <= maxFpr && p.tpr > best) best = p.tpr;
  return best;
}
