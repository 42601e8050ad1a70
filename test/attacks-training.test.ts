import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { adversarialImages, adversarialTraining } from '../src/attacks/adversarial.js';
import { extractLabels, extractProbabilities, labelWithVictim } from '../src/attacks/extract.js';
import { finePrune } from '../src/attacks/fine-prune.js';
import { fineTune } from '../src/attacks/fine-tune.js';
import { trainFromScratch } from '../src/attacks/from-scratch.js';
import { transferLearning } from '../src/attacks/transfer.js';
import type { TrainSettings } from '../src/attacks/types.js';
import { weightCopy } from '../src/attacks/weight-copy.js';
import { loadImages } from '../src/data/load.js';
import { loadModel } from '../src/models/load.js';
import { argmaxRows } from '../src/stats/correlation.js';
import { classIndices, type TrainingData } from '../src/train/data.js';
import { predictOutputs } from '../src/train/evaluate.js';
import { loadTrainableModel } from '../src/train/save.js';

const CIFAR = path.resolve('../shared/datasets/cifar10');
const skip = existsSync(CIFAR) ? false : `CIFAR-10 not found at ${CIFAR} (the shared datasets are absent)`;
const FEW: TrainSettings = { epochs: 1, batchSize: 16, optimizer: 'adam', lr: 1e-3 };

/** 48 CIFAR-10 images spread over the classes (every 291st row), with class indices. */
async function cifarBatch(): Promise<TrainingData & { labels: Int32Array }> {
  const set = await loadImages(CIFAR, { indices: Array.from({ length: 48 }, (_, i) => i * 291) });
  return { images: set, labels: classIndices(set.labels!, set.classNames).indices };
}

/** Weights of a saved model by name. */
async function weightsOf(dir: string): Promise<Map<string, Float32Array>> {
  const { model } = await loadTrainableModel(dir);
  const out = new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
  model.dispose();
  return out;
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

test('training attacks on a tiny ResNet-8 victim and a few CIFAR-10 batches', { skip }, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-attacks-'));
  const at = (name: string) => path.join(dir, name);
  try {
    const data = await cifarBatch();
    await trainFromScratch(data, { saveTo: at('victim'), seed: 1, training: FEW, architecture: 'resnet8', classes: 10 }, 'victim');
    const victim = await weightsOf(at('victim'));

    await t.test('fine-tune-last changes only the last layer, batch-norm statistics included', async () => {
      await fineTune(at('victim'), data, { saveTo: at('ftl'), seed: 2, training: FEW, layers: 'last' });
      const tuned = await weightsOf(at('ftl'));
      for (const [name, values] of victim) {
        assert.equal(same(values, tuned.get(name)!), !name.startsWith('logits'), `${name} ${name.startsWith('logits') ? 'should change' : 'should stay'}`);
      }
    });

    await t.test('fine-tune-all changes the conv kernels', async () => {
      await fineTune(at('victim'), data, { saveTo: at('fta'), seed: 2, training: FEW, layers: 'all' });
      const tuned = await weightsOf(at('fta'));
      assert.ok(!same(victim.get('stem_conv/kernel')!, tuned.get('stem_conv/kernel')!));
    });

    await t.test('fine-pruning zeroes the expected number of channels, nested across snapshots', async () => {
      const records = await finePrune(at('victim'), data, {
        seed: 3, training: FEW, prunesPerRound: 10, fineTuneImages: 16, probeImages: 16,
        snapshots: [{ ratio: 0.2, saveTo: at('fp20') }, { ratio: 0.4, saveTo: at('fp40') }],
      });
      // ResNet-8's conv-BN-ReLU units: stem 16, s1b1_a 16, s2b1_a 32, s3b1_a 64 = 128 channels.
      assert.deepEqual(records.map((r) => r.params['prunedChannels']), [26, 51]);
      const zeroed = async (saved: string): Promise<Set<string>> => {
        const w = await weightsOf(saved);
        const out = new Set<string>();
        for (const unit of ['stem', 's1b1_a', 's2b1_a', 's3b1_a']) {
          const kernel = w.get(`${unit}_conv/kernel`)!;
          const gamma = w.get(`${unit}_bn/gamma`)!;
          const beta = w.get(`${unit}_bn/beta`)!;
          const channels = gamma.length;
          for (let c = 0; c < channels; c++) {
            let zero = gamma[c] === 0 && beta[c] === 0;
            for (let k = c; zero && k < kernel.length; k += channels) zero = kernel[k] === 0;
            if (zero) out.add(`${unit}:${c}`);
          }
        }
        return out;
      };
      const [at20, at40] = [await zeroed(at('fp20')), await zeroed(at('fp40'))];
      assert.equal(at20.size, 26);
      assert.equal(at40.size, 51);
      assert.ok([...at20].every((c) => at40.has(c)), 'channels pruned at 20 % stay pruned at 40 %');
    });

    await t.test('Extract-L trains on the victim\'s top-1 labels; Extract-P keeps the class count', async () => {
      const { model, spec } = await loadTrainableModel(at('victim'));
      const expected = argmaxRows(predictOutputs(model, data.images, spec));
      model.dispose();
      const { data: labelled, classes } = await labelWithVictim(at('victim'), data.images);
      assert.deepEqual([...labelled.labels], [...expected]);
      assert.equal(classes, 10);
      const l = await extractLabels(at('victim'), data.images, { saveTo: at('el'), seed: 4, training: FEW, architecture: 'resnet8' });
      assert.equal(l.attack, 'extract-l');
      assert.deepEqual([l.params['queries'], l.params['victimQueries']], ['once', 48]);
      const online = await extractLabels(at('victim'), data.images, { saveTo: at('el-online'), seed: 4, training: { ...FEW, epochs: 2 }, architecture: 'resnet8', queries: 'every-batch' });
      assert.deepEqual([online.params['queries'], online.params['victimQueries']], ['every-batch', 1 + 2 * 48]);
      const p = await extractProbabilities(at('victim'), data.images, { saveTo: at('ep'), seed: 4, training: FEW, architecture: 'resnet8', alpha: 0.9, temperature: 20 });
      assert.deepEqual([p.params['alpha'], p.params['temperature']], [0.9, 20]);
      const student = await loadTrainableModel(at('ep'));
      assert.equal(student.model.outputs[0]!.shape[1], 10);
      student.model.dispose();
    });

    await t.test('PGD examples stay within ε = 4/255 and adversarial training changes the model', async () => {
      const { model, spec } = await loadTrainableModel(at('victim'));
      const clean = { ...data.images, count: 8, data: data.images.data.subarray(0, 8 * 3072) };
      const adv = adversarialImages(model, spec, clean, [...data.labels.subarray(0, 8)], { epsilon: 4, step: 1, steps: 3 }, 5);
      model.dispose();
      const deltas = adv.data.map((v, i) => Math.abs(v - clean.data[i]!));
      assert.ok(Math.max(...deltas) <= 4 && deltas.some((d) => d > 0));
      await adversarialTraining(at('victim'), data, { saveTo: at('adv'), seed: 5, training: FEW, pgd: { epsilon: 4, step: 1, steps: 2 }, rounds: 1, imagesPerRound: 16 });
      assert.ok(!same(victim.get('stem_conv/kernel')!, (await weightsOf(at('adv'))).get('stem_conv/kernel')!));
    });

    await t.test('transfer learning outputs the new class count', async () => {
      const relabelled = { images: data.images, labels: Array.from(data.labels, (l) => l % 3) };
      await transferLearning(at('victim'), relabelled, { saveTo: at('tr'), seed: 6, training: FEW, classes: 3 });
      const { model } = await loadTrainableModel(at('tr'));
      assert.equal(model.outputs[0]!.shape[1], 3);
      const source = await loadTrainableModel(at('victim'));
      assert.deepEqual(model.layers.map((l) => l.name), source.model.layers.map((l) => l.name), 'the victim\'s layers under a new head');
      model.dispose();
      source.model.dispose();
    });

    await t.test('homologous: the victim\'s architecture, other weights', async () => {
      await trainFromScratch(data, { saveTo: at('hom'), seed: 7, training: FEW, architecture: 'resnet8', classes: 10 }, 'homologous');
      const hom = await weightsOf(at('hom'));
      assert.deepEqual([...hom.keys()], [...victim.keys()]);
      assert.ok([...victim].every(([name, v]) => v.length === hom.get(name)!.length));
      assert.ok(!same(victim.get('stem_conv/kernel')!, hom.get('stem_conv/kernel')!));
    });

    await t.test('weight copies keep the training spec and load', async () => {
      const record = await weightCopy(at('victim'), { kind: 'int8' }, at('int8'));
      assert.equal(record.attack, 'int8');
      const copy = await loadModel(at('int8'));
      assert.equal(copy.spec.scale, 1 / 127.5);
      await copy.dispose();
    });
  } finally {
    tf.disposeVariables();
    await rm(dir, { recursive: true, force: true });
  }
});
