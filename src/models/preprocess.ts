import sharp from 'sharp';
import { imageAt, type ImageBatch } from '../data/types.js';
import type { InputSpec } from './types.js';

/** ITU-R BT.601 luma weights (the emotion model's upstream code uses these for RGB → grey). */
const LUMA = [0.2989, 0.587, 0.114] as const;

/** Number of tensor channels a spec needs. */
export function specChannelCount(spec: InputSpec): 1 | 3 {
  return spec.channels === 'gray' ? 1 : 3;
}

/**
 * Resize every image to height×width (bilinear — sharp's 'linear' kernel — and `fit: 'fill'`,
 * i.e. no crop, aspect ratio not kept). Channels are kept. Returns the batch itself when the
 * size already matches, so same-size input is never resampled.
 */
export async function resizeBatch(batch: ImageBatch, height: number, width: number): Promise<ImageBatch> {
  if (batch.height === height && batch.width === width) return batch;
  const size = height * width * batch.channels;
  const data = new Uint8Array(batch.count * size);
  for (let i = 0; i < batch.count; i++) {
    let pipeline = sharp(imageAt(batch, i), {
      raw: { width: batch.width, height: batch.height, channels: batch.channels },
    }).resize(width, height, { fit: 'fill', kernel: 'linear' });
    // sharp widens 1-channel raw input to sRGB on output unless told to stay grey.
    if (batch.channels === 1) pipeline = pipeline.toColourspace('b-w');
    const out = await pipeline.raw().toBuffer();
    data.set(out.subarray(0, size), i * size);
  }
  return { data, count: batch.count, height, width, channels: batch.channels };
}

/**
 * Turn 8-bit images into the model's input tensor: resize to the spec's size, convert grey↔colour
 * and the channel order, normalise with x = (pixel·scale − mean[c]) / std[c], lay out as NHWC or NCHW.
 */
export async function toInputTensor(batch: ImageBatch, spec: InputSpec): Promise<Float32Array> {
  const sized = await resizeBatch(batch, spec.height, spec.width);
  return normalise(sized, spec);
}

/** The pixel → tensor step of `toInputTensor`, for a batch already at the spec's size. */
export function normalise(batch: ImageBatch, spec: InputSpec): Float32Array {
  if (batch.height !== spec.height || batch.width !== spec.width) {
    throw new Error(`normalise: batch is ${batch.height}x${batch.width}, spec wants ${spec.height}x${spec.width}`);
  }
  const outC = specChannelCount(spec);
  const hw = spec.height * spec.width;
  const out = new Float32Array(batch.count * hw * outC);
  const mean = perChannel(spec.mean, outC);
  const std = perChannel(spec.std, outC);
  const { scale } = spec;
  const src = batch.data;
  const inC = batch.channels;
  // Source channel for each model channel (colour → colour only; grey handled separately).
  const order = spec.channels === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  for (let n = 0; n < batch.count; n++) {
    const base = n * hw * inC;
    const outBase = n * hw * outC;
    for (let p = 0; p < hw; p++) {
      const px = base + p * inC;
      for (let c = 0; c < outC; c++) {
        let value: number;
        if (inC === 1) value = src[px]!;
        else if (outC === 1) value = LUMA[0] * src[px]! + LUMA[1] * src[px + 1]! + LUMA[2] * src[px + 2]!;
        else value = src[px + order[c]!]!;
        const x = (value * scale - mean[c]!) / std[c]!;
        const at = spec.layout === 'nhwc' ? outBase + p * outC + c : outBase + c * hw + p;
        out[at] = x;
      }
    }
  }
  return out;
}

/** A per-channel constant list of length `count` (a single value applies to every channel). */
function perChannel(values: readonly number[], count: number): readonly number[] {
  if (values.length === count) return values;
  if (values.length === 1) return new Array<number>(count).fill(values[0]!);
  throw new Error(`expected 1 or ${count} per-channel values, got ${values.length}`);
}

/** Images [start, end) of a batch, sharing its memory. */
export function sliceBatch(batch: ImageBatch, start: number, end: number): ImageBatch {
  const size = batch.height * batch.width * batch.channels;
  const { height, width, channels } = batch;
  return { data: batch.data.subarray(start * size, end * size), count: end - start, height, width, channels };
}
