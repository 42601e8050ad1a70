import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractLabels } from '../src/attacks/extract.js';
import { loadModel } from '../src/models/load.js';
import { buildZoo } from '../src/zoo/build.js';
import { ferRealPreset } from '../src/zoo/presets/fer-real.js';
import { zooUtility } from '../src/zoo/utility.js';
import { emotionSkip, FER2013, ferFaces, quiet } from './helpers/emotion.js';

test('fer-real: the measured victim and a pruned copy of it above the utility floor', { skip: emotionSkip, timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-fer-real-'));
  try {
    const manifest = await buildZoo(dir, ferRealPreset, { data: FER2013, only: ['emotion-prune-10pct'] });
    assert.deepEqual(manifest.models.map((m) => [m.id, m.role, m.group]), [['emotion', 'victim', 'victim'], ['emotion-prune-10pct', 'stolen', 'prune']]);
    assert.equal(manifest.data.indices!.length, 1000, 'fingerprints and utility come from 1,000 held-out PrivateTest faces');
    const [victim, pruned] = manifest.models;
    // Measured: victim 0.679, its 10 %-pruned copy 0.676 agreeing on 97 % of the held-out faces.
    assert.ok(victim!.testAccuracy! > 0.6, `victim accuracy ${victim!.testAccuracy}`);
    assert.equal(victim!.fidelity, 1);
    assert.ok(pruned!.fidelity! > 0.9 && pruned!.fidelity! < 1, `pruned copy agrees on ${pruned!.fidelity}`);
    assert.equal(zooUtility(manifest).get('emotion-prune-10pct')!.broken, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fer-real plans 5 models per group, the students last so a cut build keeps every group', async () => {
  const groups = new Map<string, number>();
  const order: string[] = [];
  for await (const { model } of ferRealPreset.models({ dir: tmpdir(), seed: 1, log: () => {} }, { path: FER2013, indices: [] })) {
    groups.set(model.group, (groups.get(model.group) ?? 0) + 1);
    order.push(model.id);
  }
  const stolen = ['prune', 'noise', 'fine-tune-all', 'fine-tune-last', 'adv-train', 'fine-prune', 'extract-l', 'extract-p', 'public-init-l', 'public-init-p'];
  for (const group of [...stolen, 'homologous', 'other-teacher', 'public-sibling']) assert.equal(groups.get(group), 5, group);
  assert.equal(groups.get('quantise'), 2, 'fp16 and int8: the two quantisations there are');
  assert.deepEqual(order.slice(1, 6), ['emotion-prune-2.5pct', 'emotion-prune-5pct', 'emotion-prune-10pct', 'emotion-prune-15pct', 'emotion-prune-20pct']);
  assert.ok(order.indexOf('faceapi_expression') < order.indexOf('extract-l-4'), 'the 4th and 5th students come after the irrelevant models');
  assert.ok(order.indexOf('homologous-5') < order.indexOf('public-init-l-1'), 'the public-init students, added later, come last: an earlier build is kept');
});

test('extraction from a loaded Model (any format) labels the images once: every-batch queries are refused clearly', { skip: emotionSkip }, async () => {
  const victim = await loadModel('builtin:emotion', quiet);
  try {
    const images = await ferFaces([0, 1]);
    await assert.rejects(extractLabels(victim, images, { saveTo: join(tmpdir(), 'never-written'), seed: 1, architecture: 'resnet8', queries: 'every-batch', training: { epochs: 1, batchSize: 2, optimizer: 'adam', lr: 1e-3 } }),
      /cannot query it on every batch: it answers asynchronously/);
  } finally {
    await victim.dispose();
  }
});
