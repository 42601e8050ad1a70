import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadFingerprint, saveFingerprint } from '../src/fingerprints/bundle.js';
import type { Fingerprint } from '../src/fingerprints/types.js';
import { LineageError } from '../src/errors.js';

function tinyFingerprint(): Fingerprint {
  const n = 2;
  return {
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
  const back = await loadFingerprint(path);
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
