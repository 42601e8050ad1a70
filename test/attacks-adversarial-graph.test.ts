import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { adversarialImages, type PgdSettings } from '../src/attacks/adversarial.js';
import { adversarialTrainingGraph } from '../src/attacks/adversarial-graph.js';
import type { ImageBatch } from '../src/data/types.js';
import { loadModel } from '../src/models/load.js';
import { classIndices } from '../src/train/data.js';
import { evaluate } from '../src/train/evaluate.js';
import { initTrainingBackend } from '../src/train/backend.js';
import { loadGraphTrainable } from '../src/train/graph.js';
import { trainModel } from '../src/train/loop.js';
import { crossEntropy } from '../src/train/losses.js';
import { emotionSkip, ferFaces, quiet } from './helpers/emotion.js';

const PGD: PgdSettings = { epsilon: 4, step: 2, steps: 2 };

/** Cross-entropy of the graph model at `source` on PGD examples crafted against itself. */
async function adversarialLoss(source: string, images: ImageBatch, labels: Int32Array): Promise<number> {
  const model = await loadGraphTrainable(source, quiet);
  try {
    const spec = model.defaultSpec();
    const adversarial = adversarialImages(model, spec, images, [...labels], PGD, 9);
    return evaluate((x) => model.apply(x, false), { images: adversarial, labels }, spec, crossEntropy()).loss;
  } finally {
    model.dispose();
  }
}

test('adversarial training of builtin:emotion lowers its loss on its own PGD examples and saves a loadable classifier', { skip: emotionSkip, timeout: 60_000 }, async () => {
  const faces = await ferFaces(Array.from({ length: 16 }, (_, i) => i * 37));
  const { indices: labels } = classIndices(faces.labels!, faces.classNames);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-adv-graph-'));
  try {
    const record = await adversarialTrainingGraph('builtin:emotion', { images: faces, labels }, {
      layers: { last: 2 }, pgd: PGD, saveTo: path.join(dir, 'adv'), seed: 3, training: { epochs: 3, batchSize: 8, lr: 1e-2 },
    });
    assert.equal(record.attack, 'adv-train');
    assert.equal(record.params['steps'], 2);
    assert.deepEqual(record.params['layers'], { last: 2 });
    const before = await adversarialLoss('builtin:emotion', faces, labels);
    const after = await adversarialLoss(record.output, faces, labels);
    assert.ok(after < 0.8 * before, `adversarial loss ${before.toFixed(3)} → ${after.toFixed(3)}`);
    const copy = await loadModel(record.output, quiet);
    try {
      const outputs = await copy.predict(faces);
      assert.equal(outputs.cols, 7, 'the copy keeps the 7 FER2013 logits');
      assert.ok(outputs.data.every(Number.isFinite));
    } finally {
      await copy.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the training loop trains on every batch plus its adversary\'s images, with the batch\'s labels', async () => {
  await initTrainingBackend();
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3 })] });
  const images: ImageBatch = { data: Uint8Array.from({ length: 5 * 4 }, (_, i) => i * 12), count: 5, height: 2, width: 2, channels: 1 };
  const labels = Int32Array.from([0, 1, 2, 1, 0]);
  const seen: { count: number; labels: readonly number[] }[] = [];
  const adversary = (batch: ImageBatch, batchLabels: readonly number[]): ImageBatch => {
    seen.push({ count: batch.count, labels: batchLabels });
    return { ...batch, data: batch.data.map((v) => 255 - v) };
  };
  await trainModel(model, { images, labels }, { epochs: 2, batchSize: 2, seed: 1, adversary });
  assert.deepEqual(seen.map((s) => s.count), [2, 2, 1, 2, 2, 1], 'one call per batch, each drawn batch as it is');
  const given = seen.slice(0, 3).flatMap((s) => s.labels).sort();
  assert.deepEqual(given, [0, 0, 1, 1, 2], 'the labels of the batch\'s own images');
  await assert.rejects(trainModel(model, { images }, { epochs: 1, seed: 1, adversary }), /needs labelled images/);
  model.dispose();
});

test('adversarial graph training refuses unlabelled data, bad PGD settings and embedding models', { skip: emotionSkip, timeout: 30_000 }, async () => {
  const faces = await ferFaces([0, 1]);
  const labels = Int32Array.from([0, 1]);
  const options = { layers: 'all' as const, pgd: PGD, saveTo: path.join(os.tmpdir(), 'lineage-adv-graph-never'), seed: 1, training: { epochs: 1 } };
  await assert.rejects(adversarialTrainingGraph('builtin:emotion', { images: faces }, options), /needs labelled images/);
  await assert.rejects(adversarialTrainingGraph('builtin:emotion', { images: faces, labels }, { ...options, pgd: { epsilon: 4, step: 1, steps: 0 } }), /invalid PGD settings/);
  await assert.rejects(adversarialTrainingGraph('builtin:mobileface', { images: faces, labels }, options), /outputs embeddings/);
});
