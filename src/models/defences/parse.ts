import { LineageError } from '../../errors.js';
import { MAX_SEED } from '../../util/random.js';
import type { OutputKind } from '../types.js';

/**
 * The defence spec language, kept free of the wrappers themselves (and so of sharp and model code):
 * the CLI parses `--defence` and `--sweep defence=` at start-up.
 */
interface DefenceKind {
  /** Input defences change the image before the model sees it, output defences what comes back. */
  readonly side: 'input' | 'output';
  /** The values `=<number>` may take (inclusive bounds, `above`: exclusive lower bound); absent: the key takes no value. */
  readonly value?: { readonly min?: number; readonly above?: number; readonly max?: number; readonly integer?: boolean };
  readonly help: string;
  /** The output kinds an output defence can transform (input defences take any model). */
  readonly accepts?: readonly OutputKind[];
}

/** Every defence by its spec key. */
export const DEFENCES = {
  top1: { side: 'output', accepts: ['logits'], help: 'top1: top-1 label only' },
  topk: { side: 'output', accepts: ['logits'], value: { min: 1, integer: true }, help: 'topk=K: the K largest softmax probabilities, the rest 0' },
  temperature: { side: 'output', accepts: ['logits'], value: { above: 0 }, help: 'temperature=T: probabilities softmax(z/T)' },
  round: { side: 'output', accepts: ['logits', 'embedding'], value: { min: 0, max: 8, integer: true }, help: 'round=D: every value rounded to D decimals' },
  noise: { side: 'output', accepts: ['logits', 'embedding'], value: { above: 0 }, help: "noise=S: Gaussian noise of S × the row's RMS (logits, probabilities or embeddings)" },
  truncate: { side: 'output', accepts: ['embedding'], value: { min: 1, integer: true }, help: 'truncate=D: the first D embedding values' },
  project: { side: 'output', accepts: ['embedding'], value: { min: 1, integer: true }, help: 'project=D: random projection of the embedding to D values' },
  rotate: { side: 'output', accepts: ['embedding'], help: 'rotate: random orthogonal rotation of the embedding' },
  jpeg: { side: 'input', value: { min: 1, max: 100, integer: true }, help: 'jpeg=Q: images re-encoded as JPEG at quality Q' },
  rescale: { side: 'input', value: { above: 0, max: 1 }, help: 'rescale=F: images shrunk by F (0–1) and enlarged back' },
  crop: { side: 'input', value: { above: 0, max: 1 }, help: 'crop=F: the centre F (0–1) of each side, resized back' },
  pixelnoise: { side: 'input', value: { above: 0, max: 255 }, help: 'pixelnoise=S: Gaussian pixel noise of S grey levels' },
  flip: { side: 'input', help: 'flip: images mirrored left to right' },
} satisfies Record<string, DefenceKind>;

export type DefenceKey = keyof typeof DEFENCES;

export interface DefenceStep {
  readonly key: DefenceKey;
  readonly value: number;
}

/** A parsed defence spec: its steps in application order, and the seed of every random choice. */
export interface Defence {
  readonly text: string;
  readonly steps: readonly DefenceStep[];
  readonly seed: number;
}

const KEYS_HINT = `keys: ${Object.keys(DEFENCES).join(', ')}, seed=N (random defences), or none; e.g. topk=3,round=2,jpeg=75`;

/** One line per key, for --help. */
export const DEFENCE_HELP = Object.values(DEFENCES).map((d) => d.help).join('; ');

/**
 * Parse `topk=3,round=2,jpeg=75`: comma-separated steps applied in the order written (input steps to
 * the image in their order, output steps to the answer in theirs); `none` is no defence; `seed=N`
 * (default 1) seeds the noise, projection and rotation.
 */
export function parseDefence(text: string): Defence {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 1 && parts[0] === 'none') return { text, steps: [], seed: 1 };
  let seed = 1;
  const steps: DefenceStep[] = [];
  for (const part of parts) {
    const [key, raw, extra] = part.split('=');
    if (key === 'seed' && raw !== undefined && extra === undefined) {
      seed = Number(raw);
      if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new LineageError(`defence '${text}': seed=${raw} is not a whole number from 0 to ${MAX_SEED}`, KEYS_HINT);
      continue;
    }
    if (key === undefined || !Object.hasOwn(DEFENCES, key)) throw new LineageError(`defence '${text}': unknown key '${key ?? ''}'`, KEYS_HINT);
    const kind: DefenceKind = DEFENCES[key as DefenceKey];
    if ((kind.value !== undefined) !== (raw !== undefined) || extra !== undefined) {
      throw new LineageError(`defence '${text}': '${part}' ${kind.value ? `needs a value (${kind.help})` : 'takes no value'}`, KEYS_HINT);
    }
    const value = raw === undefined ? 0 : Number(raw);
    if (raw !== undefined) checkDefenceValue(key as DefenceKey, raw === '' ? NaN : value);
    steps.push({ key: key as DefenceKey, value });
  }
  return { text, steps, seed };
}

/** Refuse a value outside the defence's range, naming the range (the wrappers call this too). */
export function checkDefenceValue(key: DefenceKey, value: number): void {
  const range = (DEFENCES[key] as DefenceKind).value ?? {};
  const { min = -Infinity, above = -Infinity, max = Infinity, integer = false } = range;
  if (!Number.isFinite(value) || value < min || value <= above || value > max || (integer && !Number.isInteger(value))) {
    const bounds = [above > -Infinity ? `> ${above}` : min > -Infinity ? `≥ ${min}` : '', max < Infinity ? `≤ ${max}` : ''].filter(Boolean).join(' and ');
    throw new LineageError(`defence ${key}=${value}: expected a${integer ? ' whole' : ''} number ${bounds}`, (DEFENCES[key] as DefenceKind).help);
  }
}

/** What a model of output kind `kind` returns behind the defence (top1 makes any classifier label-only). */
export function defendedOutputKind(defence: Defence, kind: OutputKind): OutputKind {
  return defence.steps.some((s) => s.key === 'top1') ? 'label' : kind;
}

/** Why `key` cannot transform the outputs of `model`, of kind `kind`, or undefined when it can. */
export function outputKindProblem(key: DefenceKey, kind: OutputKind, model = 'the model', label: string = key): string | undefined {
  const accepts = (DEFENCES[key] as DefenceKind).accepts;
  return accepts && !accepts.includes(kind) ? `defence ${label} needs ${accepts.join(' or ')} outputs, and ${model} returns ${kind}` : undefined;
}

/** Why the whole defence cannot run on a model of kind `kind` (its first misfit step, kinds followed through the steps). */
export function defenceProblem(defence: Defence, kind: OutputKind): string | undefined {
  let current = kind;
  for (const step of defence.steps) {
    const problem = outputKindProblem(step.key, current);
    if (problem) return problem;
    if (step.key === 'top1') current = 'label';
  }
  return undefined;
}
