import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadFingerprint, saveFingerprint } from '../src/fingerprints/bundle.js';
import { writeParts } from '../src/fingerprints/bundle-file.js';
import type { AnyFingerprint, Fingerprint, PeerFingerprintBundle } from '../src/fingerprints/types.js';
import { LineageError } from '../src/errors.js';

function tinyFingerprint(): Fingerprint {
  const n = 2;
  return {
    kind: 'sac',
    manifest: {
      lineageVersion: '0.0.0',
      createdAt: '2026-01-01T00:00:00.000Z',
      params: { method: 'sac-jc', samples: n, seed: 1, kernel: 'cosine', outputMode: 'raw', jpegSeverity: 1, transpose: false },
      victim: {
        source: 'victim.onnx',
        spec: { height: 1, width: 2, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], output: 0, outputKind: 'logits' } as never,
        outputDim: 3,
      },
      samples: { count: n, height: 1, width: 2, channels: 3, origin: 'mem', names: ['a', 'b'], labels: ['x', 'y'] },
      quality: { spread: { mean: 1, sd: 0, min: 1, max: 1 }, warnings: [] },
    },
    samples: { data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), count: n, height: 1, width: 2, channels: 3 },
    victimOutputs: { data: Float32Array.from([1, 0, 0, 0, 1, 0]), rows: n, cols: 3 },
    victimMatrix: Float64Array.from([0, 1, 1, 0]),
  };
}

/** A DeepJudge-like peer fingerprint: 3 inputs of 1×2 grey pixels, 2 classes, reference labels. */
function tinyPeer(): PeerFingerprintBundle {
  return {
    kind: 'peer',
    method: 'deepjudge',
    inputs: { data: Uint8Array.from([0, 255, 7, 9, 128, 3]), count: 3, height: 1, width: 2, channels: 1 },
    victimOutputs: { data: Float32Array.from([0.5, -1.25, 3, 0, -2, 1e-7]), rows: 3, cols: 2 },
    referenceLabels: [0, 0, 1],
    meta: { queriesToBuild: 66, seconds: 1.5, params: { epsilon: 8, step: 1, steps: 20, seed: 1 } },
    manifest: {
      lineageVersion: '0.0.0',
      createdAt: '2026-01-01T00:00:00.000Z',
      victim: {
        source: 'builtin:emotion',
        spec: { height: 1, width: 2, channels: 'gray', layout: 'nhwc', scale: 1, mean: [0], std: [1], output: 0, outputKind: 'logits' },
        outputDim: 2,
      },
      pool: { origin: 'fer2013', samples: 3, seed: 1 },
    },
  };
}

const sac = (fp: AnyFingerprint): Fingerprint => {
  assert.equal(fp.kind, 'sac');
  return fp as Fingerprint;
};
const peer = (fp: AnyFingerprint): PeerFingerprintBundle => {
  assert.equal(fp.kind, 'peer');
  return fp as PeerFingerprintBundle;
};

const tmp = () => mkdtemp(join(tmpdir(), 'lineage-bundle-'));

test('a bundle round-trips samples, outputs, matrix and calibration exactly', async () => {
  const path = join(await tmp(), 'fp.lineage');
  const fp = {
    ...tinyFingerprint(),
    calibration: {
      createdAt: 'now',
      statistic: 'pearson',
      fit: { threshold: 0.1, rule: 'default', n: 2, mean: 0.5, sd: 0.1, min: 0.4 },
      models: [{ source: 'a', distance: 0.4, pearsonDistance: 0.5 }, { source: 'b', distance: 0.6, pearsonDistance: 0.7 }],
    },
  } as Fingerprint;
  await saveFingerprint(path, fp);
  const back = sac(await loadFingerprint(path));
  assert.deepEqual(back.samples.data, fp.samples.data);
  assert.deepEqual([...back.victimOutputs.data], [1, 0, 0, 0, 1, 0]);
  assert.deepEqual([...back.victimMatrix], [0, 1, 1, 0]);
  assert.deepEqual(back.manifest, fp.manifest);
  assert.deepEqual(back.calibration, fp.calibration);
});

test('a bundle whose part was modified is refused, naming the part', async () => {
  const dir = await tmp();
  const path = join(dir, 'fp.lineage');
  await saveFingerprint(path, tinyFingerprint());
  const bytes = await readFile(path);
  bytes[bytes.length - 1]! ^= 0xff; // last byte belongs to the victim matrix
  await writeFile(path, bytes);
  await assert.rejects(loadFingerprint(path), (e: unknown) => e instanceof LineageError && /victim-matrix\.f64/.test(e.message) && /modified or corrupted/.test(e.message));
});

test('a truncated or foreign file is refused with a clear error', async () => {
  const dir = await tmp();
  const path = join(dir, 'fp.lineage');
  await saveFingerprint(path, tinyFingerprint());
  const bytes = await readFile(path);
  await writeFile(join(dir, 'cut.lineage'), bytes.subarray(0, bytes.length - 10));
  await assert.rejects(loadFingerprint(join(dir, 'cut.lineage')), (e: unknown) => e instanceof LineageError && /truncated/.test(e.message));
  await writeFile(join(dir, 'other.lineage'), 'hello');
  await assert.rejects(loadFingerprint(join(dir, 'other.lineage')), (e: unknown) => e instanceof LineageError && /not a valid Lineage fingerprint bundle/.test(e.message));
  await assert.rejects(loadFingerprint(join(dir, 'missing.lineage')), LineageError);
});

test('saving leaves no temp file behind', async () => {
  const dir = await tmp();
  await saveFingerprint(join(dir, 'fp.lineage'), tinyFingerprint());
  assert.deepEqual(await readdir(dir), ['fp.lineage']);
});

test('a peer bundle round-trips inputs, outputs, reference labels, meta, manifest and calibration exactly', async () => {
  const path = join(await tmp(), 'peer.lineage');
  const fp: PeerFingerprintBundle = {
    ...tinyPeer(),
    calibration: {
      createdAt: 'now',
      statistic: 'Rob',
      fit: { threshold: 0.2, rule: 'default', n: 2, mean: 0.6, sd: 0.1, min: 0.5 },
      models: [
        { source: 'a', scores: [{ name: 'Rob', value: 0.5, stolenWhen: 'lower' }, { name: 'JSD', value: 0.3, stolenWhen: 'lower' }] },
        { source: 'b', scores: [{ name: 'Rob', value: 0.7, stolenWhen: 'lower' }, { name: 'JSD', value: 0.4, stolenWhen: 'lower' }] },
      ],
    },
  };
  await saveFingerprint(path, fp);
  const back = peer(await loadFingerprint(path));
  assert.deepEqual(back.inputs, fp.inputs);
  assert.deepEqual(back.victimOutputs, fp.victimOutputs);
  assert.deepEqual(back, fp);
  // Without reference labels or calibration (AKH), nothing is invented on the way back.
  const { referenceLabels: _r, calibration: _c, ...plain } = fp;
  await saveFingerprint(path, { ...plain, method: 'akh' });
  assert.deepEqual(await loadFingerprint(path), { ...plain, method: 'akh' });
});

test('a modified or truncated peer bundle is refused, naming the part', async () => {
  const dir = await tmp();
  const path = join(dir, 'peer.lineage');
  await saveFingerprint(path, tinyPeer());
  const bytes = await readFile(path);
  const tampered = Buffer.from(bytes);
  tampered[bytes.length - 24 - 1]! ^= 0x01; // the last pixel of the inputs: the file ends with inputs (6 bytes), outputs (24 bytes)
  await writeFile(join(dir, 'tampered.lineage'), tampered);
  await assert.rejects(loadFingerprint(join(dir, 'tampered.lineage')), (e: unknown) => e instanceof LineageError && /'inputs\.u8'/.test(e.message) && /modified or corrupted/.test(e.message));
  await writeFile(join(dir, 'cut.lineage'), bytes.subarray(0, bytes.length - 1));
  await assert.rejects(loadFingerprint(join(dir, 'cut.lineage')), (e: unknown) => e instanceof LineageError && /victim-outputs\.f32' is truncated/.test(e.message));
});

test('a SAC bundle written before bundles named their kind still loads as SAC', async () => {
  // What saveFingerprint wrote before peer bundles existed: the same parts, a manifest without `kind` or `cost`.
  const fp = tinyFingerprint();
  const path = join(await tmp(), 'old.lineage');
  const bytesOf = (a: Float32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  await writeParts(path, new Map([
    ['manifest.json', Buffer.from(JSON.stringify(fp.manifest, null, 1))],
    ['samples.u8', fp.samples.data],
    ['victim-outputs.f32', bytesOf(fp.victimOutputs.data)],
    ['victim-matrix.f64', bytesOf(fp.victimMatrix)],
  ]));
  assert.deepEqual(await loadFingerprint(path), fp);
});

test('a bundle of an unknown kind, or whose manifest disagrees with its parts, is refused clearly', async () => {
  const dir = await tmp();
  const { kind: _kind, ...rest } = tinyPeer();
  const parts = (manifest: object) => new Map([
    ['manifest.json', Buffer.from(JSON.stringify(manifest))],
    ['inputs.u8', rest.inputs.data],
    ['victim-outputs.f32', new Uint8Array(rest.victimOutputs.data.buffer)],
  ]);
  const manifest = { ...rest.manifest, method: rest.method, inputs: { count: 3, height: 1, width: 2, channels: 1 }, meta: rest.meta };
  await writeParts(join(dir, 'future.lineage'), parts({ ...manifest, kind: 'hologram' }));
  await assert.rejects(loadFingerprint(join(dir, 'future.lineage')), (e: unknown) => e instanceof LineageError && /kind 'hologram'/.test(e.message));
  await writeParts(join(dir, 'wrong-count.lineage'), parts({ ...manifest, kind: 'peer', inputs: { count: 4, height: 1, width: 2, channels: 1 } }));
  await assert.rejects(loadFingerprint(join(dir, 'wrong-count.lineage')), (e: unknown) => e instanceof LineageError && /inconsistent/.test(e.message));
  await writeParts(join(dir, 'wrong-method.lineage'), parts({ ...manifest, kind: 'peer', method: 'sac-jc' }));
  await assert.rejects(loadFingerprint(join(dir, 'wrong-method.lineage')), (e: unknown) => e instanceof LineageError && /unknown peer method 'sac-jc'/.test(e.message));
});
