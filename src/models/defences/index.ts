/** Suspect-side defences: each wraps one Model and returns one Model (see spec.ts for the spec strings). */
export { applyDefence } from './apply.js';
export { checkDefenceValue, DEFENCE_HELP, DEFENCES, defendedOutputKind, parseDefence } from './parse.js';
export type { Defence, DefenceKey, DefenceStep } from './parse.js';
export { centreCrop } from './crop.js';
export { flip } from './flip.js';
export { jpegInput } from './jpeg.js';
export { outputNoise } from './noise.js';
export { pixelNoise } from './pixel-noise.js';
export { project } from './project.js';
export { rescale } from './rescale.js';
export { rotate } from './rotate.js';
export { round } from './round.js';
export { temperature } from './temperature.js';
export { top1 } from './top1.js';
export { topK } from './topk.js';
export { truncate } from './truncate.js';
