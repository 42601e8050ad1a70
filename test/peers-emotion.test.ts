import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Model, Outputs } from '../src/models/types.js';
import {
  IPGUARD_DEFAULTS, akhFingerprint, deepJudgeFingerprint, hardLabels, ipguardFingerprint, modelDiffFingerprint, pixelTensor, querySuspect, scorePeer,
  whiteBox, type PeerFingerprint,
} from '../src/fingerprints/peers/index.js';
import { emotionSetup, emotionSkip as skip, ferFaces, type EmotionSetup } from './helpers/emotion.js';

// Real white-box victim (builtin:emotion, a TF.js graph model) on 6 real FER2013 test faces, against
// a copy of it with heavy weight noise. Optimisation budgets are tiny to keep this file fast.
let setup: Promise<EmotionSetup> | undefined;
const models = () => (setup ??= emotionSetup(Array.from({ length: 6 }, (_, i) => i * 599)));
after(async () => {
  if (setup) await (await setup).dispose();
});

const ranked = (out: Outputs, i: number) => Array.from(out.data.subarray(i * out.cols, (i + 1) * out.cols)).map((z, c) => ({ z, c })).sort((a, b) => b.z - a.z);
async function selfAndNoisy(fp: PeerFingerprint, victim: Model, noisy: Model) {
  return { self: scorePeer(fp, await querySuspect(fp, victim)), noisy: scorePeer(fp, await querySuspect(fp, noisy)) };
}

test('the white-box forward pass (preprocessing as tf ops) gives the logits predict gives', { skip }, async () => {
  const { victim, seeds } = await models();
  const box = await whiteBox(victim);
  const x = pixelTensor(box, seeds);
  const logits = tf.tidy(() => box.logits(x).dataSync());
  x.dispose();
  const expected = (await victim.predict(seeds)).data;
  assert.ok(expected.every((v, k) => Math.abs(v - logits[k]!) < 1e-4));
});

test('IPGuard on builtin:emotion: boundary points sit just past the i/j boundary; a noisy copy matches less', { skip }, async () => {
  const { victim, noisy, seeds } = await models();
  const clean = hardLabels(await victim.predict(seeds));
  const fp = await ipguardFingerprint(victim, seeds);
  assert.equal(fp.inputs.count, seeds.count);
  for (let i = 0; i < fp.inputs.count; i++) {
    const [top, second] = ranked(fp.victimOutputs, i);
    assert.equal(second!.c, clean[i], `point ${i}: the seed's class is the runner-up`);
    assert.notEqual(top!.c, clean[i]);
    const gap = top!.z - second!.z;
    assert.ok(gap > IPGUARD_DEFAULTS.k / 2 && gap < 2 * IPGUARD_DEFAULTS.k, `point ${i}: top-2 gap ${gap}`);
  }
  const { self, noisy: copy } = await selfAndNoisy(fp, victim, noisy);
  assert.equal(self[0]!.value, 1);
  assert.ok(copy[0]!.value < 1, `noisy copy matching rate ${copy[0]!.value}`);
  console.log(`IPGuard: ${fp.meta.seconds.toFixed(1)} s, ${fp.meta.queriesToBuild} victim evaluations, ${JSON.stringify(fp.meta.params)}; noisy copy matches ${copy[0]!.value}`);
});

test('ModelDiff and DeepJudge on builtin:emotion: twins stay in the ε-ball; self scores are perfect, the noisy copy is further', { skip }, async () => {
  const { victim, noisy, seeds } = await models();
  const budget = { steps: 4, epsilon: 8, step: 3 };
  const md = await modelDiffFingerprint(victim, seeds, budget);
  assert.equal(md.inputs.count, 2 * seeds.count);
  const size = seeds.data.length;
  assert.deepEqual(md.inputs.data.subarray(0, size), seeds.data);
  assert.ok(md.inputs.data.subarray(size).every((v, k) => Math.abs(v - seeds.data[k]!) <= budget.epsilon));
  const mdScores = await selfAndNoisy(md, victim, noisy);
  assert.ok(Math.abs(mdScores.self[0]!.value - 1) < 1e-9);
  assert.ok(mdScores.noisy[0]!.value < mdScores.self[0]!.value);

  const dj = await deepJudgeFingerprint(victim, seeds, budget);
  const djScores = await selfAndNoisy(dj, victim, noisy);
  const [rob, jsd] = djScores.self;
  assert.ok(rob!.value <= 0.5, `PGD should fool the victim on most seeds (Rob ${rob!.value})`);
  assert.equal(jsd!.value, 0);
  assert.ok(djScores.noisy[1]!.value > 0);
  console.log(`ModelDiff: ${md.meta.seconds.toFixed(1)} s, ${md.meta.queriesToBuild} evaluations, noisy DDV cosine ${mdScores.noisy[0]!.value.toFixed(3)}; ` +
    `DeepJudge: ${dj.meta.seconds.toFixed(1)} s, victim Rob ${rob!.value.toFixed(2)}, noisy Rob ${djScores.noisy[0]!.value.toFixed(2)} JSD ${djScores.noisy[1]!.value.toFixed(3)}`);
});

test('AKH on builtin:emotion: inputs are real faces the victim gets wrong; Hamming 0 to itself', { skip }, async () => {
  const { victim, noisy } = await models();
  const pool = await ferFaces(Array.from({ length: 60 }, (_, i) => i * 59));
  const fp = await akhFingerprint(victim, pool, { samples: 8 });
  assert.equal(fp.inputs.count, 8);
  const classOf = (i: number) => pool.classNames!.indexOf(pool.labels![i]!);
  const truth = Array.from({ length: pool.count }, (_, i) => ({ bytes: pool.data.subarray(i * 4096, (i + 1) * 4096), label: classOf(i) }));
  const predicted = hardLabels(fp.victimOutputs);
  for (let k = 0; k < fp.inputs.count; k++) {
    const bytes = fp.inputs.data.subarray(k * 4096, (k + 1) * 4096);
    const source = truth.find((t) => t.bytes.every((v, j) => v === bytes[j]));
    assert.ok(source, `input ${k} is one of the pool images, byte for byte`);
    assert.notEqual(predicted[k], source.label, `the victim misclassifies input ${k}`);
  }
  const { self, noisy: copy } = await selfAndNoisy(fp, victim, noisy);
  assert.equal(self[0]!.value, 0);
  assert.ok(copy[0]!.value > 0);
  assert.ok(fp.meta.queriesToBuild >= pool.count);
});
