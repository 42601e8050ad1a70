import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { outputDefence, requireOutputKind, softmax } from './defended.js';

/** An API that returns probabilities softmax(z / T) instead of the logits z (T = 1: plain probabilities). */
export function temperature(inner: Model, t: number): Model {
  checkDefenceValue('temperature', t);
  requireOutputKind(inner, 'temperature', `temperature=${t}`);
  return outputDefence(inner, `temperature=${t}`, (out) => softmax(out, t));
}
