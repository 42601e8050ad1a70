import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fineTuneGraph } from '../src/attacks/fine-tune-graph.js';
import { selectImages, type ImageBatch } from '../src/data/types.js';
import { loadModel } from '../src/models/load.js';
import type { Outputs } from '../src/models/types.js';
import { LFW_SKIP, lfwIdentityFaces } from './helpers/lfw.js';

const quiet = { onWarning: () => {} };
const training = { epochs: 1, batchSize: 8, lr: 1e-3 };

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
