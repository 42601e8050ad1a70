import * as tf from '@tensorflow/tfjs';
import type { WhiteBox } from '../fingerprints/peers/whitebox.js';
import type { InputSpec } from '../models/types.js';

/**
 * A model being trained, seen as a WhiteBox (float pixels 0–255 in → logits out, differentiable),
 * so the PGD of src/fingerprints/peers/optimise.ts can attack it. Models trained here take NHWC
 * input normalised as (pixel·scale − mean) / std, RGB or grey.
 */
export function layersWhiteBox(model: tf.LayersModel, spec: InputSpec): WhiteBox {
  const channels = spec.channels === 'gray' ? 1 : 3;
  const pick = (values: readonly number[]) => Array.from({ length: channels }, (_, c) => values[values.length === channels ? c : 0]!);
  const mean = pick(spec.mean);
  const std = pick(spec.std);
  return {
    source: model.name,
    height: spec.height,
    width: spec.width,
    channels,
    logits: (pixels) => model.apply(tf.div(tf.sub(tf.mul(pixels, spec.scale), tf.tensor1d(mean)), tf.tensor1d(std)), { training: false }) as tf.Tensor2D,
  };
}
