import * as tf from '@tensorflow/tfjs';
import { Random } from '../../util/random.js';
import type { WhiteBox } from './whitebox.js';

/** Valid pixel range: every optimised input stays a real 8-bit image. */
export const PIXEL_MIN = 0;
export const PIXEL_MAX = 255;

/** Per-image loss from the victim's logits [n, classes] → [n]; the optimisers minimise its sum. */
export type LogitLoss = (logits: tf.Tensor2D) => tf.Tensor1D;

export interface PgdOptions {
  /** L∞ radius in pixel levels (0–255 scale), e.g. 8 ≈ the usual 8/255. */
  readonly epsilon: number;
  /** Step per iteration in pixel levels. */
  readonly step: number;
  readonly steps: number;
  /** Per image: the class to move towards (targeted) or away from (untargeted). */
  readonly labels: readonly number[];
  readonly targeted: boolean;
  /** Seed of the uniform random start inside the ε-ball. */
  readonly seed: number;
}

/**
 * Projected gradient descent under L∞ (Madry et al.) in pixel space: x ← Π(x ± step·sign(∇ CE)),
 * Π = clip to the ε-ball around the seeds and to [0, 255]. Untargeted ascends the cross-entropy of
 * `labels`, targeted descends it. Returns float pixels (quantise with toImageBatch).
 */
export function pgd(victim: WhiteBox, seeds: tf.Tensor4D, options: PgdOptions): tf.Tensor4D {
  const { epsilon, step, steps, labels, targeted, seed } = options;
  const lower = tf.tidy(() => tf.clipByValue(tf.sub(seeds, epsilon), PIXEL_MIN, PIXEL_MAX));
  const upper = tf.tidy(() => tf.clipByValue(tf.add(seeds, epsilon), PIXEL_MIN, PIXEL_MAX));
  const project = (x: tf.Tensor4D): tf.Tensor4D => tf.minimum(tf.maximum(x, lower), upper);
  const loss = crossEntropy(labels);
  const direction = targeted ? -step : step;
  const random = new Random(seed);
  const noise = Float32Array.from({ length: seeds.size }, () => (2 * random.next() - 1) * epsilon);
  let x = tf.tidy(() => project(tf.add(seeds, tf.tensor4d(noise, seeds.shape))));
  const gradient = lossGradient(victim, loss);
  for (let t = 0; t < steps; t++) {
    const next = tf.tidy(() => {
      const { grad, perImage } = gradient(x);
      perImage.dispose();
      return project(tf.add(x, tf.mul(tf.sign(grad), direction)));
    });
    x.dispose();
    x = next;
  }
  lower.dispose();
  upper.dispose();
  return x;
}

export interface AdamOptions {
  readonly steps: number;
  /** Adam step size in pixel levels (Adam's first steps move each pixel by about this much). */
  readonly lr: number;
  readonly beta1?: number;
  readonly beta2?: number;
  /**
   * Freeze each image once its loss reaches 0 (and stop when all have): for hinge losses such as
   * IPGuard's, whose optimum is a set, so points stay where the constraint is first met.
   */
  readonly stopAtZero?: boolean;
}

/**
 * Minimise Σ loss(victim.logits(x)) over the input x with Adam (Kingma & Ba), clipping x to
 * [0, 255] after every step (projected Adam). Used by IPGuard's boundary loss and DeepCore's
 * confidence ascent. Returns float pixels (quantise with toImageBatch) and the steps taken.
 */
export function adamOnInputs(victim: WhiteBox, start: tf.Tensor4D, loss: LogitLoss, options: AdamOptions): { pixels: tf.Tensor4D; steps: number } {
  const { steps, lr, beta1 = 0.9, beta2 = 0.999, stopAtZero = false } = options;
  const epsilon = 1e-8;
  const gradient = lossGradient(victim, loss);
  let x = tf.clipByValue(start, PIXEL_MIN, PIXEL_MAX);
  let m = tf.zerosLike(x);
  let v = tf.zerosLike(x);
  let t = 0;
  while (t < steps) {
    t++;
    const [nx, nm, nv, active] = tf.tidy(() => {
      const { grad, perImage } = gradient(x);
      // 1 for images still optimised, 0 for those frozen at zero loss.
      const live = stopAtZero ? tf.cast(tf.greater(perImage, 0), 'float32') : tf.onesLike(perImage);
      perImage.dispose();
      const m1 = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
      const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2));
      const mHat = tf.div(m1, 1 - beta1 ** t);
      const vHat = tf.div(v1, 1 - beta2 ** t);
      const update = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), tf.mul(tf.reshape(live, [-1, 1, 1, 1]), lr));
      const x1 = tf.clipByValue(tf.sub(x, update), PIXEL_MIN, PIXEL_MAX);
      return [x1, m1, v1, tf.sum(live)] as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Scalar];
    });
    tf.dispose([x, m, v]);
    [x, m, v] = [nx, nm, nv];
    const remaining = active.dataSync()[0]!;
    active.dispose();
    if (remaining === 0) break;
  }
  tf.dispose([m, v]);
  return { pixels: x, steps: t };
}

/**
 * x ↦ ∇ₓ Σ loss(victim.logits(x)), the gradient both optimisers follow, with the per-image loss at x
 * (captured from the same forward pass, so it costs nothing extra).
 */
function lossGradient(victim: WhiteBox, loss: LogitLoss): (x: tf.Tensor4D) => { grad: tf.Tensor4D; perImage: tf.Tensor1D } {
  return (x) => {
    let perImage: tf.Tensor1D | undefined;
    const grad = tf.grad((input: tf.Tensor) => {
      const l = loss(victim.logits(input as tf.Tensor4D));
      perImage = tf.keep(tf.clone(l));
      return tf.sum(l);
    })(x) as tf.Tensor4D;
    return { grad, perImage: perImage! };
  };
}

/**
 * Per-image softmax cross-entropy of `labels`: logsumexp(z) − z_label. Written with a one-hot
 * mask, not a gather, because the gather gradient needs UnsortedSegmentSum, which wasm lacks.
 */
export function crossEntropy(labels: readonly number[]): LogitLoss {
  return (logits) => {
    const mask = tf.oneHot(tf.tensor1d(labels as number[], 'int32'), logits.shape[1]);
    return tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, mask), 1));
  };
}
