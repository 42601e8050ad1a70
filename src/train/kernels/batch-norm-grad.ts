/**
 * Gradient of FusedBatchNorm without Tile. The stock gradient tiles the per-channel 1/σ to the full
 * activation shape (the wasm Tile kernel is slow) and computes x − mean for every caller; this one
 * broadcasts the per-channel factors and shares Σ dy·(x − mean) between the scale and variance
 * gradients. It is a gradient (math on ops), so it serves every backend.
 */
import * as tf from '@tensorflow/tfjs';

export const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const dyT = dy as tf.Tensor;
    const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const perChannel = (t: tf.Tensor): tf.Tensor => tf.reshape(t, mean.shape);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const gain = scale ? tf.mul(rstd, scale) : rstd;
    const dySum = tf.sum(dyT, axes);
    const dyCentred = tf.sum(tf.mul(dyT, tf.sub(x, mean)), axes);
    return {
      x: () => tf.mul(dyT, gain),
      mean: () => perChannel(tf.mul(tf.neg(gain), dySum)),
      variance: () => perChannel(tf.mul(tf.mul(gain, tf.square(rstd)), tf.mul(dyCentred, -0.5))),
      scale: () => perChannel(tf.mul(rstd, dyCentred)),
      offset: () => perChannel(dySum),
    };
  },
};
