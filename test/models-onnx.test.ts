import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LineageError } from '../src/errors.js';
import { resolveBuiltin } from '../src/models/builtin.js';
import { loadModel } from '../src/models/load.js';
import { Random } from '../src/util/random.js';
import type { ImageBatch } from '../src/data/types.js';

const featurePath = (() => {
  try {
    return resolveBuiltin('fr_feature').path;
  } catch {
    return undefined;
  }
})();
const skip = featurePath && existsSync(featurePath) ? false : 'faceplugin-face-recognition-js is not installed';
const quiet = { onWarning: () => {} };

function noise(count: number, size: number, seed: number): ImageBatch {
  const rng = new Random(seed);
  const data = new Uint8Array(count * size * size * 3).map(() => rng.int(256));
  return { data, count, height: size, width: size, channels: 3 };
}

test('fr_feature (ONNX, fixed batch 1): 512-d rows per image, resized input, query count', { skip }, async () => {
  const model = await loadModel('builtin:fr_feature', quiet);
  try {
    assert.equal(model.spec.layout, 'nchw');
    assert.equal(model.spec.normalisationSource, 'builtin');
    const batch = noise(3, 120, 1);
    const out = await model.predict(batch);
    assert.deepEqual([out.rows, out.cols], [3, 512]);
    assert.equal(model.queries, 3);
    // Chunking must not mix images: predicting image 2 alone gives the same row.
    const single = await model.predict({ ...batch, data: batch.data.subarray(2 * 120 * 120 * 3), count: 1 });
    assert.deepEqual([...single.data], [...out.data.subarray(2 * 512)]);
    assert.notDeepEqual([...out.data.subarray(0, 512)], [...out.data.subarray(512, 1024)]);
  } finally {
    await model.dispose();
  }
});

test('a file path loads like the builtin, taking size and layout from the model; default range warns', { skip }, async () => {
  const warnings: string[] = [];
  const model = await loadModel(featurePath!, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual([model.spec.height, model.spec.width, model.spec.layout, model.spec.inputName], [112, 112, 'nchw', 'input']);
  assert.equal(model.spec.normalisationSource, 'default');
  assert.match(warnings.join('\n'), /input range .* not declared/);
  await model.dispose();
});

test('a truncated ONNX file is a LineageError naming the file', { skip }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lineage-onnx-'));
  const broken = path.join(dir, 'broken.onnx');
  const bytes = await readFile(featurePath!);
  await writeFile(broken, bytes.subarray(0, Math.floor(bytes.length / 3)));
  await assert.rejects(loadModel(broken, quiet),
    (e: unknown) => e instanceof LineageError && e.message.includes(broken) && /damaged|truncated/.test(e.hint ?? ''));
});

test('a size override the model cannot take fails at load with both shapes', { skip }, async () => {
  await assert.rejects(loadModel('builtin:fr_feature', { ...quiet, size: '100' }),
    (e: unknown) => e instanceof LineageError && /\[1, 3, 112, 112\]/.test(e.message) && /100x100/.test(e.message));
  await assert.rejects(loadModel('builtin:fr_feature', { ...quiet, output: 'nope' }),
    (e: unknown) => e instanceof LineageError && /no output "nope"/.test(e.message) && /0: output/.test(e.hint ?? ''));
});

test('missing files, folders without model.json and unknown builtins are LineageErrors', async () => {
  await assert.rejects(loadModel('/no/such/model.onnx', quiet),
    (e: unknown) => e instanceof LineageError && /model not found: \/no\/such\/model\.onnx/.test(e.message) && /builtin:/.test(e.hint ?? ''));
  const dir = await mkdtemp(path.join(tmpdir(), 'lineage-empty-'));
  await assert.rejects(loadModel(dir, quiet), (e: unknown) => e instanceof LineageError && /no model\.json/.test(e.message));
  await assert.rejects(loadModel('builtin:nope', quiet),
    (e: unknown) => e instanceof LineageError && /unknown built-in/.test(e.message) && /builtin:fr_feature/.test(e.hint ?? ''));
  const text = path.join(dir, 'weights.txt');
  await writeFile(text, 'hello');
  await assert.rejects(loadModel(text, quiet), (e: unknown) => e instanceof LineageError && /unsupported model file/.test(e.message));
});
