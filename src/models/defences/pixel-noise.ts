import { imageAt } from '../../data/types.js';
import { Random } from '../../util/random.js';
import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { imageSeed, inputDefence } from './defended.js';

/** An API that adds Gaussian noise of `sigma` grey levels (0–255 scale) to every pixel, rounded and clipped to 8 bits. */
export function pixelNoise(inner: Model, sigma: number, seed: number): Model {
  checkDefenceValue('pixelnoise', sigma);
  return inputDefence(inner, `pixelnoise=${sigma}`, async (batch) => {
    const data = batch.data.slice();
    const size = batch.height * batch.width * batch.channels;
    for (let i = 0; i < batch.count; i++) {
      const random = new Random(imageSeed(seed, batch, i));
      const image = imageAt(batch, i);
      for (let p = 0; p < size; p++) data[i * size + p] = Math.min(255, Math.max(0, Math.round(image[p]! + sigma * random.gaussian())));
    }
    return { ...batch, data };
  });
}
