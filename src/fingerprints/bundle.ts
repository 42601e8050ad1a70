import { LineageError } from '../errors.js';
import { BUNDLE_FORMAT_VERSION, readParts, writeParts } from './bundle-file.js';
import type { PeerMeta } from './peers/types.js';
import { FINGERPRINT_METHODS, isPeerMethod } from './types.js';
import type { AnyFingerprint, BaseInfo, BaseMatrices, Calibration, Fingerprint, FingerprintManifest, PeerCalibration, PeerFingerprintBundle, PeerManifest } from './types.js';
import { plainScores } from './base.js';

/**
 * The parts of a bundle file; every one is hashed (see bundle-file.ts). The manifest says which kind
 * of fingerprint the bundle holds: `kind` 'sac' (samples, victim outputs and matrix) or 'peer'
 * (a peer method's 8-bit inputs and victim outputs). Bundles written before `kind` existed are SAC.
 */
const PART = {
  manifest: 'manifest.json',
  samples: 'samples.u8',
  inputs: 'inputs.u8',
  outputs: 'victim-outputs.f32',
  matrix: 'victim-matrix.f64',
  calibration: 'calibration.json',
  baseOutputs: 'base-outputs.f32',
  baseMatrix: 'base-matrix.f64',
} as const;

/** What a peer bundle's manifest.json holds: the PeerManifest and the peer fingerprint's small fields. */
interface PeerManifestJson extends PeerManifest {
  readonly method: PeerFingerprintBundle['method'];
  readonly inputs: { readonly count: number; readonly height: number; readonly width: number; readonly channels: 1 | 3 };
  readonly referenceLabels?: readonly number[];
  readonly meta: PeerMeta;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 1), 'utf8');
const bytesOf = (a: Float32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Write any fingerprint as one bundle file (atomically: temp file, then rename). */
export async function saveFingerprint(path: string, fp: AnyFingerprint): Promise<void> {
  const parts = fp.kind === 'peer' ? peerParts(fp) : sacParts(fp);
  if (fp.calibration) parts.set(PART.calibration, json(fp.calibration));
  await writeParts(path, parts, fp.kind === 'sac' && fp.base ? BUNDLE_FORMAT_VERSION : 1);
}

function sacParts(fp: Fingerprint): Map<string, Uint8Array> {
  return new Map([
    [PART.manifest, json({ kind: fp.kind, ...fp.manifest })],
    [PART.samples, fp.samples.data],
    [PART.outputs, bytesOf(fp.victimOutputs.data)],
    [PART.matrix, bytesOf(fp.victimMatrix)],
    ...(fp.base ? [[PART.baseOutputs, bytesOf(fp.base.outputs.data)], [PART.baseMatrix, bytesOf(fp.base.matrix)]] as const : []),
  ]);
}

function peerParts(fp: PeerFingerprintBundle): Map<string, Uint8Array> {
  const { count, height, width, channels } = fp.inputs;
  const manifest: PeerManifestJson = {
    ...fp.manifest,
    method: fp.method,
    inputs: { count, height, width, channels },
    ...(fp.referenceLabels ? { referenceLabels: fp.referenceLabels } : {}),
    meta: fp.meta,
  };
  return new Map([
    [PART.manifest, json({ kind: fp.kind, ...manifest })],
    [PART.inputs, fp.inputs.data],
    [PART.outputs, bytesOf(fp.victimOutputs.data)],
  ]);
}

/**
 * The base's outputs and matrix. Beyond the hashes (which catch damage), the victim–base scores the
 * manifest records must follow from the two matrices: an edited base matrix with re-computed hashes
 * is refused unless the manifest was edited to match too.
 */
function readBase(info: BaseInfo, count: number, victimMatrix: Float64Array, need: (name: string) => Uint8Array, inconsistent: (why: string) => LineageError): BaseMatrices {
  const outputs = new Float32Array(new Uint8Array(need(PART.baseOutputs)).buffer);
  const matrix = new Float64Array(new Uint8Array(need(PART.baseMatrix)).buffer);
  if (outputs.length !== count * info.outputDim || matrix.length !== count * count) throw inconsistent('the base parts\' sizes do not match its manifest');
  const scores = plainScores(victimMatrix, matrix, count);
  if (scores.distance !== info.victimScores.distance || scores.pearsonDistance !== info.victimScores.pearsonDistance) {
    throw inconsistent(`the base matrix gives victim–base scores ${scores.distance} / ${scores.pearsonDistance}, its manifest records ${info.victimScores.distance} / ${info.victimScores.pearsonDistance}`);
  }
  return { outputs: { data: outputs, rows: count, cols: info.outputDim }, matrix };
}

/** Read a bundle, every part's hash checked; a SAC or a peer fingerprint, told apart by `kind`. */
export async function loadFingerprint(path: string): Promise<AnyFingerprint> {
  const parts = await readParts(path);
  const need = (name: string) => {
    const bytes = parts.get(name);
    if (!bytes) throw new LineageError(`fingerprint bundle ${path} lacks its '${name}' part`, 're-create the bundle with `lineage fingerprint`');
    return bytes;
  };
  const inconsistent = (why: string) => new LineageError(`fingerprint bundle ${path} is inconsistent: ${why}`, 're-create the bundle with `lineage fingerprint`');
  const readJson = (name: string): unknown => JSON.parse(Buffer.from(need(name)).toString('utf8'));
  const { kind = 'sac', ...manifest } = readJson(PART.manifest) as { kind?: string };
  const calibration = parts.has(PART.calibration) ? { calibration: readJson(PART.calibration) } : {};
  // Copy into fresh, aligned buffers: parts sit at arbitrary offsets inside the file.
  const outputs = new Float32Array(new Uint8Array(need(PART.outputs)).buffer);

  if (kind === 'sac') {
    const m = manifest as FingerprintManifest;
    const { count, height, width, channels } = m.samples;
    const samples = new Uint8Array(need(PART.samples));
    const matrix = new Float64Array(new Uint8Array(need(PART.matrix)).buffer);
    if (samples.byteLength !== count * height * width * channels || outputs.length !== count * m.victim.outputDim || matrix.length !== count * count) {
      throw inconsistent('part sizes do not match its manifest');
    }
    return {
      kind,
      manifest: m,
      samples: { data: samples, count, height, width, channels },
      victimOutputs: { data: outputs, rows: count, cols: m.victim.outputDim },
      victimMatrix: matrix,
      ...(m.base ? { base: readBase(m.base, count, matrix, need, inconsistent) } : {}),
      ...(calibration as { calibration?: Calibration }),
    };
  }
  if (kind === 'peer') {
    const { method, inputs: dims, referenceLabels, meta, ...peerManifest } = manifest as PeerManifestJson;
    if (!(FINGERPRINT_METHODS as readonly string[]).includes(method) || !isPeerMethod(method)) throw inconsistent(`unknown peer method '${String(method)}'`);
    const { count, height, width, channels } = dims;
    const inputs = new Uint8Array(need(PART.inputs));
    const dim = peerManifest.victim.outputDim;
    if (inputs.byteLength !== count * height * width * channels || outputs.length !== count * dim || (referenceLabels && referenceLabels.length !== count)) {
      throw inconsistent('part sizes do not match its manifest');
    }
    return {
      kind,
      method,
      inputs: { data: inputs, count, height, width, channels },
      victimOutputs: { data: outputs, rows: count, cols: dim },
      ...(referenceLabels ? { referenceLabels } : {}),
      meta,
      manifest: peerManifest,
      ...(calibration as { calibration?: PeerCalibration }),
    };
  }
  throw new LineageError(`fingerprint bundle ${path} holds a fingerprint of kind '${kind}', which this Lineage does not know`, 'upgrade Lineage');
}
