import { JPEG_SEVERITY_QUALITY, jpegCompress } from '../../data/jpeg.js';
import { sampleIndices } from '../../data/load.js';
import { resample } from '../../data/resample.js';
import type { ImageSet } from '../../data/types.js';
import { LineageError } from '../../errors.js';
import type { SampleSet } from '../types.js';
import { pickSamples } from './pool.js';

/**
 * SAC-JC: N clean held-out images, JPEG-compressed at the given severity (1..5 ↦ quality
 * 25/18/15/10/7, 4:2:0). The decoded pixels, not the JPEG bytes, are what the bundle freezes, so
 * every model sees exactly the same input whatever JPEG decoder its host has.
 *
 * With `scale` > 1 each image is enlarged by that factor, compressed, and shrunk back: the
 * corruption stays, the 8×8 block grid a thief's JPEG detector looks for does not (BENCHMARKS.md,
 * "Queries that do not stand out").
 */
export async function jpegSamples(pool: ImageSet, n: number, seed: number, severity: number, scale = 1): Promise<SampleSet> {
  const quality = JPEG_SEVERITY_QUALITY[severity - 1];
  if (quality === undefined) throw new LineageError(`JPEG severity must be 1..5, got ${severity}`, 'use --severity 1 (quality 25, the default) to 5 (quality 7)');
  if (!Number.isInteger(scale) || scale < 1 || scale > 4) throw new LineageError(`JPEG scale must be a whole number 1..4, got ${scale}`, 'use --jpeg-scale 1 (plain, the default) or 2 (hides the JPEG blocks)');
  const clean = pickSamples(pool, sampleIndices(pool, n, seed, { balanced: true }));
  const size = { height: clean.images.height, width: clean.images.width };
  const large = scale === 1 ? clean.images : await resample(clean.images, { height: scale * size.height, width: scale * size.width });
  const { decoded } = await jpegCompress(large, quality);
  return { ...clean, images: scale === 1 ? decoded : await resample(decoded, size) };
}
