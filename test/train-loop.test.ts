import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadU8Dataset } from '../src/data/u8.js';
import { selectImages, type ImageBatch } from '../src/data/types.js';
import type { Outputs } from '../src/models/types.js';
import { loadModel } from '../src/models/load.js';
import { initTrainingBackend } from '../src/train/backend.js';
import { classIndices, supervision, type TrainingData } from '../src/train/data.js';
import { LineageError } from '../src/errors.js';
import { evaluate, predictOutputs } from '../src/train/evaluate.js';
import { trainModel, type TrainProgress } from '../src/train/loop.js';
import { crossEntropy } from '../src/train/losses.js';
import { trainingSpec } from '../src/train/preprocess.js';
import { loadTrainableModel } from '../src/train/save.js';
import { Random } from '../src/util/random.js';

const CIFAR = path.resolve('../shared/datasets/cifar10');

/** conv-BN-ReLU ×2 with pooling → logits: small enough to train a few epochs in seconds. */
function tinyCnn(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  let x = input as tf.SymbolicTensor;
  [8, 16].forEach((filters, i) => {
    x = tf.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: seed + i }) }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 9 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

test('train a tiny CNN on 256 CIFAR-10 images, save, reload with loadModel: same logits', {
  skip: existsSync(path.join(CIFAR, 'images.u8')) ? false : `CIFAR-10 not found at ${CIFAR}`,
}, async () => {
  await initTrainingBackend();
  const indices = new Random(5).permutation(14000).slice(0, 256);
  const set = await loadU8Dataset(CIFAR, { indices });
  const data: TrainingData = { images: set, labels: classIndices(set.labels!, set.classNames).indices };

  const model = tinyCnn(11);
  const spec = trainingSpec(32, 32, 3);
  const before = evaluate((x) => model.predict(x) as tf.Tensor2D, data, spec, crossEntropy());
  const progress: TrainProgress[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-train-'));
  try {
    const saveTo = path.join(dir, 'tiny');
    const result = await trainModel(model, data, {
      epochs: 4, batchSize: 32, lr: 3e-3, seed: 1, schedule: 'cosine',
      augment: { crop: 2, flip: true }, validation: data, keepBest: true, saveTo,
      onProgress: (p) => progress.push(p),
    });
    const after = evaluate((x) => model.predict(x) as tf.Tensor2D, data, spec, crossEntropy());
    assert.ok(after.loss < before.loss - 0.05, `loss ${before.loss} → ${after.loss} should decrease`);
    assert.ok(result.history[3]!.loss < result.history[0]!.loss, 'training loss decreases over epochs');
    assert.equal(progress.filter((p) => p.phase === 'batch').length, 4 * 8);
    assert.ok(result.bestEpoch !== undefined && result.bestEpoch >= 1 && result.bestEpoch <= 4);

    const sidecar = JSON.parse(await readFile(path.join(saveTo, 'model.lineage.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(sidecar['size'], [32, 32]);
    assert.equal(sidecar['outputKind'], 'logits');

    const sample = selectImages(set, [0, 1, 2, 3, 4, 5, 6, 7]);
    const expected = predictOutputs(model, sample, result.spec);
    const loaded = await loadModel(saveTo, { onWarning: (m) => assert.fail(`unexpected warning: ${m}`) });
    const got = await loaded.predict(sample);
    await loaded.dispose();
    assert.equal(got.cols, 10);
    const worst = Math.max(...got.data.map((v, i) => Math.abs(v - expected.data[i]!)));
    assert.ok(worst < 1e-4, `reloaded logits differ by ${worst}`);

    const { model: again, spec: againSpec } = await loadTrainableModel(saveTo);
    assert.deepEqual({ ...againSpec, normalisationSource: undefined }, { ...result.spec, normalisationSource: undefined });
    assert.deepEqual(predictOutputs(again, sample, againSpec).data, expected.data);
    again.dispose();
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a teacher answers every augmented batch, and its rows replace the data\'s targets', async () => {
  await initTrainingBackend();
  const random = new Random(5);
  const count = 48;
  const size = 32 * 32 * 3;
  const images: ImageBatch = { data: Uint8Array.from({ length: count * size }, () => random.int(256)), count, height: 32, width: 32, channels: 3 };
  const stored = new Set(Array.from({ length: count }, (_, i) => Buffer.from(images.data.subarray(i * size, (i + 1) * size)).toString('base64')));
  const seen: number[] = [];
  let augmented = 0;
  // Whatever the image, the teacher says class 7: a student that learns from it predicts 7.
  const teacher = (batch: ImageBatch): Outputs => {
    seen.push(batch.count);
    for (let i = 0; i < batch.count; i++) {
      if (!stored.has(Buffer.from(batch.data.subarray(i * size, (i + 1) * size)).toString('base64'))) augmented++;
    }
    const rows = new Float32Array(batch.count * 10);
    for (let i = 0; i < batch.count; i++) rows[i * 10 + 7] = 5;
    return { data: rows, rows: batch.count, cols: 10 };
  };
  const model = tinyCnn(3);
  await trainModel(model, { images }, { epochs: 3, batchSize: 16, optimizer: 'adam', lr: 1e-2, seed: 2, augment: { crop: 4, flip: true }, teacher });
  assert.deepEqual(seen, new Array(9).fill(16), 'one call per batch, with the batch\'s images');
  assert.ok(augmented > count, `the teacher saw augmented pixels (${augmented} of ${3 * count} images were not stored ones)`);
  const predicted = predictOutputs(model, images, trainingSpec(32, 32, 3));
  const sevens = Array.from({ length: count }, (_, i) => predicted.data.subarray(i * 10, (i + 1) * 10)).filter((row) => row.indexOf(Math.max(...row)) === 7).length;
  assert.equal(sevens, count, 'the student learnt the teacher\'s answer, not anything in the data');
  model.dispose();
});

test('a teacher that answers the wrong number of rows is a clear error', async () => {
  await initTrainingBackend();
  const images: ImageBatch = { data: new Uint8Array(4 * 3), count: 4, height: 1, width: 1, channels: 3 };
  const answered: Outputs = { data: new Float32Array(3 * 10), rows: 3, cols: 10 };
  assert.throws(() => supervision({ images }, [0, 1, 2, 3], answered), (e) => e instanceof LineageError && /answered 3 rows for a batch of 4/.test(e.message));
  const fine = supervision({ images }, [0, 1, 2], answered);
  assert.deepEqual(fine.targets!.shape, [3, 10]);
  fine.targets!.dispose();
});
