import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { inputDefence } from './defended.js';
import { resample } from '../../data/resample.js';

/** An API that keeps the centre `fraction` of each side of every image and resizes that back to the full size. */
export function centreCrop(inner: Model, fraction: number): Model {
  checkDefenceValue('crop', fraction);
  return inputDefence(inner, `crop=${fraction}`, async (batch) => {
    const height = Math.max(1, Math.round(batch.height * fraction));
    const width = Math.max(1, Math.round(batch.width * fraction));
    const box = { top: Math.floor((batch.height - height) / 2), left: Math.floor((batch.width - width) / 2), height, width };
    return resample(batch, { height: batch.height, width: batch.width }, { crop: box });
  });
}
