import * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from '../../data/types.js';
import { LineageError } from '../../errors.js';
import { specChannelCount } from '../../models/preprocess.js';
import { TfjsModel } from '../../models/tfjs.js';
import type { Model } from '../../models/types.js';
import { initTrainingBackend } from '../../train/backend.js';

/**
 * A victim whose gradients we can take: pixels in → raw outputs (logits) out, as tensor ops.
 * Pixels are float NHWC in [0, 255] at the model's input size, with the model's channel count
 * (1 for grey models, 3 = RGB otherwise); the model's own preprocessing runs inside `logits`, so
 * a gradient of anything computed from the logits reaches the pixels.
 */
export interface WhiteBox {
  readonly source: string;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  logits(pixels: tf.Tensor4D): tf.Tensor2D;
}

type Differentiable = TfjsModel & { readonly forward: NonNullable<TfjsModel['forward']> };
const isDifferentiable = (model: Model): model is Differentiable => model instanceof TfjsModel && model.forward !== undefined;

/** Why `model` cannot give gradients, or undefined when it can. */
export function gradientProblem(model: Model): string | undefined {
  if (isDifferentiable(model)) return undefined;
  return model instanceof TfjsModel
    ? `${model.source} only runs through executeAsync (control flow), which tf.grad cannot differentiate`
    : `${model.source} is not a TF.js model (ONNX Runtime and HTTP models give no gradients)`;
}

/**
 * The white-box view of a loaded model. Only TF.js models qualify (ONNX Runtime and HTTP models
 * give no gradients): anything else is refused, never silently replaced by a black-box method.
 * Registers the wasm gradient kernels of src/train (without them wasm has no Conv2DBackpropFilter,
 * which tf.grad through a conv layer needs even when only the input gradient is asked for).
 */
export async function whiteBox(model: Model): Promise<WhiteBox> {
  if (!isDifferentiable(model)) {
    throw new LineageError(`not a white-box victim: ${gradientProblem(model)}; this fingerprint takes gradients of the victim`,
      'give the victim as a TF.js model (model.json or builtin:emotion) without dynamic control flow; other victims only support black-box methods (SAC, AKH)');
  }
  const { forward, spec } = model;
  await initTrainingBackend();
  const channels = specChannelCount(spec);
  const mean = perChannel(spec.mean, channels);
  const std = perChannel(spec.std, channels);
  return {
    source: model.source,
    height: spec.height,
    width: spec.width,
    channels,
    logits: (pixels) => {
      // The tensor form of models/preprocess.ts normalise(): (pixel·scale − mean[c]) / std[c],
      // channels in the model's order, then the model's layout.
      const ordered = spec.channels === 'bgr' ? tf.reverse(pixels, 3) : pixels;
      const x = tf.div(tf.sub(tf.mul(ordered, spec.scale), tf.tensor1d(mean)), tf.tensor1d(std));
      const input = spec.layout === 'nchw' ? tf.transpose(x, [0, 3, 1, 2]) : x;
      const out = forward(input);
      return tf.reshape(out, [pixels.shape[0], out.size / pixels.shape[0]]);
    },
  };
}

function perChannel(values: readonly number[], count: number): number[] {
  return values.length === count ? [...values] : new Array<number>(count).fill(values[0]!);
}

/** A batch of 8-bit images as a float pixel tensor, checked against the white box's input size. */
export function pixelTensor(box: WhiteBox, batch: ImageBatch): tf.Tensor4D {
  if (batch.height !== box.height || batch.width !== box.width || batch.channels !== box.channels) {
    throw new LineageError(
      `seed images are ${batch.height}×${batch.width}×${batch.channels}, but ${box.source} takes ${box.height}×${box.width}×${box.channels}`,
      'load the seed images at the model\'s input size and channel count (loadImages with size and channels)',
    );
  }
  return tf.tensor4d(Float32Array.from(batch.data), [batch.count, batch.height, batch.width, batch.channels]);
}

/** Float pixels → the exact 8-bit images a fingerprint stores (rounded, clipped to [0, 255]). */
export function toImageBatch(pixels: tf.Tensor4D): ImageBatch {
  const [count, height, width, channels] = pixels.shape;
  const values = pixels.dataSync();
  const data = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) data[k] = Math.min(255, Math.max(0, Math.round(values[k]!)));
  return { data, count, height, width, channels: channels as 1 | 3 };
}
