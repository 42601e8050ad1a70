import { sampleIndices } from '../../data/load.js';
import type { ImageBatch, ImageSet } from '../../data/types.js';
import { imageAt } from '../../data/types.js';
import { Random } from '../../util/random.js';
import type { SampleSet } from '../types.js';
import { pickSamples } from './pool.js';

/** One CutMix box for the whole batch: top-left corner and side, in pixels. */
export interface CutMixBox {
  readonly top: number;
  readonly left: number;
  readonly side: number;
}

/**
 * The SAC-m box: side 0.2·W; its centre is re-drawn until both coordinates lie in a corner region
 * (< W/6 or > 5W/6), as in the reference code.
 */
export function cornerBox(height: number, width: number, random: Random): CutMixBox {
  const side = Math.max(1, Math.round(0.2 * width));
  const inCorner = (v: number, size: number) => v < size / 6 || v > (5 * size) / 6;
  let cy: number;
  let cx: number;
  do {
    cy = random.int(height);
    cx = random.int(width);
  } while (!(inCorner(cy, height) && inCorner(cx, width)));
  const clamp = (v: number, size: number) => Math.min(Math.max(v, 0), size - side);
  return { top: clamp(cy - Math.floor(side / 2), height), left: clamp(cx - Math.floor(side / 2), width), side };
}

/** Paste `box` of image perm[i] into image i, for every i. */
export function cutMix(batch: ImageBatch, permutation: readonly number[], box: CutMixBox): ImageBatch {
  const { width, channels } = batch;
  const data = batch.data.slice();
  const row = box.side * channels;
  permutation.forEach((src, dst) => {
    const from = imageAt(batch, src);
    const to = data.subarray(dst * from.length, (dst + 1) * from.length);
    for (let y = box.top; y < box.top + box.side; y++) {
      const at = (y * width + box.left) * channels;
      to.set(from.subarray(at, at + row), at);
    }
  });
  return { ...batch, data };
}

/** Swap H and W of every image (the reference stored SAC-m samples transposed). */
export function transposeImages(batch: ImageBatch): ImageBatch {
  const { height, width, channels } = batch;
  const data = new Uint8Array(batch.data.length);
  for (let i = 0; i < batch.count; i++) {
    const src = imageAt(batch, i);
    const dst = data.subarray(i * src.length, (i + 1) * src.length);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < channels; c++) dst[(x * height + y) * channels + c] = src[(y * width + x) * channels + c]!;
  }
  return { ...batch, data, height: width, width: height };
}

/** SAC-m: N images, each with a corner patch cut from another of the N (seeded). */
export function cutMixSamples(pool: ImageSet, n: number, seed: number, transpose: boolean): SampleSet {
  const random = new Random(seed);
  const clean = pickSamples(pool, sampleIndices(pool, n, seed, { balanced: true }));
  const box = cornerBox(clean.images.height, clean.images.width, random);
  const mixed = cutMix(clean.images, random.permutation(clean.images.count), box);
  return { ...clean, images: transpose ? transposeImages(mixed) : mixed };
}
