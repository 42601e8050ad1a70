import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from '../src/data/types.js';
import type { InputSpec } from '../src/models/types.js';
import { faceApiExpressionLayers } from '../src/train/face-api-layers.js';
import { LineageError } from '../src/errors.js';
import { exportOnnx, onnxFromLayersModel } from '../src/export/onnx-export.js';
import { loadModel } from '../src/models/load.js';
import { architectureNames, buildModel, type ArchitectureName } from '../src/train/architectures.js';
import { initTrainingBackend } from '../src/train/backend.js';
import { trainingSpec } from '../src/train/preprocess.js';
import { saveTrainedModel } from '../src/train/save.js';
import { Random } from '../src/util/random.js';
import { missingBuiltins } from './helpers/builtins.js';
import { assertCleanError, runCli } from './helpers/cli.js';

function randomImages(count: number, size: number, channels: 1 | 3, seed: number): ImageBatch {
  const random = new Random(seed);
  return { data: Uint8Array.from({ length: count * size * size * channels }, () => random.int(256)), count, height: size, width: size, channels };
}

/** Batch-norm statistics and affine weights away from their initial 0 / 1, so the export of each is checked. */
function perturbBatchNorm(model: tf.LayersModel, seed: number): void {
  const random = new Random(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(layer.getWeights().map((w, k) => tf.tensor(Float32Array.from({ length: w.size }, () => (k === 3 ? 0.5 + random.next() : random.next() - 0.5)), w.shape)));
  }
}

const sizes: Record<ArchitectureName, [number, 1 | 3]> = {
  resnet8: [32, 3], resnet20: [32, 3], 'vgg-small': [32, 3], 'mobilenetv2-small': [32, 3], 'fer-cnn': [48, 1],
};

test('ONNX export: every architecture gives the TF.js model\'s logits in onnxruntime, through loadModel', { timeout: 120_000 }, async (t) => {
  await initTrainingBackend();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-onnx-export-'));
  try {
    for (const name of architectureNames) {
      await t.test(name, async () => {
        const [size, channels] = sizes[name];
        const model = buildModel(name, { inputShape: [size, size, channels], classes: 7, seed: 3 });
        perturbBatchNorm(model, 4);
        const folder = path.join(dir, name);
        await saveTrainedModel(model, folder, trainingSpec(size, size, channels));
        model.dispose();
        const file = path.join(dir, `${name}.onnx`);
        const written = await exportOnnx(folder, file);
        assert.equal(written.sidecar, path.join(dir, `${name}.lineage.json`));
        const [original, exported] = [await loadModel(folder), await loadModel(file)];
        assert.equal(exported.spec.layout, 'nchw');
        const images = randomImages(5, size, channels, 9);
        const [a, b] = [await original.predict(images), await exported.predict(images)];
        await original.dispose();
        await exported.dispose();
        assert.deepEqual([b.rows, b.cols], [5, 7]);
        const scale = Math.max(...a.data.map(Math.abs));
        const worst = Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]!)));
        assert.ok(worst <= 1e-4 * Math.max(1, scale), `${name}: largest logit difference ${worst} (logits up to ${scale})`);
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Export `model` (saved with `spec`) and the largest logit difference between the folder and the ONNX file on `images`, relative to the logits' size. */
async function exportedDifference(model: tf.LayersModel, spec: InputSpec, images: ImageBatch): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-onnx-layers-'));
  try {
    await saveTrainedModel(model, path.join(dir, 'model'), spec);
    await exportOnnx(path.join(dir, 'model'), path.join(dir, 'model.onnx'));
    const [original, exported] = [await loadModel(path.join(dir, 'model')), await loadModel(path.join(dir, 'model.onnx'))];
    const [a, b] = [await original.predict(images), await exported.predict(images)];
    await original.dispose();
    await exported.dispose();
    assert.deepEqual([b.rows, b.cols], [a.rows, a.cols]);
    return Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]!))) / Math.max(1, ...a.data.map(Math.abs));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('ONNX export: separable convolutions and a flatten over h×w > 1 (TF\'s h, w, c order) give the TF.js logits', async () => {
  await initTrainingBackend();
  const input = tf.input({ shape: [12, 12, 3] });
  let x = tf.layers.separableConv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', depthwiseInitializer: tf.initializers.glorotUniform({ seed: 1 }), pointwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 3 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.flatten({}).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(x) as tf.SymbolicTensor });
  try {
    const worst = await exportedDifference(model, trainingSpec(12, 12, 3), randomImages(3, 12, 3, 5));
    assert.ok(worst <= 1e-4, `largest relative logit difference ${worst}`);
  } finally {
    model.dispose();
  }
});

test('ONNX export: a student started from face-api\'s expression net exports with its logits', { skip: missingBuiltins(['faceapi_expression']) }, async () => {
  const { model, spec } = await faceApiExpressionLayers();
  try {
    const worst = await exportedDifference(model, spec, randomImages(2, 112, 3, 6));
    assert.ok(worst <= 1e-4, `largest relative logit difference ${worst}`);
  } finally {
    model.dispose();
  }
});

test('ONNX export: the input spec travels in the model\'s metadata and the sidecar', async () => {
  await initTrainingBackend();
  const model = buildModel('resnet8', { inputShape: [32, 32, 3], classes: 10, seed: 1 });
  const { bytes, spec } = onnxFromLayersModel(model, trainingSpec(32, 32, 3));
  assert.deepEqual([spec.layout, spec.inputName, spec.output], ['nchw', 'image', 0]);
  model.dispose();
  const text = Buffer.from(bytes).toString('latin1');
  assert.match(text, /lineage\.spec/);
  assert.match(text, /"layout":"nchw"/);
  assert.match(text, /"scale":0\.00784313725490196/);
});

test('ONNX export: unsupported layers and unreadable folders are refused with the reason', async () => {
  await initTrainingBackend();
  const input = tf.input({ shape: [8, 8, 3] });
  const up = tf.layers.upSampling2d({ name: 'up', size: [2, 2] }).apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(up) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(pooled) as tf.SymbolicTensor });
  assert.throws(() => onnxFromLayersModel(model, trainingSpec(8, 8, 3)), (e) => e instanceof LineageError && /layer "up" \(UpSampling2D\)/.test(e.message) && /SeparableConv2D/.test(e.hint ?? ''));
  model.dispose();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-onnx-bad-'));
  try {
    await writeFile(path.join(dir, 'model.json'), '{ not json');
    const out = path.join(dir, 'out.onnx');
    await assert.rejects(exportOnnx(dir, out), (e) => e instanceof LineageError && /cannot read trained model/.test(e.message));
    await assert.rejects(readFile(out), /ENOENT/, 'nothing is written when the export fails');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('lineage export writes the ONNX file and its spec; a bad folder is one clean error and no file', { timeout: 120_000 }, async () => {
  await initTrainingBackend();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-onnx-cli-'));
  try {
    const model = buildModel('resnet8', { inputShape: [32, 32, 3], classes: 10, seed: 2 });
    await saveTrainedModel(model, path.join(dir, 'victim'), trainingSpec(32, 32, 3));
    model.dispose();
    const ok = await runCli(['export', path.join(dir, 'victim'), '--out', path.join(dir, 'victim.onnx')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /wrote .*victim\.onnx .*victim\.lineage\.json/);
    // tfjs prints this banner when it falls back to its slow cpu backend (the export once did).
    assert.doesNotMatch(ok.stdout + ok.stderr, /running TensorFlow\.js in Node\.js/);
    const spec = JSON.parse(await readFile(path.join(dir, 'victim.lineage.json'), 'utf8')) as { layout: string; size: number[] };
    assert.deepEqual([spec.layout, spec.size], ['nchw', [32, 32]]);
    const bad = await runCli(['export', path.join(dir, 'missing'), '--out', path.join(dir, 'missing.onnx')]);
    assertCleanError(bad, [/cannot read trained model .*missing/]);
    await assert.rejects(readFile(path.join(dir, 'missing.onnx')), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
