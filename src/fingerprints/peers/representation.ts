import { LineageError } from '../../errors.js';
import type { Outputs } from '../../models/types.js';
import { argmaxRows } from '../../stats/correlation.js';

/** What peer methods read from outputs: predicted labels, probability vectors, and pairwise measures. */

/** Predicted class of every row. */
export const hardLabels = (outputs: Outputs): number[] => Array.from(argmaxRows(outputs));

/** Row-wise softmax of raw outputs (logits), stable (max subtracted), in Float64. */
export function softmaxRows(outputs: Outputs): Float64Array[] {
  const { data, rows, cols } = outputs;
  return Array.from({ length: rows }, (_, i) => {
    const row = data.subarray(i * cols, (i + 1) * cols);
    const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
    const e = Float64Array.from(row, (z) => Math.exp(z - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

/** Row i of a matrix of outputs. */
export const rowOf = (outputs: Outputs, i: number): Float32Array => outputs.data.subarray(i * outputs.cols, (i + 1) * outputs.cols);

/** cos(a, b); 0 when either vector is all zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k]! * b[k]!;
    aa += a[k]! * a[k]!;
    bb += b[k]! * b[k]!;
  }
  return aa > 0 && bb > 0 ? dot / Math.sqrt(aa * bb) : 0;
}

/** Jensen–Shannon divergence of two probability vectors, natural log (in [0, ln 2]). */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let js = 0;
  for (let k = 0; k < p.length; k++) {
    const m = (p[k]! + q[k]!) / 2;
    if (p[k]! > 0) js += 0.5 * p[k]! * Math.log(p[k]! / m);
    if (q[k]! > 0) js += 0.5 * q[k]! * Math.log(q[k]! / m);
  }
  return js;
}

/** Fraction of positions where two label lists agree. */
export function agreement(a: readonly number[], b: readonly number[]): number {
  return a.filter((label, i) => label === b[i]).length / a.length;
}

/** Throws unless the suspect answered every fingerprint input with an output of the victim's width. */
export function requireSameShape(victim: Outputs, suspect: Outputs, what: string): void {
  if (victim.rows !== suspect.rows || victim.cols !== suspect.cols) {
    throw new LineageError(
      `${what}: the suspect gave ${suspect.rows}×${suspect.cols} outputs, the victim ${victim.rows}×${victim.cols}`,
      'query the suspect on exactly the fingerprint inputs, reading an output with the same classes as the victim',
    );
  }
}
