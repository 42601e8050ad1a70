import type { Model } from '../types.js';
import { centreCrop } from './crop.js';
import { flip } from './flip.js';
import { jpegInput } from './jpeg.js';
import { outputNoise } from './noise.js';
import { pixelNoise } from './pixel-noise.js';
import { project } from './project.js';
import { rescale } from './rescale.js';
import { rotate } from './rotate.js';
import { round } from './round.js';
import { temperature } from './temperature.js';
import { top1 } from './top1.js';
import { topK } from './topk.js';
import { truncate } from './truncate.js';

import { DEFENCES, parseDefence, type Defence, type DefenceKey, type DefenceStep } from './parse.js';

/** How each defence wraps a model, given its value and the spec's seed. */
const WRAPS: Readonly<Record<DefenceKey, (model: Model, value: number, seed: number) => Model>> = {
  top1: (m) => top1(m),
  topk: (m, k) => topK(m, k),
  temperature: (m, t) => temperature(m, t),
  round: (m, d) => round(m, d),
  noise: (m, s, seed) => outputNoise(m, s, seed),
  truncate: (m, d) => truncate(m, d),
  project: (m, d, seed) => project(m, d, seed),
  rotate: (m, _v, seed) => rotate(m, seed),
  jpeg: (m, q) => jpegInput(m, q),
  rescale: (m, f) => rescale(m, f),
  crop: (m, f) => centreCrop(m, f),
  pixelnoise: (m, s, seed) => pixelNoise(m, s, seed),
  flip: (m) => flip(m),
};

/** `model` behind the defence (a spec string or a parsed one); `none` gives the model itself. */
export function applyDefence(model: Model, defence: string | Defence): Model {
  const { steps, seed } = typeof defence === 'string' ? parseDefence(defence) : defence;
  const wrap = (m: Model, s: DefenceStep) => WRAPS[s.key](m, s.value, seed);
  // The outermost input wrapper sees the image first, so input steps are wrapped last-first.
  const inputs = steps.filter((s) => DEFENCES[s.key].side === 'input').reduceRight(wrap, model);
  return steps.filter((s) => DEFENCES[s.key].side === 'output').reduce(wrap, inputs);
}

