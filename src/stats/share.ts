/**
 * The base-aware statistic (fingerprints/base.ts): where a suspect S lies between the victim V and
 * the public base P that V was fine-tuned from, share = d(S,V) / (d(S,V) + d(S,P)), in [0, 1].
 *
 * Why 1/2 is the natural boundary: it is where S is as close to P as to V. If V = P + Δ_V and a
 * sibling S = P + Δ_S moved independently, d(S,V) mixes both moves and exceeds d(S,P), so share > 1/2
 * (≈ 0.59 for equal moves on a Euclidean distance, 2/3 on a squared one); a copy S = V + Δ_C has
 * d(S,V) = |Δ_C| < d(S,P), so share < 1/2; P itself has share 1; a model unrelated to both sits
 * near 1/2 (far from both alike). Any distance works; 0 = identical.
 */

/** d(S,V) / (d(S,V) + d(S,P)); 1/2 when both are 0 (identical to victim and base: no evidence either way). */
export function share(toVictim: number, toBase: number): number {
  const sum = toVictim + toBase;
  return sum > 0 ? toVictim / sum : 0.5;
}
