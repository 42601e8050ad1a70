import { LineageError } from '../../errors.js';
import { Random } from '../../util/random.js';
import { isKernel, type TensorEdit } from './tensor-edit.js';

export const DEFAULT_NOISE_SIGMA = 0.01;

/**
 * Gaussian weight noise on every kernel: w += sigma · sd(w) · N(0, 1), sd = the tensor's own
 * standard deviation, so sigma is a relative strength. One generator for the whole model, used in
 * file order: the same seed gives the same copy.
 */
export function noiseEdit(seed: number, sigma = DEFAULT_NOISE_SIGMA): TensorEdit {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new LineageError(`noise sigma ${sigma} is not a finite number ≥ 0`, 'give a relative strength such as 0.01');
  }
  if (!Number.isInteger(seed)) throw new LineageError(`noise seed ${seed} is not an integer`, 'give an integer seed, e.g. 1');
  const random = new Random(seed);
  return {
    params: { sigma, seed },
    appliesTo: isKernel,
    apply({ values }) {
      const step = sigma * standardDeviation(values);
      return values.map((v) => v + step * random.gaussian());
    },
  };
}

function standardDeviation(values: Float32Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return Math.sqrt(sq / values.length);
}
