import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { extractFromPublicInit } from '../src/attacks/extract-public.js';
import { finePruneGraph } from '../src/attacks/fine-prune-graph.js';
import { fineTuneGraph } from '../src/attacks/fine-tune-graph.js';
import { selectImages, type ImageBatch } from '../src/data/types.js';
import { loadModel } from '../src/models/load.js';
import type { Outputs } from '../src/models/types.js';
import { loadGraphTrainable } from '../src/train/graph.js';
import { LFW_SKIP, lfwIdentityFaces } from './helpers/lfw.js';

const quiet = { onWarning: () => {} };
const training = { epochs: 1, batchSize: 8, lr: 1e-4 };

/** Mean cosine between matching rows. */
function meanCosine(a: Outputs, b: Outputs): number {
  let sum = 0;
  for (let r = 0; r < a.rows; r++) {
    const x = a.data.subarray(r * a.cols, (r + 1) * a.cols);
    const y = b.data.subarray(r * b.cols, (r + 1) * b.cols);
    sum += x.reduce((s, v, i) => s + v * y[i]!, 0) / Math.hypot(...x) / Math.hypot(...y);
  }
  return sum / a.rows;
}

/** Outputs of the saved copy and of `victim` on `images`. */
async function copyAndVictim(saved: string, victim: string, images: ImageBatch): Promise<[Outputs, Outputs]> {
  const [copy, original] = await Promise.all([loadModel(saved, quiet), loadModel(victim, quiet)]);
  try {
    return [await copy.predict(images), await original.predict(images)];
  } finally {
    await Promise.all([copy.dispose(), original.dispose()]);
  }
}

async function studentAnswers(saved: string, images: ImageBatch): Promise<Outputs> {
  const student = await loadModel(saved, quiet);
  try {
    return await student.predict(images);
  } finally {
    await student.dispose();
  }
}

test('fine-tune-all and fine-tune-last (CosFace) copy builtin:mobileface into loadable graph folders', { skip: LFW_SKIP, timeout: 120_000 }, async () => {
  const { images, labels } = await lfwIdentityFaces(4, 4, 112);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-graph-attack-'));
  try {
    const probe = selectImages(images, [0, 4, 8, 12]);
    const all = await fineTuneGraph('builtin:mobileface', { images, labels }, { layers: 'all', saveTo: path.join(dir, 'all'), seed: 4, training });
    assert.equal(all.attack, 'fine-tune-all');
    assert.deepEqual(all.params['objective'], { kind: 'cosface', scale: 30, margin: 0.35 });
    assert.equal(all.params['classes'], 4);
    assert.ok(all.seconds > 0);
    const [copy, victim] = await copyAndVictim(all.output, 'builtin:mobileface', probe);
    assert.equal(copy.cols, 256, 'the head is dropped: the copy is an embedding model like the victim');
    const fidelity = meanCosine(copy, victim);
    assert.ok(fidelity < 0.9999 && fidelity > 0.5, `a fine-tuned copy stays close but not identical: ${fidelity}`);

    const last = await fineTuneGraph('builtin:mobileface', { images, labels }, { layers: { last: 2 }, saveTo: path.join(dir, 'last'), seed: 4, training });
    assert.equal(last.attack, 'fine-tune-last');
    const [lastCopy] = await copyAndVictim(last.output, 'builtin:mobileface', probe);
    assert.ok(meanCosine(lastCopy, victim) > fidelity, 'training only the last weights changes less than training all');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fine-tuning a classifier graph (builtin:emotion) defaults to cross-entropy on its logits', { skip: LFW_SKIP, timeout: 60_000 }, async () => {
  const { images, labels } = await lfwIdentityFaces(4, 4, 64);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-graph-attack-'));
  try {
    const record = await fineTuneGraph('builtin:emotion', { images, labels }, { layers: 'all', saveTo: path.join(dir, 'emo'), seed: 1, training });
    assert.deepEqual(record.params['objective'], { kind: 'cross-entropy' });
    const [copy] = await copyAndVictim(record.output, 'builtin:emotion', selectImages(images, [0]));
    assert.equal(copy.cols, 7);
    await assert.rejects(fineTuneGraph('builtin:emotion', { images }, { layers: 'all', saveTo: path.join(dir, 'x'), seed: 1, training }), /needs labelled attacker data/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fine-prune zeroes the weakest channels of every conv and keeps them at zero through the fine-tune', { skip: LFW_SKIP, timeout: 120_000 }, async () => {
  const { images, labels } = await lfwIdentityFaces(4, 4, 112);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-graph-attack-'));
  try {
    const record = await finePruneGraph('builtin:mobileface', { images, labels }, { ratio: 0.25, probeImages: 8, saveTo: path.join(dir, 'pruned'), seed: 2, training });
    assert.equal(record.attack, 'fine-prune');
    const pruned = record.params['prunedChannels'] as number;
    const total = record.params['prunableChannels'] as number;
    assert.ok(pruned > 0.2 * total && pruned <= 0.25 * total, `${pruned} of ${total} channels pruned`);
    const saved = await loadGraphTrainable(record.output, quiet);
    try {
      let zero = 0;
      for (const conv of saved.convs) {
        const filter = saved.weight(conv.filter);
        const channels = conv.depthwise ? filter.shape[2]! * filter.shape[3]! : filter.shape[3]!;
        const values = await filter.data();
        const live = new Set<number>();
        values.forEach((v, i) => v !== 0 && live.add(i % channels));
        zero += channels - live.size;
      }
      assert.equal(zero, pruned, 'exactly the pruned channels are all-zero in the saved model');
    } finally {
      saved.dispose();
    }
    const [copy, victim] = await copyAndVictim(record.output, 'builtin:mobileface', selectImages(images, [0, 5]));
    assert.equal(copy.cols, victim.cols);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('extraction from a public init trains another public model (with a kept projection) towards the victim', { skip: LFW_SKIP, timeout: 120_000 }, async () => {
  const faces = (await lfwIdentityFaces(5, 4, 112)).images;
  const images = selectImages(faces, Array.from({ length: 16 }, (_, i) => i));
  const heldOut = selectImages(faces, [16, 17, 18, 19]);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-graph-attack-'));
  const victim = await loadModel('builtin:mobileface', quiet);
  try {
    const losses: number[] = [];
    const record = await extractFromPublicInit(victim, images, {
      start: 'builtin:emotion', saveTo: path.join(dir, 'student'), seed: 5, heldOut, training: { epochs: 3, batchSize: 8, lr: 3e-3 },
      onProgress: (p) => p.phase === 'epoch' && losses.push(p.loss),
    });
    assert.equal(record.attack, 'extract-public-init');
    assert.equal(record.params['queries'], 16 + 4);
    assert.ok(Math.abs((record.params['heldOutCosine'] as number) - meanCosine(await studentAnswers(record.output, heldOut), await victim.predict(heldOut))) < 1e-4);
    assert.ok(losses[2]! < losses[0]!, `1 − cos falls: ${losses.join(' → ')}`);
    const answers = await studentAnswers(record.output, images);
    assert.equal(answers.cols, 256, 'the projection onto the victim\'s 256-d embedding is part of the saved model');
    const fit = meanCosine(answers, await victim.predict(images));
    assert.ok(1 - fit < losses[0]!, `the saved student answers its training queries as trained: cosine ${fit}, losses ${losses.join(' → ')}`);
    await assert.rejects(extractFromPublicInit(victim, images, { start: 'builtin:emotion', saveTo: path.join(dir, 'x'), seed: 1, training: { ...training, augment: { flip: true } } }), /answers to the images as sent/);
  } finally {
    await victim.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
