/**
 * Significance tests for "is this suspect's distance smaller than independent models' distances?"
 * (METHODS.md §6). Every p-value here is one number an auditor can read as: the probability of
 * seeing a result at least this extreme if the suspect (or group) were just another independent
 * model. Small p ⇒ evidence of theft. A p-value is not the probability that the model was stolen.
 */
import { LineageError } from '../errors.js';
import { mean, requireSample, variance } from './describe.js';
import { normalCdf, studentTCdf } from './distributions.js';
import { uStatistic } from './u-statistic.js';

/**
 * Alternative hypothesis about the first sample a versus the second b:
 * 'less' = a tends to be smaller (the theft question when a holds suspect distances),
 * 'greater' = a tends to be larger, 'two-sided' = they differ either way.
 */
export type Alternative = 'less' | 'greater' | 'two-sided';

/** p-value of a statistic with symmetric null CDF `cdf`, observed at `stat`. */
function pFromSymmetric(stat: number, alternative: Alternative, cdf: (x: number) => number): number {
  if (alternative === 'less') return cdf(stat);
  if (alternative === 'greater') return cdf(-stat);
  return Math.min(1, 2 * cdf(-Math.abs(stat)));
}

/**
 * Welch's two-sample t-test (unequal variances). t = (mean a − mean b)/√(s²_a/n_a + s²_b/n_b),
 * df by Welch–Satterthwaite. With a = distances of suspected copies, b = distances of independent
 * models and alternative 'less', p is the probability of a mean gap at least this large if both
 * groups came from populations with the same mean (assumes roughly normal distances).
 * Needs ≥ 2 finite values per group and some spread.
 */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>, alternative: Alternative): { t: number; df: number; p: number } {
  requireSample(a, 'first group of distances', 2);
  requireSample(b, 'second group of distances', 2);
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  if (va + vb === 0) {
    throw new LineageError('t-test: both groups of distances have no spread (all values identical)', 'a t-test needs varied distances; use the rank test instead');
  }
  const t = (mean(a) - mean(b)) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return { t, df, p: pFromSymmetric(t, alternative, (x) => studentTCdf(x, df)) };
}

/**
 * Is one new distance x unusually small for the group of independent-model distances? Prediction-
 * interval t-test: t = (x − mean)/(sd·√(1 + 1/n)), df = n − 1, p = P(T ≤ t). p is the probability
 * that one more independent model (distances assumed normal) would come this close to the victim
 * or closer. Needs n ≥ 2 group values with some spread.
 */
export function singleVsGroupTTest(x: number, group: ArrayLike<number>): { t: number; df: number; p: number } {
  requireSample([x], "suspect's distance");
  requireSample(group, 'independent-model distances', 2);
  const n = group.length;
  const s = Math.sqrt(variance(group));
  if (s === 0) {
    throw new LineageError(`t-test: all ${n} independent-model distances are identical`, 'calibrate with independent models that differ, or read the rank p-value');
  }
  const t = (x - mean(group)) / (s * Math.sqrt(1 + 1 / n));
  const df = n - 1;
  return { t, df, p: studentTCdf(t, df) };
}

/**
 * Mann–Whitney U test (normal approximation with tie and continuity corrections), no normality
 * assumption. u = #{a_i > b_j} + ½·#{a_i = b_j}. With a = suspect distances, b = independent
 * ones and 'less', p is the probability that a's values rank this low among b's if all came from
 * one distribution. The approximation needs roughly n ≥ 8 per group to be trusted; if every value
 * is tied there is no evidence and p = 1.
 */
export function mannWhitneyU(a: ArrayLike<number>, b: ArrayLike<number>, alternative: Alternative): { u: number; z: number; p: number } {
  requireSample(a, 'first group of distances');
  requireSample(b, 'second group of distances');
  const na = a.length;
  const nb = b.length;
  const n = na + nb;
  const { u, tieTerm } = uStatistic(a, b);
  const mu = (na * nb) / 2;
  const sigma = Math.sqrt(((na * nb) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { u, z: 0, p: 1 };
  // Continuity correction: move u half a step towards the null mean before standardising.
  const gap = u - mu;
  const z =
    alternative === 'less' ? (gap + 0.5) / sigma
    : alternative === 'greater' ? (gap - 0.5) / sigma
    : (Math.sign(gap) * Math.max(0, Math.abs(gap) - 0.5)) / sigma;
  return { u, z, p: pFromSymmetric(z, alternative, normalCdf) };
}

/**
 * The null hypothesis of each p-value a verdict carries, in words, for verify's JSON and footnotes.
 * The rank p-value is the headline: it is exact whatever the distribution of independent models'
 * statistics, while the t-test's normal model of a handful of calibration models is measured to
 * give p < 0.05 far more often than 5 % of the time to independent models (BENCHMARKS.md).
 */
export const P_VALUE_NULLS = {
  rank: 'the suspect is exchangeable with the K calibration models (one more model drawn the way they were); exact under that null, never below 1/(K+1)',
  t: "the suspect's statistic is one more draw from a normal distribution fitted to the K calibration models; approximate, too small when that fit is wrong",
} as const;

/**
 * Conformal (rank) p-value of one distance x against the n independent-model distances, no
 * distribution assumed: p = (1 + #{g ≤ x}) / (n + 1). Null: the suspect is exchangeable with the
 * calibration models (one more model drawn the way they were). Then its distance is equally likely
 * to take any of the n + 1 ranks, so P(p ≤ k/(n+1)) ≤ k/(n+1) — exactly valid, ties included
 * (a tie counts as closer: counting it ½ would make p too small whenever statistics tie, as
 * discrete peer scores do). The smallest possible p is 1/(n + 1): with 5 independent models no
 * suspect can get below 1/6 ≈ 0.17; p < 0.05 needs at least 19.
 */
export function rankPValue(x: number, group: ArrayLike<number>): number {
  requireSample([x], "suspect's distance");
  requireSample(group, 'independent-model distances');
  let atOrBelow = 0;
  for (let i = 0; i < group.length; i++) if (group[i]! <= x) atOrBelow++;
  return (1 + atOrBelow) / (group.length + 1);
}
