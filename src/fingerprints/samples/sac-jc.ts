import { JPEG_SEVERITY_QUALITY, jpegCompress } from '../../data/jpeg.js';
import { sampleIndices } from '../../data/load.js';
import type { ImageSet } from '../../data/types.js';
import { LineageError } from '../../errors.js';
import type { SampleSet } from '../types.js';
import { pickSamples } from './pool.js';

/**
 * SAC-JC: N clean held-out images, JPEG-compressed at the given severity (1..5 ↦ quality
 * 25/18/15/10/7, 4:2:0). The decoded pixels, not the JPEG bytes, are what the bundle freezes, so
 * every model sees exactly the same input whatever JPEG decoder its host has.
 */
export async function jpegSamples(pool: ImageSet, n: number, seed: number, severity: number): Promise<SampleSet> {
  const quality = JPEG_SEVERITY_QUALITY[severity - 1];
  if (quality === undefined) throw new LineageError(`JPEG severity must be 1..5, got ${severity}`, 'use --severity 1 (quality 25, the default) to 5 (quality 7)');
  const clean = pickSamples(pool, sampleIndices(pool, n, seed, { balanced: true }));
  const { decoded } = await jpegCompress(clean.images, quality);
  return { ...clean, images: decoded };
}
