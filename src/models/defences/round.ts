import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { outputDefence, requireOutputKind } from './defended.js';

/** An API that rounds every returned value to `decimals` decimal places (half away from zero). */
export function round(inner: Model, decimals: number): Model {
  checkDefenceValue('round', decimals);
  requireOutputKind(inner, 'round', `round=${decimals}`);
  const scale = 10 ** decimals;
  return outputDefence(inner, `round=${decimals}`, (out) => ({
    ...out,
    data: out.data.map((v) => Math.sign(v) * Math.round(Math.abs(v) * scale) / scale),
  }));
}
