import { jpegCompress } from '../../data/jpeg.js';
import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { inputDefence } from './defended.js';

/** An API that re-encodes every received image as JPEG at `quality` (4:2:0, like SAC-JC's own encoder). */
export function jpegInput(inner: Model, quality: number): Model {
  checkDefenceValue('jpeg', quality);
  return inputDefence(inner, `jpeg=${quality}`, async (batch) => (await jpegCompress(batch, quality)).decoded);
}
