/**
 * Pixels → training tensors. Images stay 8-bit until a batch is drawn: augmentation (random crop
 * from a zero-padded image, horizontal flip) works on the bytes, then the batch is normalised with
 * the model's InputSpec by the same code that prepares inference input (`normalise` in
 * src/models/preprocess.ts),
 * so a trained model sees identically scaled pixels when it is later loaded as a `Model`.
 */
import type { ImageBatch } from '../data/types.js';
import type { InputSpec } from '../models/types.js';
import type { Random } from '../util/random.js';

/**
 * The input spec of models trained here: NHWC, pixels mapped to [−1, 1] (x = pixel/127.5 − 1),
 * RGB or grey like the training images, logits out.
 */
export function trainingSpec(height: number, width: number, channels: 1 | 3, outputKind: InputSpec['outputKind'] = 'logits'): InputSpec {
  return {
    height, width,
    channels: channels === 1 ? 'gray' : 'rgb',
    layout: 'nhwc',
    scale: 1 / 127.5,
    mean: new Array<number>(channels).fill(1),
    std: new Array<number>(channels).fill(1),
    output: 0,
    outputKind,
  };
}

export interface Augmentation {
  /** Random-crop padding in pixels (0: no crop). */
  readonly crop?: number;
  /** Random horizontal flip with probability ½. */
  readonly flip?: boolean;
}

/**
 * Copy images `indices` of `source` into one batch, each randomly shifted by up to `crop` pixels
 * (uncovered pixels are 0) and flipped, as drawn from `random`.
 */
export function drawBatch(source: ImageBatch, indices: readonly number[], augment: Augmentation, random: Random): ImageBatch {
  const { height: h, width: w, channels: c } = source;
  const size = h * w * c;
  const pad = augment.crop ?? 0;
  const data = new Uint8Array(indices.length * size);
  indices.forEach((index, k) => {
    const src = index * size;
    const dst = k * size;
    const dy = pad > 0 ? random.int(2 * pad + 1) - pad : 0;
    const dx = pad > 0 ? random.int(2 * pad + 1) - pad : 0;
    const flip = augment.flip === true && random.next() < 0.5;
    if (dy === 0 && dx === 0 && !flip) {
      data.set(source.data.subarray(src, src + size), dst);
      return;
    }
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < w; x++) {
        const sx = (flip ? w - 1 - x : x) + dx;
        if (sx < 0 || sx >= w) continue;
        const from = src + (sy * w + sx) * c;
        const to = dst + (y * w + x) * c;
        for (let ch = 0; ch < c; ch++) data[to + ch] = source.data[from + ch]!;
      }
    }
  });
  return { data, count: indices.length, height: h, width: w, channels: c };
}
