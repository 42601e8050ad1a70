import { access, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorMessage, LineageError } from '../../errors.js';
import { float16BitsToNumber } from './float16.js';
import type { WeightWalker } from './tensor-edit.js';
import { writeModelDirectory } from './write-model-dir.js';

/** One entry of a TF.js weightsManifest group. */
interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: {
    readonly dtype: string;
    readonly scale?: number;
    readonly min?: number;
  };
}

interface ManifestGroup {
  readonly paths: readonly string[];
  readonly weights: readonly WeightSpec[];
}

/** The model spec file Lineage keeps beside a model.json; a copy keeps the victim's input spec. */
export const SIDECAR_FILE = 'lineage.json';

const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/**
 * Write a copy of the TF.js graph or layers model described by `modelJson` into the directory
 * `outDir` (model.json + one float32 weights.bin): quantised weights are dequantised, every float32
 * tensor goes through `walker`, other dtypes are copied byte for byte.
 */
export async function deriveTfjsCopy(modelJson: string, outDir: string, walker: WeightWalker): Promise<void> {
  const model = await readModelJson(modelJson);
  const specs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of model.weightsManifest) {
    const buffer = await readGroup(modelJson, group);
    let offset = 0;
    for (const spec of group.weights) {
      const { bytes, consumed, outSpec } = copyWeight(modelJson, spec, buffer.subarray(offset), walker);
      offset += consumed;
      specs.push(outSpec);
      chunks.push(bytes);
    }
  }
  const files = new Map<string, string | Uint8Array>([
    ['model.json', JSON.stringify({ ...model, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] })],
    ['weights.bin', Buffer.concat(chunks)],
  ]);
  const sidecar = join(dirname(modelJson), SIDECAR_FILE);
  if (basename(modelJson) === 'model.json' && (await access(sidecar).then(() => true, () => false))) {
    files.set(SIDECAR_FILE, await readFile(sidecar));
  }
  await writeModelDirectory(outDir, files);
}

async function readModelJson(path: string): Promise<{ weightsManifest: ManifestGroup[] } & Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new LineageError(`cannot read TF.js model ${path}: ${errorMessage(e)}`, 'give the model.json of a TF.js graph or layers model');
  }
  const manifest = (parsed as { weightsManifest?: unknown } | null)?.weightsManifest;
  const valid = Array.isArray(manifest) && manifest.every((g: Partial<ManifestGroup>) => Array.isArray(g?.paths) && Array.isArray(g?.weights));
  if (!valid) {
    throw new LineageError(`${path} has no valid weightsManifest`, 'give the model.json of a TF.js graph or layers model (with its weight shards beside it)');
  }
  return parsed as { weightsManifest: ManifestGroup[] } & Record<string, unknown>;
}

/** A manifest group's shards, concatenated in order (TF.js lays the group's weights out across them). */
async function readGroup(modelJson: string, group: ManifestGroup): Promise<Uint8Array> {
  const shards = await Promise.all(group.paths.map((p) => readFile(join(dirname(modelJson), p)).catch((e: unknown) => {
    throw new LineageError(`weight shard ${p} of ${modelJson} cannot be read: ${errorMessage(e)}`, 'keep every .bin file listed in weightsManifest beside model.json');
  })));
  return Buffer.concat(shards);
}

function copyWeight(modelJson: string, spec: WeightSpec, buffer: Uint8Array, walker: WeightWalker): { bytes: Uint8Array; consumed: number; outSpec: WeightSpec } {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const stored = spec.quantization?.dtype ?? spec.dtype;
  const consumed = spec.dtype === 'string' ? stringBytes(buffer, size) : size * (BYTES_PER_ELEMENT[stored] ?? NaN);
  if (!(consumed <= buffer.length)) {
    const why = Number.isNaN(consumed) ? `has unsupported dtype ${stored}` : 'runs past the end of the weight shards';
    throw new LineageError(`${modelJson}: weight ${spec.name} ${why}`, 'the model files are corrupt or from an unsupported TF.js version; re-convert or re-download them');
  }
  const raw = new Uint8Array(buffer.subarray(0, consumed)); // a copy, so typed-array views are aligned
  const { name, shape } = spec;
  if (spec.dtype === 'float32') {
    const values = spec.quantization ? dequantise(spec, raw) : new Float32Array(raw.buffer);
    const edited = walker.visit({ name, shape, values, channelAxis: tfjsChannelAxis(shape) });
    return { bytes: new Uint8Array(edited.buffer, edited.byteOffset, edited.byteLength), consumed, outSpec: { name, shape, dtype: 'float32' } };
  }
  if (spec.quantization) {
    // Quantised int32 (uint8/uint16 affine): written back as plain int32.
    const ints = Int32Array.from(dequantise(spec, raw), Math.round);
    return { bytes: new Uint8Array(ints.buffer), consumed, outSpec: { name, shape, dtype: spec.dtype } };
  }
  return { bytes: raw, consumed, outSpec: spec };
}

/** TF.js kernels end with the output channels ([h, w, in, out], [in, out]); depthwise ones with [in, 1]. */
function tfjsChannelAxis(shape: readonly number[]): number | undefined {
  if (shape.length < 2) return undefined;
  return shape.length >= 3 && shape.at(-1) === 1 ? shape.length - 2 : shape.length - 1;
}

/** Float values of a quantised weight (TF.js: uint8/uint16 affine `q·scale + min`, or float16). */
function dequantise(spec: WeightSpec, raw: Uint8Array): Float32Array {
  const q = spec.quantization!;
  if (q.dtype === 'float16') return Float32Array.from(new Uint16Array(raw.buffer), float16BitsToNumber);
  const { scale, min } = q;
  if ((q.dtype !== 'uint8' && q.dtype !== 'uint16') || typeof scale !== 'number' || typeof min !== 'number') {
    throw new LineageError(`weight ${spec.name} has unsupported quantization ${JSON.stringify(q)}`, 'give a model quantised with uint8, uint16 (with scale and min) or float16');
  }
  const codes = q.dtype === 'uint8' ? raw : new Uint16Array(raw.buffer);
  return Float32Array.from(codes, (v) => v * scale + min);
}

/** Byte length of `count` strings, each stored as a uint32 length + its bytes. */
function stringBytes(buffer: Uint8Array, count: number): number {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let offset = 0;
  for (let i = 0; i < count && offset + 4 <= buffer.length; i++) offset += 4 + view.getUint32(offset, true);
  return offset;
}
