import { auc } from '../stats/auc.js';
import { matrixSpread } from '../stats/correlation.js';
import type { Kernel } from '../stats/correlation.js';
import type { FingerprintQuality } from './types.js';

/**
 * Below this spread (sd of the off-diagonal entries of the victim's matrix) every sample looks the
 * same to the victim: distances to any suspect become meaningless (METHODS.md: a face model fed
 * [0,1] pixels instead of 0–255 gave all cosines ≈ 0.9998 and a flat matrix).
 */
export const DEGENERATE_SPREAD = 0.005;
/** Same/different-label AUC under which the victim barely tells its own samples apart. */
const WEAK_SEPARATION_AUC = 0.75;

/** Spread of the victim's matrix and, with labels, how well it separates same from different labels. */
export function assessQuality(matrix: Float64Array, n: number, kernel: Kernel, labels?: readonly string[]): FingerprintQuality {
  const spread = matrixSpread(matrix, n);
  const warnings: string[] = [];
  if (spread.sd < DEGENERATE_SPREAD) {
    warnings.push(
      `degenerate fingerprint: the victim's outputs are nearly the same for every sample (off-diagonal sd ${spread.sd.toExponential(2)}); ` +
        'the input range or normalisation is probably wrong (see --range, --mean, --std)',
    );
  }
  const sameDifferentAuc = labels ? labelSeparation(matrix, n, labels, kernel === 'rbf' ? -1 : 1) : undefined;
  if (sameDifferentAuc !== undefined && sameDifferentAuc < WEAK_SEPARATION_AUC) {
    warnings.push(
      `weak fingerprint: on its own samples the victim separates same-label from different-label pairs with AUC ${sameDifferentAuc.toFixed(3)} only; ` +
        'check the preprocessing (range, channel order, face crop/alignment)',
    );
  }
  return { spread, ...(sameDifferentAuc !== undefined ? { sameDifferentAuc } : {}), warnings };
}

export const isDegenerate = (q: FingerprintQuality) => q.spread.sd < DEGENERATE_SPREAD;

/**
 * AUC of "same-label pairs are closer than different-label pairs". `sign` turns the RBF kernel
 * (a similarity: larger = closer) into a dissimilarity like the cosine kernels.
 */
function labelSeparation(matrix: Float64Array, n: number, labels: readonly string[], sign: 1 | -1): number | undefined {
  const same: number[] = [];
  const different: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) (labels[i] === labels[j] ? same : different).push(sign * matrix[i * n + j]!);
  return same.length > 0 && different.length > 0 ? auc(same, different) : undefined;
}
