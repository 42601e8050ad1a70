import { decodeToBatch, type Fit, type ImageSize } from './decode.js';
import { imageAt, type ImageBatch } from './types.js';

/** Every image of `batch` brought to `size` (after cutting out `fit.crop` when given), with the data loaders' resampling. */
export async function resample(batch: ImageBatch, size: ImageSize, fit: Fit = 'fill'): Promise<ImageBatch> {
  const { height, width, channels } = batch;
  const sources = Array.from({ length: batch.count }, (_, i) => ({ data: imageAt(batch, i), height, width, channels }));
  const out = await decodeToBatch(sources, { size, fit, channels });
  return { data: out.data, count: batch.count, height: size.height, width: size.width, channels };
}
