import { Random } from '../../util/random.js';
import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { imageSeed, outputDefence, requireOutputKind } from './defended.js';

/**
 * An API that adds Gaussian noise to what it returns (logits, probabilities or an embedding), with
 * standard deviation `sigma` times the row's root-mean-square value: scale-free, so one sigma means
 * the same on logits and on unit-length embeddings. Each image's noise is seeded by the image.
 */
export function outputNoise(inner: Model, sigma: number, seed: number): Model {
  checkDefenceValue('noise', sigma);
  requireOutputKind(inner, 'noise', `noise=${sigma}`);
  return outputDefence(inner, `noise=${sigma}`, (out, batch) => {
    const data = out.data.slice();
    for (let r = 0; r < out.rows; r++) {
      const row = data.subarray(r * out.cols, (r + 1) * out.cols);
      const rms = Math.sqrt(row.reduce((s, v) => s + v * v, 0) / out.cols);
      const random = new Random(imageSeed(seed, batch, r));
      for (let c = 0; c < out.cols; c++) row[c] = row[c]! + sigma * rms * random.gaussian();
    }
    return { ...out, data };
  });
}
