import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { listImageFolder } from '../src/data/folder.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildZoo } from '../src/zoo/build.js';
import { facesRealFtPreset, facesRealPreset, facesRealSplit } from '../src/zoo/presets/faces-real.js';
import { splitFaceIdentities } from '../src/zoo/presets/faces-real-split.js';
import { LFW, LFW_SKIP, miniLfw } from './helpers/lfw.js';

// 12 faces of 7 people; B–C and E–F share a verification pair each.
const LABELS = ['A', 'A', 'B', 'C', 'C', 'C', 'D', 'E', 'F', 'F', 'G', 'G'];
const PAIRS = [{ a: 0, b: 1 }, { a: 2, b: 4 }, { a: 7, b: 9 }];

/** Verification pairs for a mini LFW: each person's first two faces, and the first faces of persons 2i and 2i+1. */
async function writeMiniPairs(lfw: string): Promise<void> {
  const { files } = await listImageFolder(join(lfw, 'jpg'));
  const people = [...new Set(files.map((f) => f.split('/')[0]!))];
  const faces = (person: string) => files.filter((f) => f.startsWith(`${person}/`));
  const same = people.filter((p) => faces(p).length >= 2).map((p) => `1,${faces(p)[0]},${faces(p)[1]}`);
  const different = people.flatMap((p, i) => (i % 2 === 0 && people[i + 1] ? [`0,${faces(p)[0]},${faces(people[i + 1]!)[0]}`] : []));
  await writeFile(join(lfw, 'pairs_subset.csv'), ['same,file_a,file_b', ...same, ...different].map((row) => `1,${row}`).join('\n').replace(/^1,same/, 'fold,same'));
}

test('splitFaceIdentities: identities in one part only, a pair held out whole or not at all, parts balanced, seeded', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const split = splitFaceIdentities(LABELS, PAIRS, seed, 0.3);
    const parts = Object.values(split);
    assert.deepEqual(parts.flat().sort((x, y) => x - y), LABELS.map((_, i) => i), 'every face in exactly one part');
    const partOf = (row: number) => parts.findIndex((p) => p.includes(row));
    LABELS.forEach((label, i) => assert.equal(partOf(i), partOf(LABELS.indexOf(label)), `identity ${label} in one part`));
    for (const { a, b } of PAIRS) assert.equal(split.heldOut.includes(a), split.heldOut.includes(b), `pair ${a}–${b} held out whole or not at all`);
    assert.ok(split.heldOut.length >= 0.3 * LABELS.length, 'at least the held-out share');
    const sizes = [split.owner.length, split.thief.length, split.sibling.length];
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 3, `owner/thief/sibling balanced to within the largest identity: ${sizes}`);
    assert.deepEqual(splitFaceIdentities(LABELS, PAIRS, seed, 0.3), split, 'same seed, same split');
  }
  assert.notDeepEqual(splitFaceIdentities(LABELS, PAIRS, 1, 0.3), splitFaceIdentities(LABELS, PAIRS, 2, 0.3));
});

test('splitFaceIdentities: a bad share or too few identities is refused', () => {
  assert.throws(() => splitFaceIdentities(LABELS, PAIRS, 1, 1), /held-out share must be between 0 and 1/);
  assert.throws(() => splitFaceIdentities(['A', 'A', 'B'], [{ a: 0, b: 2 }], 1, 0.5), /2 identities are too few to split: no faces for owner, thief, sibling/);
  assert.throws(() => splitFaceIdentities(['A', 'B', 'C'], [], 1, 0.3), /no faces for sibling/);
});

test('facesRealSplit on LFW: every official pair with a held-out face is a held-out pair', { skip: LFW_SKIP }, async () => {
  const split = await facesRealSplit(LFW, 1);
  const heldOut = new Set(split.heldOut);
  const { loadLfwPairs } = await import('../src/data/lfw.js');
  const { listImageFolder } = await import('../src/data/folder.js');
  const { pairs } = await loadLfwPairs(LFW, { names: (await listImageFolder(join(LFW, 'jpg'))).files });
  const kept = pairs.filter((p) => heldOut.has(p.a));
  assert.ok(kept.every((p) => heldOut.has(p.b)));
  assert.ok(kept.filter((p) => p.same).length > 200 && kept.filter((p) => !p.same).length > 200, `held-out pairs: ${kept.length}`);
  assert.ok(Math.abs(split.heldOut.length / 2320 - 0.4) < 0.1, `${split.heldOut.length} held-out faces`);
});

test('faces-real on a mini LFW: held-out faces only in the data, copies of builtin:mobileface agree with it there', { skip: LFW_SKIP, timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-faces-real-'));
  try {
    const data = await miniLfw(dir, 80);
    await writeMiniPairs(data);
    const manifest = await buildZoo(join(dir, 'zoo'), facesRealPreset, { data, only: ['mobileface-int8', 'fr_feature'] });
    assert.deepEqual(manifest.models.map((m) => [m.id, m.role, m.group, m.parent]),
      [['mobileface', 'victim', 'victim', undefined], ['mobileface-int8', 'stolen', 'quantise', 'mobileface'], ['fr_feature', 'independent', 'irrelevant', undefined]]);
    assert.deepEqual(manifest.data.indices, (await facesRealSplit(data, 1)).heldOut);
    assert.ok(manifest.models[1]!.fidelity! > 0.99, `int8 copy: mean cosine ${manifest.models[1]!.fidelity}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('faces-real-ft on a mini LFW: the owner\'s fine-tune is the victim, a thief\'s fine-tune stays close to it, a sibling is independent', { skip: LFW_SKIP, timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-faces-real-ft-'));
  try {
    const data = await miniLfw(dir, 80);
    await writeMiniPairs(data);
    const manifest = await buildZoo(join(dir, 'zoo'), facesRealFtPreset, { data, only: ['fine-tune-last-1', 'sibling-1'] });
    assert.deepEqual(manifest.models.map((m) => [m.id, m.role, m.group, m.parent]),
      [['owner', 'victim', 'victim', undefined], ['sibling-1', 'independent', 'sibling', undefined], ['fine-tune-last-1', 'stolen', 'fine-tune-last', 'owner']]);
    const [owner, sibling, stolen] = manifest.models;
    for (const m of [owner!, stolen!, sibling!]) assert.ok(m.verificationAuc! > 0.5 && m.trainSeconds! > 0, `${m.id}: AUC ${m.verificationAuc}, ${m.trainSeconds} s`);
    assert.ok(stolen!.fidelity! > 0.9, `a thief's short fine-tune of the last layers stays near the owner's model: mean cosine ${stolen!.fidelity}`);
    assert.equal(sibling!.fidelity, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
