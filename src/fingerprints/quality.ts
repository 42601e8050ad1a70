import { createHash } from 'node:crypto';
import type { ImageBatch } from '../data/types.js';
import { imageAt } from '../data/types.js';
import { auc } from '../stats/auc.js';
import { matrixSpread } from '../stats/correlation.js';
import type { Kernel } from '../stats/correlation.js';
import { sd } from '../stats/describe.js';
import type { FingerprintQuality } from './types.js';

/**
 * Below this spread (sd of the off-diagonal entries of the victim's matrix) every sample looks the
 * same to the victim: distances to any suspect become meaningless (METHODS.md: a face model fed
 * [0,1] pixels instead of 0–255 gave all cosines ≈ 0.9998 and a flat matrix).
 */
export const DEGENERATE_SPREAD = 0.005;
/** Same/different-label AUC under which the victim barely tells its own samples apart. */
const WEAK_SEPARATION_AUC = 0.75;
/**
 * Pixel sd (0–255 scale, all channels) under which a sample shows nothing but one flat colour, e.g. a
 * 1×1 image stretched to the input size. Real photos sit far above it (measured: lowest sd 26 of
 * 2,000 LFW face crops, 12 of 14,000 CIFAR-10 images, 32 of ORL's 400; FER2013's 13,614 faces have 3
 * blank frames at 0, then 4.1).
 */
export const NEAR_CONSTANT_SD = 2;
/**
 * Share of content-free samples (near-constant, or a byte-for-byte duplicate of another) above which
 * a fingerprint is refused: every such sample adds N − 1 pairs that say nothing about the model.
 */
const MAX_CONTENT_FREE_SHARE = 0.1;

const flat = (sd: number) => !(sd >= DEGENERATE_SPREAD); // NaN (no spread measurable) counts as flat

/** The degenerate-output message, for whose outputs (the victim's, a suspect's, a calibration model's). */
const degenerateMessage = (whose: string, sd: number) =>
  `${whose} outputs are nearly the same for every sample (off-diagonal sd ${sd.toExponential(2)} < ${DEGENERATE_SPREAD})`;

/**
 * Spread of the victim's matrix, with labels how well it separates same from different labels, and
 * with the samples how many of them carry no image content (near-constant or duplicated).
 */
export function assessQuality(matrix: Float64Array, n: number, kernel: Kernel, labels?: readonly string[], samples?: ImageBatch): FingerprintQuality {
  const spread = matrixSpread(matrix, n);
  const warnings: string[] = [];
  if (flat(spread.sd)) {
    warnings.push(
      `degenerate fingerprint: ${degenerateMessage("the victim's", spread.sd)}; ` +
        'the input range or normalisation is probably wrong (see --range, --mean, --std)',
    );
  }
  const content = samples ? sampleContent(samples) : undefined;
  if (content && content.nearConstant > 0) {
    warnings.push(`content-free samples: ${content.nearConstant} of ${n} samples are near-constant (pixel sd < ${NEAR_CONSTANT_SD}: no image content, e.g. tiny images stretched); use real images at a useful size`);
  }
  if (content && content.duplicates > 0) {
    warnings.push(`duplicated samples: ${content.duplicates} of ${n} samples duplicate another sample byte for byte; remove duplicates from the data`);
  }
  const sameDifferentAuc = labels ? labelSeparation(matrix, n, labels, kernel === 'rbf' ? -1 : 1) : undefined;
  if (sameDifferentAuc !== undefined && sameDifferentAuc < WEAK_SEPARATION_AUC) {
    warnings.push(
      `weak fingerprint: on its own samples the victim separates same-label from different-label pairs with AUC ${sameDifferentAuc.toFixed(3)} only; ` +
        'check the preprocessing (range, channel order, face crop/alignment)',
    );
  }
  return { spread, ...(sameDifferentAuc !== undefined ? { sameDifferentAuc } : {}), ...(content ? { content } : {}), warnings };
}

/**
 * Why a fingerprint of this quality must not be made (unless the owner insists), or undefined: a
 * flat victim matrix, or more than MAX_CONTENT_FREE_SHARE of the samples without content.
 */
export function refusalOf(q: FingerprintQuality): string | undefined {
  if (flat(q.spread.sd)) return q.warnings[0];
  const n = q.content ? q.content.samples : 0;
  if (q.content && q.content.nearConstant + q.content.duplicates > MAX_CONTENT_FREE_SHARE * n) {
    return q.warnings.filter((w) => /^(content-free|duplicated) samples/.test(w)).join('; ') +
      ` (more than ${MAX_CONTENT_FREE_SHARE * 100} % of the samples carry no content)`;
  }
  return undefined;
}

/**
 * Why a suspect's or calibration model's matrix on the fingerprint samples carries no evidence —
 * the same test that refuses a victim — or undefined. `whose` names the model in the message.
 */
export function degenerateOutputs(matrix: Float64Array, n: number, whose: string): string | undefined {
  const { sd: spread } = matrixSpread(matrix, n);
  return flat(spread)
    ? `degenerate outputs: ${degenerateMessage(whose, spread)}; they carry no evidence either way (wrong --range/--mean/--std, or a model that answers the same to everything)`
    : undefined;
}

/** How many samples are near-constant, and how many repeat an earlier sample byte for byte. */
export function sampleContent(samples: ImageBatch): NonNullable<FingerprintQuality['content']> {
  const seen = new Set<string>();
  let nearConstant = 0;
  let duplicates = 0;
  for (let i = 0; i < samples.count; i++) {
    const image = imageAt(samples, i);
    if (!(sd(image) >= NEAR_CONSTANT_SD)) nearConstant++;
    const hash = createHash('sha256').update(image).digest('hex');
    if (seen.has(hash)) duplicates++;
    seen.add(hash);
  }
  return { samples: samples.count, nearConstant, duplicates };
}

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
