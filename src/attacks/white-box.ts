import * as tf from '@tensorflow/tfjs';
import type { WhiteBox } from '../fingerprints/peers/whitebox.js';
import type { InputSpec } from '../models/types.js';
import type { Trainable } from '../train/trainable.js';

/**
 * A model being trained — a tf.layers model, or any Trainable such as a TF.js graph model loaded by
 * src/train/graph.ts — seen as a WhiteBox (float pixels 0–255 in → logits out, differentiable), so
 * the PGD of src/fingerprints/peers/optimise.ts can attack it. Its NHWC input is normalised as
 * (pixel·scale − mean) / std, RGB or grey, in inference mode.
 */
export function trainingWhiteBox(model: tf.LayersModel | Trainable, spec: InputSpec): WhiteBox {
  const channels = spec.channels === 'gray' ? 1 : 3;
  const pick = (values: readonly number[]) => Array.from({ length: channels }, (_, c) => values[values.length === channels ? c : 0]!);
  const mean = pick(spec.mean);
  const std = pick(spec.std);
  const forward = model instanceof tf.LayersModel
    ? (x: tf.Tensor4D) => model.apply(x, { training: false }) as tf.Tensor2D
    : (x: tf.Tensor4D) => model.apply(x, false);
  return {
    source: model.name,
    height: spec.height,
    width: spec.width,
    channels,
    logits: (pixels) => forward(tf.div(tf.sub(tf.mul(pixels, spec.scale), tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D),
  };
}
