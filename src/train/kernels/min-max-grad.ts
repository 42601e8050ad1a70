/**
 * Gradients of Maximum and Minimum that handle broadcasting. The stock ones return dy at the
 * output's shape for both inputs, so `maximum(x, 0)` with a scalar or per-channel constant (ReLU /
 * ReLU6 clipping in converted graph models) fails with "the gradient of input 'b' has shape …".
 * Here each input's gradient is summed over the axes it was broadcast along, as for Add and Mul.
 */
import * as tf from '@tensorflow/tfjs';

/** dy masked by `pick(a, b)`, reduced to the shape of `input`. */
function maskedGrad(dy: tf.Tensor, mask: tf.Tensor, input: tf.Tensor): tf.Tensor {
  const full = tf.mul(dy, tf.cast(mask, 'float32'));
  const axes = tf.backend_util.getReductionAxes(input.shape, full.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(full, axes) : full, input.shape);
}

function minMaxGrad(kernelName: string, aWins: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, bWins: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const dyT = dy as tf.Tensor;
      return { a: () => maskedGrad(dyT, aWins(a, b), a), b: () => maskedGrad(dyT, bWins(a, b), b) };
    },
  };
}

/** Ties go to `a`, as in tfjs' own gradients. */
export const maximumGrad = minMaxGrad(tf.Maximum, tf.greaterEqual, tf.less);
export const minimumGrad = minMaxGrad(tf.Minimum, tf.lessEqual, tf.greater);
