/**
 * SAC's representation of a model (METHODS.md §2): the N×N matrix of pairwise correlations of its
 * outputs on the N fingerprint samples, and the distances between two such matrices.
 */
import { LineageError } from '../errors.js';
import { mean, sd } from './describe.js';
import { gramMatrix } from './gram.js';

/** Row-major matrix of `rows` output vectors of `cols` values (the shared `Outputs` fits). */
export interface RowMatrix {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

/** Pairwise correlation kernel, applied to L2-normalised outputs ô. */
export type Kernel = 'cosine' | 'half-cosine' | 'rbf';

export const KERNELS: readonly { readonly name: Kernel; readonly description: string }[] = [
  { name: 'cosine', description: '1 − cos(ô_i, ô_j), in [0, 2]; the SAC-JC reference (default)' },
  { name: 'half-cosine', description: '(1 − cos(ô_i, ô_j)) / 2, in [0, 1]; the SAC (NeurIPS 2022) code' },
  { name: 'rbf', description: 'exp(−‖ô_i − ô_j‖²), in [e⁻⁴, 1]; a similarity (1 on the diagonal)' },
];

/** Norm floor: an all-zero output row stays all zero instead of dividing by zero. */
const MIN_NORM = 1e-12;

/** ô_i = o_i / max(‖o_i‖₂, 1e-12) for each row; throws on NaN/Infinity (a broken model). */
export function normalizeRows(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows >= 1 && cols >= 1) || data.length !== rows * cols) {
    throw new LineageError(
      `model outputs: ${data.length} values do not form ${rows} rows × ${cols} columns`,
      'the model must return one output vector (at least 1 value) per sample',
    );
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let ss = 0;
    for (let k = 0; k < cols; k++) {
      const v = data[i * cols + k]!;
      if (!Number.isFinite(v)) {
        throw new LineageError(`model outputs: sample #${i + 1} has a non-finite value (${v}) at position ${k}`, "check the model's input preprocessing; a correlation matrix cannot be built from NaN/Infinity");
      }
      ss += v * v;
    }
    const scale = 1 / Math.max(Math.sqrt(ss), MIN_NORM);
    for (let k = 0; k < cols; k++) out[i * cols + k] = data[i * cols + k]! * scale;
  }
  return out;
}

/**
 * The N×N correlation matrix (row-major, Float64) of the outputs' normalised rows under `kernel`.
 * Built from the Gram matrix G = Ô·Ôᵀ: cos(ô_i, ô_j) = G_ij and ‖ô_i − ô_j‖² = G_ii + G_jj − 2·G_ij
 * (an all-zero output row has G_ii = 0: cosine 0 with everything).
 */
export function correlationMatrix(outputs: RowMatrix, kernel: Kernel = 'cosine'): Float64Array {
  const { rows: n, cols } = outputs;
  const g = gramMatrix(normalizeRows(outputs.data, n, cols), n, cols);
  if (kernel === 'rbf') {
    const diag = Float64Array.from({ length: n }, (_, i) => g[i * n + i]!);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) g[i * n + j] = Math.exp(-Math.max(0, diag[i]! + diag[j]! - 2 * g[i * n + j]!));
    }
    return g;
  }
  const scale = kernel === 'half-cosine' ? 0.5 : 1;
  for (let k = 0; k < g.length; k++) g[k] = (1 - g[k]!) * scale;
  return g;
}

/** Logit gap of METHODS.md §2.5: 1.0 at the predicted class, 0.01 elsewhere, then softmax. */
const LABEL_LOGIT = 1.0;
const OTHER_LOGIT = 0.01;

/**
 * Outputs of a label-only model: row i is softmax of (0.01 everywhere, 1.0 at labels[i]).
 * Throws unless every label is an integer class in [0, classes).
 */
export function labelOnlyOutputs(labels: ArrayLike<number>, classes: number): RowMatrix & { readonly data: Float64Array } {
  if (!(Number.isInteger(classes) && classes >= 1)) {
    throw new LineageError(`label-only outputs: class count ${classes} is not a positive integer`, 'give the number of classes the model predicts');
  }
  const z = Math.exp(LABEL_LOGIT) + (classes - 1) * Math.exp(OTHER_LOGIT);
  const on = Math.exp(LABEL_LOGIT) / z;
  const off = Math.exp(OTHER_LOGIT) / z;
  const data = new Float64Array(labels.length * classes).fill(off);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new LineageError(`label-only outputs: sample #${i + 1} has label ${label}, not a class in 0..${classes - 1}`, 'check the class count and that the API returns class indices');
    }
    data[i * classes + label] = on;
  }
  return { data, rows: labels.length, cols: classes };
}

/** Index of each row's largest value (the first one on ties). */
export function argmaxRows(outputs: RowMatrix): Int32Array {
  const { data, rows, cols } = outputs;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < cols; k++) if (data[i * cols + k]! > data[i * cols + best]!) best = k;
    out[i] = best;
  }
  return out;
}

function requireSameSquare(a: ArrayLike<number>, b: ArrayLike<number>, n?: number): number {
  const side = n ?? Math.round(Math.sqrt(a.length));
  if (a.length !== side * side || b.length !== a.length) {
    throw new LineageError(
      `correlation matrices differ in size (${a.length} and ${b.length} entries${n === undefined ? '' : `, expected ${n}×${n}`})`,
      'both matrices must come from the same N fingerprint samples',
    );
  }
  return side;
}

/**
 * The SAC distance (METHODS.md §2.4): (1/N²) Σ_ij |a_ij − b_ij|, diagonal included. Small ⇒ the
 * two models correlate their samples alike ⇒ evidence that one was derived from the other.
 */
export function matrixDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  requireSameSquare(a, b);
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += Math.abs(a[k]! - b[k]!);
  return sum / a.length;
}

/** Upper-triangle entries above the diagonal (i < j), row by row. */
function offDiagonal(c: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array((n * (n - 1)) / 2);
  let p = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[p++] = c[i * n + j]!;
  return out;
}

/**
 * Scale-free companion of matrixDistance: 1 − Pearson correlation of the two matrices'
 * off-diagonal entries (upper triangle; the matrices are symmetric). In [0, 2]; 0 when one matrix
 * is an increasing affine function of the other, whatever their scales — so a victim whose
 * entries are all tiny (a flat, degenerate fingerprint) is not "close" to every other flat model.
 * Returns 1 (no evidence either way) when either matrix has constant off-diagonal entries.
 */
export function matrixPearsonDistance(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  requireSameSquare(a, b, n);
  const x = offDiagonal(a, n);
  const y = offDiagonal(b, n);
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < x.length; k++) {
    const dx = x[k]! - mx;
    const dy = y[k]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0 && syy > 0)) return 1;
  return 1 - Math.min(1, Math.max(-1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Mean, sample sd, min and max of the off-diagonal entries of an N×N symmetric matrix (the upper
 * triangle i < j: each pair once).
 * A tiny sd means the model sees every sample alike: a degenerate fingerprint (METHODS.md §2).
 * sd is NaN for N = 2 (a single pair); all NaN for N < 2.
 */
export function matrixSpread(c: ArrayLike<number>, n: number): { mean: number; sd: number; min: number; max: number } {
  if (c.length !== n * n) {
    throw new LineageError(`correlation matrix has ${c.length} entries, expected ${n}×${n}`, 'pass the number of fingerprint samples N the matrix was built from');
  }
  const x = offDiagonal(c, n);
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return x.length === 0 ? { mean: NaN, sd: NaN, min: NaN, max: NaN } : { mean: mean(x), sd: sd(x), min, max };
}
