import { sorted } from './describe.js';

/**
 * The Mann–Whitney U statistic, shared by the AUC and the Mann–Whitney test:
 * u = #{(i, j): a_i > b_j} + ½·#{(i, j): a_i = b_j} (= sum of a's mid-ranks − n_a(n_a + 1)/2),
 * in O(n log n) by sorting both samples and walking them together.
 * `tieTerm` = Σ (t³ − t) over groups of t equal values in the pooled sample (the variance's tie
 * correction).
 */
export function uStatistic(a: ArrayLike<number>, b: ArrayLike<number>): { u: number; tieTerm: number } {
  const sa = sorted(a);
  const sb = sorted(b);
  let u = 0;
  let tieTerm = 0;
  let i = 0;
  let j = 0;
  while (i < sa.length || j < sb.length) {
    const v = Math.min(i < sa.length ? sa[i]! : Infinity, j < sb.length ? sb[j]! : Infinity);
    let inA = 0;
    let inB = 0;
    for (; i < sa.length && sa[i] === v; i++) inA++;
    for (; j < sb.length && sb[j] === v; j++) inB++;
    // Each of the inA values equal to v beats the j − inB smaller b's and ties with inB of them.
    u += inA * (j - inB) + 0.5 * inA * inB;
    const t = inA + inB;
    tieTerm += t * t * t - t;
  }
  return { u, tieTerm };
}
