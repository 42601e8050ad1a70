import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageBatch } from '../src/data/types.js';
import type { Model } from '../src/models/types.js';
import { buildZoo } from '../src/zoo/build.js';
import type { ZooManifest, ZooModel } from '../src/zoo/manifest.js';
import type { ZooPreset } from '../src/zoo/preset.js';
import { summariseZoo } from '../src/zoo/summary.js';
import { BROKEN_COPY, floorText, zooUtility } from '../src/zoo/utility.js';
import { loadVerificationPairs, verificationAuc } from '../src/zoo/verification.js';
import { LFW, LFW_SKIP } from './helpers/lfw.js';

const zoo = (task: ZooManifest['task'], models: ZooModel[]): ZooManifest => ({ format: 'lineage-zoo', version: 1, name: 'z', task, data: { path: 'data' }, createdAt: '', models });
const m = (id: string, role: ZooModel['role'], group: string, extra: Partial<ZooModel> = {}): ZooModel => ({ id, path: id, role, group, ...extra });

test('zooUtility: classifiers need test accuracy ≥ victim − 0.05; only stolen models are judged', () => {
  const manifest = zoo('classification', [
    m('v', 'victim', 'victim', { testAccuracy: 0.6 }),
    m('ok', 'stolen', 'fine-prune', { testAccuracy: 0.56 }),
    m('edge', 'stolen', 'fine-prune', { testAccuracy: 0.555 }),
    m('weak', 'stolen', 'fine-prune', { testAccuracy: 0.54 }),
    m('fp16', 'stolen', 'quantise'),
    m('other', 'independent', 'irrelevant', { testAccuracy: 0.3 }),
  ]);
  const u = zooUtility(manifest);
  assert.ok(Math.abs(u.get('ok')!.floor! - 0.55) < 1e-12);
  assert.deepEqual(['ok', 'edge', 'weak', 'fp16', 'other'].map((id) => u.get(id)!.broken), [false, false, true, false, false]);
  assert.equal(u.get('fp16')!.value, undefined, 'unmeasured: not guessed');
  assert.equal(u.get('other')!.metric, 'test accuracy');
  assert.equal(floorText(manifest), 'utility floor: test accuracy ≥ 0.550 (victim 0.600 − 0.05)');
});

test('zooUtility: face zoos use verification AUC − 0.03; a zoo without it judges nothing', () => {
  const faces = zoo('face-embedding', [
    m('v', 'victim', 'victim', { verificationAuc: 0.98, testAccuracy: 0.1 }),
    m('a', 'stolen', 'noise', { verificationAuc: 0.95 }),
    m('b', 'stolen', 'noise', { verificationAuc: 0.949 }),
  ]);
  assert.deepEqual([...zooUtility(faces).values()].map((x) => x.broken), [false, false, true]);
  const old = zoo('face-embedding', [m('v', 'victim', 'victim'), m('a', 'stolen', 'noise', { verificationAuc: 0.2 })]);
  assert.deepEqual(zooUtility(old).get('a'), { metric: 'verification AUC', value: 0.2, broken: false });
  assert.match(floorText(old), /unmeasured/);
});

test('summariseZoo: broken copies form their own last row, with their utility and attacks', () => {
  const [victim, prune, irrelevant, broken, ...rest] = summariseZoo(zoo('classification', [
    m('v', 'victim', 'victim', { testAccuracy: 0.6 }),
    m('p1', 'stolen', 'prune', { testAccuracy: 0.58 }),
    m('p2', 'stolen', 'prune', { testAccuracy: 0.4 }),
    m('x1', 'stolen', 'extract', { testAccuracy: 0.3 }),
    m('i', 'independent', 'irrelevant', { testAccuracy: 0.2 }),
  ]));
  assert.equal(rest.length, 0);
  assert.deepEqual([victim!.group, prune!.group, irrelevant!.group, broken!.group], ['victim', 'prune', 'irrelevant', BROKEN_COPY]);
  assert.equal(prune!.models, 1);
  assert.deepEqual(broken!.utility, { mean: 0.35, min: 0.3, max: 0.4 });
  assert.deepEqual(broken!.attacks, ['prune', 'extract']);
});

/** A model whose embedding of an image is the row of `vectors` named by the image's first byte. */
function lookupModel(vectors: number[][]): Model {
  return {
    source: 'lookup', queries: 0, dispose: async () => {},
    spec: { height: 1, width: 1, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0], std: [1], output: 0, outputKind: 'embedding' },
    predict: async (batch: ImageBatch) => {
      const rows = Array.from({ length: batch.count }, (_, i) => vectors[batch.data[i * 3]!]!);
      return { data: Float32Array.from(rows.flat()), rows: rows.length, cols: 2 };
    },
  };
}

test('verificationAuc: same-person pairs ranked by cosine above different-person pairs (hand-computed)', async () => {
  // Images 0..3; embeddings at angles 0°, 10°, 90°, 35°.
  const deg = (a: number) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)];
  const model = lookupModel([deg(0), deg(10), deg(90), deg(35)]);
  const images: ImageBatch = { data: Uint8Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]), count: 4, height: 1, width: 1, channels: 3 };
  const pair = (a: number, b: number, same: boolean) => ({ a, b, same, fold: 1 });
  // same: cos 10° (0,1), cos 55° (2,3); different: cos 90° (0,2), cos 25° (1,3) → 10° beats both, 55° beats 90° only → 3/4.
  assert.equal(await verificationAuc(model, { images, pairs: [pair(0, 1, true), pair(2, 3, true), pair(0, 2, false), pair(1, 3, false)] }), 0.75);
});

test('zoo build: a model with nothing to build is measured once and kept on a rerun', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-utility-'));
  let measured = 0;
  const preset: ZooPreset = {
    name: 'measured', description: 'test', task: 'face-embedding',
    data: async () => ({ path: 'data' }),
    async *models() {
      yield { model: m('v', 'victim', 'victim', { path: 'builtin:v' }), measure: async () => ({ verificationAuc: 0.5 + ++measured / 10 }) };
      yield { model: m('i', 'independent', 'irrelevant', { path: 'builtin:i' }) };
    },
  };
  try {
    const first = await buildZoo(dir, preset);
    assert.equal(first.models[0]!.verificationAuc, 0.6);
    const again = await buildZoo(dir, preset);
    assert.equal(again.models[0]!.verificationAuc, 0.6, 'kept, not measured again');
    assert.equal(measured, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadVerificationPairs: only held-out pairs of the folds asked for, indices into the faces loaded', { skip: LFW_SKIP }, async () => {
  const size = { height: 16, width: 16 };
  const fold1 = await loadVerificationPairs(LFW, { size, folds: [1] });
  assert.equal(fold1.pairs.length, 600);
  assert.equal(fold1.pairs.filter((p) => p.same).length, 300);
  assert.ok(fold1.pairs.every((p) => p.a < fold1.images.count && p.b < fold1.images.count));
  await assert.rejects(loadVerificationPairs(LFW, { size, heldOut: [0, 1] }), /no (same|different)-person pair among its held-out faces/);
});
