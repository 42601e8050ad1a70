/**
 * Training-mode batch normalisation of NHWC activations over batch, height and width, with a
 * closed-form gradient. tf.layers builds it from moments + FusedBatchNorm and differentiates
 * op by op: about twenty passes over each activation, every per-channel reduction a transpose, and
 * broadcasting arithmetic that the wasm backend runs without SIMD. Here every pass is a SIMD
 * kernel: per-channel sums are a global average pool, per-channel affine maps x·a[c] + b[c] are a
 * 1×1 depthwise convolution with bias, the rest is same-shape arithmetic.
 *
 *   forward:  xc = x − mean,  var = Σxc² / n,  y = xc·γ·rstd + β          (rstd = 1/√(var + ε))
 *   backward: dx = a·dy − a·Σdy / n − a·rstd²·Σ(dy·xc)/n · xc              (a = γ·rstd)
 *             dγ = rstd·Σ(dy·xc),  dβ = Σdy
 */
import * as tf from '@tensorflow/tfjs';

/** Per-channel sum over batch, height and width: [C]. */
function channelSum(x: tf.Tensor4D): tf.Tensor1D {
  const [n, h, w, c] = x.shape;
  const perImage = tf.avgPool(x, [h, w], [h, w], 'valid');
  return tf.mul(tf.sum(tf.reshape(perImage, [n, c]), 0), h * w);
}

/** x·scale[c] + shift[c]. */
function affine(x: tf.Tensor4D, scale: tf.Tensor1D, shift?: tf.Tensor1D): tf.Tensor4D {
  const filter = tf.reshape(scale, [1, 1, scale.size, 1]) as tf.Tensor4D;
  return tf.fused.depthwiseConv2d({ x, filter, strides: 1, pad: 'valid', bias: shift });
}

export interface BatchNormTraining {
  readonly y: tf.Tensor4D;
  /** Batch statistics (for the moving averages); not differentiable, kept out of tf.tidy: the caller disposes them. */
  readonly mean: tf.Tensor1D;
  /** Biased (population) variance, as tf.layers uses. */
  readonly variance: tf.Tensor1D;
}

/** Normalise `x` with its own batch statistics, scale by `gamma`, shift by `beta`. */
export function batchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTraining {
  const count = x.size / x.shape[3];
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const normalise = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x4, gain, bias, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.div(channelSum(x4), count) as tf.Tensor1D;
    const centred = affine(x4, tf.onesLike(mean), tf.neg(mean));
    const variance = tf.div(channelSum(tf.square(centred)), count) as tf.Tensor1D;
    const rstd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    stats = [tf.keep(mean), tf.keep(variance)];
    save([centred, rstd, gain]);
    return {
      value: affine(centred, tf.mul(gain, rstd), bias),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xc, r, gm] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        const grad = dy as tf.Tensor4D;
        const sumDy = channelSum(grad);
        const sumDyXc = channelSum(tf.mul(grad, xc));
        const a = tf.mul(gm, r) as tf.Tensor1D;
        const dx = tf.add(
          affine(grad, a, tf.div(tf.mul(tf.neg(a), sumDy), count) as tf.Tensor1D),
          affine(xc, tf.div(tf.mul(tf.neg(a), tf.mul(tf.square(r), sumDyXc)), count) as tf.Tensor1D),
        );
        return [dx, tf.mul(r, sumDyXc), sumDy];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  const y = normalise(x, gamma, beta) as tf.Tensor4D;
  const [mean, variance] = stats!;
  return { y, mean, variance };
}
