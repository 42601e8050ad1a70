import { LineageError } from '../errors.js';
import { readParts, writeParts } from './bundle-file.js';
import type { Calibration, Fingerprint, FingerprintManifest } from './types.js';

/** The parts of a bundle file; every one is hashed (see bundle-file.ts). */
const PART = {
  manifest: 'manifest.json',
  samples: 'samples.u8',
  outputs: 'victim-outputs.f32',
  matrix: 'victim-matrix.f64',
  calibration: 'calibration.json',
} as const;

const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 1), 'utf8');
const bytesOf = (a: Float32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export async function saveFingerprint(path: string, fp: Fingerprint): Promise<void> {
  const parts = new Map<string, Uint8Array>([
    [PART.manifest, json(fp.manifest)],
    [PART.samples, fp.samples.data],
    [PART.outputs, bytesOf(fp.victimOutputs.data)],
    [PART.matrix, bytesOf(fp.victimMatrix)],
  ]);
  if (fp.calibration) parts.set(PART.calibration, json(fp.calibration));
  await writeParts(path, parts);
}

export async function loadFingerprint(path: string): Promise<Fingerprint> {
  const parts = await readParts(path);
  const need = (name: string) => {
    const bytes = parts.get(name);
    if (!bytes) throw new LineageError(`fingerprint bundle ${path} lacks its '${name}' part`, 're-create the bundle with `lineage fingerprint`');
    return bytes;
  };
  const manifest = JSON.parse(Buffer.from(need(PART.manifest)).toString('utf8')) as FingerprintManifest;
  const { count, height, width, channels } = manifest.samples;
  const samples = new Uint8Array(need(PART.samples));
  // Copy into fresh, aligned buffers: parts sit at arbitrary offsets inside the file.
  const outputs = new Float32Array(new Uint8Array(need(PART.outputs)).buffer);
  const matrix = new Float64Array(new Uint8Array(need(PART.matrix)).buffer);
  const dim = manifest.victim.outputDim;
  if (samples.byteLength !== count * height * width * channels || outputs.length !== count * dim || matrix.length !== count * count) {
    throw new LineageError(`fingerprint bundle ${path} is inconsistent: part sizes do not match its manifest`, 're-create the bundle with `lineage fingerprint`');
  }
  const calibrationBytes = parts.get(PART.calibration);
  return {
    manifest,
    samples: { data: samples, count, height, width, channels },
    victimOutputs: { data: outputs, rows: count, cols: dim },
    victimMatrix: matrix,
    ...(calibrationBytes ? { calibration: JSON.parse(Buffer.from(calibrationBytes).toString('utf8')) as Calibration } : {}),
  };
}
