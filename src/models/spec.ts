import { access } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { LineageError, errorMessage } from '../errors.js';
import { MAX_SIDECAR_BYTES, confinedPath, readRegularFile } from '../util/confined-read.js';
import type { ChannelOrder, InputSpec, Layout, OutputKind, SpecSource } from './types.js';

/**
 * Spec settings as a user writes them: CLI option values (strings, straight from commander) or the
 * keys of a `<model>.lineage.json` sidecar (strings, numbers or number arrays).
 *   size: 'HxW' | 'N' | N | [H, W]       channels: rgb|bgr|gray      layout: nhwc|nchw
 *   range: '0-255' | '0-1' | '-1-1'      (sets scale, mean and std; explicit mean/std/scale win)
 *   mean, std: '0.5,0.5,0.5' | [..] | N  (after scaling, in the model's channel order)
 *   output: name or index ('1' is an index)    outputKind: logits|embedding|label
 */
export interface SpecOverrides {
  readonly size?: string | number | readonly number[];
  readonly channels?: string;
  readonly layout?: string;
  readonly range?: string;
  readonly scale?: string | number;
  readonly mean?: string | number | readonly number[];
  readonly std?: string | number | readonly number[];
  readonly output?: string | number;
  readonly outputKind?: string;
  readonly inputName?: string;
}

/** A typed, validated part of an InputSpec coming from one source. */
export type SpecPatch = Partial<Omit<InputSpec, 'normalisationSource'>>;

// Order matters: 'range' is parsed before 'scale', 'mean' and 'std', so explicit values beat the preset.
const OVERRIDE_KEYS = [
  'size', 'channels', 'layout', 'range', 'scale', 'mean', 'std', 'output', 'outputKind', 'inputName',
] as const satisfies ReadonlyArray<keyof SpecOverrides>;

/** Input ranges by name: scale, mean, std such that x = (pixel·scale − mean) / std. */
export const RANGES: Readonly<Record<string, { scale: number; mean: number; std: number }>> = {
  '0-255': { scale: 1, mean: 0, std: 1 },
  '0-1': { scale: 1 / 255, mean: 0, std: 1 },
  '-1-1': { scale: 1 / 127.5, mean: 1, std: 1 },
};

const DEFAULT_RANGE = '0-1';
const DEFAULTS = {
  channels: 'rgb',
  layout: 'nhwc',
  ...rangeFields(DEFAULT_RANGE),
  output: 0,
  outputKind: 'logits',
} as const satisfies SpecPatch;

const SPEC_HINT = 'valid: --size 112 or 112x96, --channels rgb|bgr|gray, --layout nhwc|nchw, ' +
  '--range 0-255|0-1|-1-1, --mean/--std 0.5,0.5,0.5, --output <name|index>, --output-kind logits|embedding|label';

/**
 * Parse and validate user spec settings. Unknown keys are ignored (the CLI may pass its whole option
 * object); `where` names the origin for error messages, e.g. 'command line' or a sidecar path.
 */
export function parseSpecOverrides(raw: Readonly<Record<string, unknown>>, where = 'command line'): SpecPatch {
  const patch: { -readonly [K in keyof SpecPatch]: SpecPatch[K] } = {};
  const bad = (key: string, value: unknown, why: string): never => {
    throw new LineageError(`invalid ${key} ${JSON.stringify(value)} (${where}): ${why}`, SPEC_HINT);
  };
  for (const key of OVERRIDE_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    switch (key) {
      case 'size': {
        const dims = parseSize(value);
        if (!dims) bad(key, value, 'expected HxW or one number, e.g. 112x112 or 112');
        else [patch.height, patch.width] = dims;
        break;
      }
      case 'channels':
        patch.channels = oneOf<ChannelOrder>(value, ['rgb', 'bgr', 'gray']) ?? bad(key, value, 'expected rgb, bgr or gray');
        break;
      case 'layout':
        patch.layout = oneOf<Layout>(value, ['nhwc', 'nchw']) ?? bad(key, value, 'expected nhwc or nchw');
        break;
      case 'range': {
        if (typeof value !== 'string' || !(value in RANGES)) bad(key, value, `expected one of ${Object.keys(RANGES).join(', ')}`);
        Object.assign(patch, rangeFields(value as string));
        break;
      }
      case 'scale': {
        const n = toNumber(value);
        if (n === undefined || n === 0) bad(key, value, 'expected a non-zero number, e.g. 0.00392156862745098');
        else patch.scale = n;
        break;
      }
      case 'mean':
      case 'std': {
        const list = parseNumberList(value);
        if (!list) bad(key, value, 'expected 1 or 3 comma-separated numbers, e.g. 0.5,0.5,0.5');
        else if (key === 'std' && list.some((s) => s === 0)) bad(key, value, 'std must not be 0');
        else patch[key] = list;
        break;
      }
      case 'output':
        patch.output = parseOutput(value) ?? bad(key, value, 'expected an output name or a non-negative index');
        break;
      case 'outputKind':
        patch.outputKind = oneOf<OutputKind>(value, ['logits', 'embedding', 'label']) ??
          bad(key, value, 'expected logits, embedding or label');
        break;
      case 'inputName':
        if (typeof value !== 'string' || value === '') bad(key, value, 'expected an input tensor name');
        else patch.inputName = value;
        break;
    }
  }
  return patch;
}

/** Path of the sidecar spec file for a model file: `dir/name.ext` → `dir/name.lineage.json`. */
export function sidecarPath(modelFile: string): string {
  return modelFile.replace(/(\.[^./\\]+)?$/, '.lineage.json');
}

/**
 * The `<model>.lineage.json` beside a model file, when there is one. It comes with the model, so it
 * must be a regular file inside the model's folder after symlinks (a link to a file elsewhere could
 * show that file's text in an error message).
 */
export async function readSidecar(modelFile: string): Promise<SpecPatch | undefined> {
  const file = sidecarPath(modelFile);
  return readSpecFile(await confinedPath(dirname(file), basename(file), 'spec sidecar'), true);
}

/**
 * Read a JSON spec file (sidecar or --spec). Returns undefined when `optional` and the file is absent.
 * Unknown keys are rejected here, unlike on the command line, to catch typos.
 */
export async function readSpecFile(path: string, optional = false): Promise<SpecPatch | undefined> {
  if (optional && !(await access(path).then(() => true, () => false))) return undefined;
  const text = (await readRegularFile(path, 'spec file', { atMost: MAX_SIDECAR_BYTES })).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LineageError(`spec file ${path} is not valid JSON: ${errorMessage(e)}`, 'fix the JSON syntax');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new LineageError(`spec file ${path} must hold a JSON object`, `e.g. { "size": 112, "range": "-1-1" }`);
  }
  const unknown = Object.keys(json).filter((k) => !(OVERRIDE_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new LineageError(`unknown key(s) ${unknown.join(', ')} in spec file ${path}`, `allowed keys: ${OVERRIDE_KEYS.join(', ')}`);
  }
  return parseSpecOverrides(json as Record<string, unknown>, path);
}

/** What the model file itself says about its input, from a rank-4 input shape (unknown dims: ≤ 0, null, names). */
export function declaredFromShape(
  shape: readonly (number | string | null | undefined)[],
  conventional: Layout,
): SpecPatch {
  if (shape.length !== 4) return {};
  const dim = (i: number): number | undefined => {
    const d = shape[i];
    return typeof d === 'number' && d > 0 ? d : undefined;
  };
  const isChannels = (d: number | undefined): boolean => d === 1 || d === 3;
  let layout = conventional;
  if (isChannels(dim(1)) && !isChannels(dim(3))) layout = 'nchw';
  else if (isChannels(dim(3)) && !isChannels(dim(1))) layout = 'nhwc';
  const [c, h, w] = layout === 'nchw' ? [dim(1), dim(2), dim(3)] : [dim(3), dim(1), dim(2)];
  const patch: { -readonly [K in keyof SpecPatch]: SpecPatch[K] } = { layout };
  if (h !== undefined) patch.height = h;
  if (w !== undefined) patch.width = w;
  if (c === 1) patch.channels = 'gray';
  return patch;
}

/** Every source of spec settings for one model, weakest last in precedence order. */
export interface SpecLayers {
  /** The model's name or path, for messages. */
  readonly source: string;
  readonly overrides?: SpecPatch;
  readonly sidecar?: SpecPatch;
  /** Lineage's own table of known models (builtin:<name>). */
  readonly builtin?: SpecPatch;
  /** What the model file declares (input shape, layout). */
  readonly declared?: SpecPatch;
}

/** The spec sources outside the model file: what a loader receives besides the file itself. */
export type UserSpecLayers = Omit<SpecLayers, 'source' | 'declared'>;

/** First input name any user layer asks for (it decides which input's declared shape applies). */
export function requestedInputName(layers: UserSpecLayers): string | undefined {
  return layers.overrides?.inputName ?? layers.sidecar?.inputName ?? layers.builtin?.inputName;
}

export interface ResolvedSpec {
  readonly spec: InputSpec;
  /** Settings that fell back to a default the caller should tell the user about. */
  readonly warnings: readonly string[];
}

/** Merge spec layers: overrides > sidecar > builtin > declared > defaults, field by field. */
export function resolveSpec(layers: SpecLayers): ResolvedSpec {
  const ordered: Array<[Exclude<SpecSource, 'default'>, SpecPatch | undefined]> = [
    ['override', layers.overrides], ['sidecar', layers.sidecar], ['builtin', layers.builtin], ['model', layers.declared],
  ];
  const pick = <K extends keyof SpecPatch>(key: K): SpecPatch[K] => {
    for (const [, patch] of ordered) if (patch?.[key] !== undefined) return patch[key];
    return undefined;
  };
  const normalisationSource: SpecSource = ordered.find(([, p]) =>
    p?.scale !== undefined || p?.mean !== undefined || p?.std !== undefined)?.[0] ?? 'default';

  const height = pick('height');
  const width = pick('width');
  if (height === undefined || width === undefined) {
    throw new LineageError(
      `input size of ${layers.source} is unknown (the model does not declare it)`,
      'pass --size HxW (e.g. --size 112) or put "size" in the model\'s .lineage.json sidecar',
    );
  }
  const channels = pick('channels') ?? DEFAULTS.channels;
  const count = channels === 'gray' ? 1 : 3;
  const perChannel = (key: 'mean' | 'std'): number[] => {
    const values = pick(key) ?? DEFAULTS[key];
    if (values.length === count) return [...values];
    if (values.length === 1) return new Array<number>(count).fill(values[0]!);
    throw new LineageError(
      `--${key} for ${layers.source} has ${values.length} values but the model takes ${count} channel(s) (${channels})`,
      `give 1 or ${count} values, e.g. --${key} ${new Array(count).fill(0.5).join(',')}`,
    );
  };
  const inputName = pick('inputName');
  const spec: InputSpec = {
    height,
    width,
    channels,
    layout: pick('layout') ?? DEFAULTS.layout,
    scale: pick('scale') ?? DEFAULTS.scale,
    mean: perChannel('mean'),
    std: perChannel('std'),
    output: pick('output') ?? DEFAULTS.output,
    outputKind: pick('outputKind') ?? DEFAULTS.outputKind,
    ...(inputName !== undefined ? { inputName } : {}),
    normalisationSource,
  };
  const warnings: string[] = [];
  if (normalisationSource === 'default') {
    warnings.push(
      `input range of ${layers.source} is not declared anywhere; assuming ${DEFAULT_RANGE} pixels. ` +
        'If the model expects 0-255 or -1..1, pass --range (a wrong range gives near-identical outputs for every image)',
    );
  }
  return { spec, warnings };
}

/** The spec-file keys that reproduce a spec (for `GET /info`, reports and sidecars). */
export function specToOverrides(spec: InputSpec): SpecOverrides {
  return {
    size: [spec.height, spec.width],
    channels: spec.channels,
    layout: spec.layout,
    scale: spec.scale,
    mean: spec.mean,
    std: spec.std,
    output: spec.output,
    outputKind: spec.outputKind,
    ...(spec.inputName !== undefined ? { inputName: spec.inputName } : {}),
  };
}

function rangeFields(range: string): { scale: number; mean: number[]; std: number[] } {
  const r = RANGES[range]!;
  return { scale: r.scale, mean: [r.mean], std: [r.std] };
}

function parseSize(value: unknown): [number, number] | undefined {
  let dims: number[];
  if (typeof value === 'number') dims = [value, value];
  else if (Array.isArray(value)) dims = value.map(Number);
  else if (typeof value === 'string') {
    const parts = value.trim().toLowerCase().split('x');
    dims = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
    if (dims.length === 1) dims = [dims[0]!, dims[0]!];
  } else return undefined;
  if (dims.length !== 2 || !dims.every((d) => Number.isInteger(d) && d > 0 && d <= 8192)) return undefined;
  return [dims[0]!, dims[1]!];
}

function parseNumberList(value: unknown): number[] | undefined {
  let list: number[];
  if (typeof value === 'number') list = [value];
  else if (Array.isArray(value)) list = value.map((v) => (typeof v === 'number' ? v : NaN));
  else if (typeof value === 'string') list = value.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  else return undefined;
  if (list.length === 0 || list.length > 3 || !list.every(Number.isFinite)) return undefined;
  return list;
}

function toNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function parseOutput(value: unknown): string | number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value.toLowerCase())
    ? (value.toLowerCase() as T)
    : undefined;
}
