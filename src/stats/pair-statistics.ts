/**
 * SAC's two statistics (stats/correlation.ts matrixDistance and matrixPearsonDistance) computed on
 * a subset of the fingerprint samples, named by index: what a bootstrap resample (indices drawn with
 * repeats) or a sequential look (the first n samples queried) sees. On the identity index list they
 * equal the full-matrix statistics.
 */
import { LineageError } from '../errors.js';

export interface PairStatistics {
  /** (1/m²) Σ_pq |a − b| over every ordered pair of the m indices (a repeated sample's pair is a diagonal entry). */
  readonly distance: number;
  /** 1 − Pearson r of a and b over the pairs p < q of distinct samples; 1 when either has no spread. */
  readonly pearsonDistance: number;
}

function requireIndices(a: ArrayLike<number>, b: ArrayLike<number>, n: number, idx: ArrayLike<number>): void {
  if (a.length !== n * n || b.length !== n * n) {
    throw new LineageError(`pair statistics: matrices of ${a.length} and ${b.length} entries are not both ${n}×${n}`, 'both matrices must come from the same N fingerprint samples');
  }
  for (let p = 0; p < idx.length; p++) {
    const i = idx[p]!;
    if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new LineageError(`pair statistics: sample index ${i} is not in 0..${n - 1}`, 'index the samples the matrices were built from');
  }
}

/** Both statistics of matrices a and b (n×n, row-major) restricted to the samples `idx`. */
export function pairStatistics(a: ArrayLike<number>, b: ArrayLike<number>, n: number, idx: ArrayLike<number>): PairStatistics {
  requireIndices(a, b, n, idx);
  const m = idx.length;
  let abs = 0;
  let count = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let p = 0; p < m; p++) {
    const row = idx[p]! * n;
    for (let q = p + 1; q < m; q++) {
      const j = idx[q]!;
      const x = a[row + j]!;
      const y = b[row + j]!;
      abs += Math.abs(x - y);
      if (j === idx[p]) continue; // a repeated sample: a diagonal entry, in the distance only
      count++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
    }
  }
  // Symmetric matrices: each unordered pair stands for two ordered ones; the diagonal adds |a_ii − b_ii|.
  let diagonal = 0;
  for (let p = 0; p < m; p++) diagonal += Math.abs(a[idx[p]! * (n + 1)]! - b[idx[p]! * (n + 1)]!);
  const distance = (2 * abs + diagonal) / (m * m);
  const vx = sxx - (sx * sx) / count;
  const vy = syy - (sy * sy) / count;
  const r = (sxy - (sx * sy) / count) / Math.sqrt(vx * vy);
  return { distance, pearsonDistance: count > 0 && vx > 0 && vy > 0 ? 1 - Math.min(1, Math.max(-1, r)) : 1 };
}

/** A statistic's value on m distinct samples and each sample's first-order (influence) term. */
export interface LinearisedStatistic {
  readonly value: number;
  /**
   * φ_p with value − θ ≈ (1/m) Σ_p φ_p (Hoeffding projection / delta method): 2 × (the sample's row
   * mean − the overall mean) pushed through the statistic's gradient. Their variance is the
   * statistic's asymptotic variance × m, the quantity a confidence sequence scales with.
   */
  readonly influence: Float64Array;
}

/**
 * Both SAC statistics of two m×m matrices (m distinct samples), with their influence terms, for
 * stats/sequential.ts. `distance` is the mean over distinct pairs × (N − 1)/N: an estimate of the
 * full N-sample distance, whose diagonal (1/N of it) is 0.
 */
export function linearisedStatistics(a: ArrayLike<number>, b: ArrayLike<number>, m: number, fullN: number): { distance: LinearisedStatistic; pearsonDistance: LinearisedStatistic } {
  if (m < 3) throw new LineageError(`linearised statistics need at least 3 samples, got ${m}`, 'query more samples before the first look');
  requireIndices(a, b, m, []);
  // Row sums over j ≠ p of h = |x − y|, x, y, x², y², xy.
  const rows = Array.from({ length: 6 }, () => new Float64Array(m));
  for (let p = 0; p < m; p++) {
    for (let q = p + 1; q < m; q++) {
      const x = a[p * m + q]!;
      const y = b[p * m + q]!;
      const terms = [Math.abs(x - y), x, y, x * x, y * y, x * y];
      for (let k = 0; k < 6; k++) {
        rows[k]![p] += terms[k]!;
        rows[k]![q] += terms[k]!;
      }
    }
  }
  const pairs = (m * (m - 1)) / 2;
  const means = rows.map((r) => r.reduce((s, v) => s + v, 0) / 2 / pairs);
  // Influence of each pair mean: 2·(row mean of p − overall mean).
  const dev = (k: number, p: number) => 2 * (rows[k]![p]! / (m - 1) - means[k]!);
  const [mh, mx, my, mxx, myy, mxy] = means as [number, number, number, number, number, number];
  const scale = (fullN - 1) / fullN;
  const distance = { value: mh * scale, influence: Float64Array.from({ length: m }, (_, p) => dev(0, p) * scale) };
  const vx = mxx - mx * mx;
  const vy = myy - my * my;
  if (!(vx > 0 && vy > 0)) return { distance, pearsonDistance: { value: 1, influence: new Float64Array(m) } };
  const s = Math.sqrt(vx * vy);
  const r = Math.min(1, Math.max(-1, (mxy - mx * my) / s));
  // Gradient of 1 − r with respect to (mx, my, mxx, myy, mxy).
  const grad = [my / s - (r * mx) / vx, mx / s - (r * my) / vy, r / (2 * vx), r / (2 * vy), -1 / s];
  const influence = Float64Array.from({ length: m }, (_, p) => grad.reduce((sum, g, k) => sum + g * dev(k + 1, p), 0));
  return { distance, pearsonDistance: { value: 1 - r, influence } };
}
