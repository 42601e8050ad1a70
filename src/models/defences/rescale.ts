import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { inputDefence } from './defended.js';
import { resample } from '../../data/resample.js';

/** An API that shrinks every image by `factor` (0 < factor ≤ 1) and enlarges it back: fine detail is lost. */
export function rescale(inner: Model, factor: number): Model {
  checkDefenceValue('rescale', factor);
  return inputDefence(inner, `rescale=${factor}`, async (batch) => {
    const small = { height: Math.max(1, Math.round(batch.height * factor)), width: Math.max(1, Math.round(batch.width * factor)) };
    return resample(await resample(batch, small), { height: batch.height, width: batch.width });
  });
}
