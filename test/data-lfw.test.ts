import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../src/data/csv.js';
import { listImageFolder } from '../src/data/folder.js';
import { LFW_FACE_BOX, lfwCentreBox, loadLfw, loadLfwPairs, matchPairs, parseLfwPairsCsv, parseLfwPairsTxt } from '../src/data/lfw.js';
import { loadImages } from '../src/data/load.js';

// The shared datasets sit beside the repository (../shared/datasets) on developer and CI machines.
const LFW = fileURLToPath(new URL('../../shared/datasets/lfw', import.meta.url));
const present = await stat(join(LFW, 'pairs.txt')).then(() => true, () => false);
const skip = present ? false : `${LFW} absent`;

test('pairs.txt format: same-person then different-person lines per fold', () => {
  const text = '2\t1\nAnn\t1\t2\nAnn\t1\tBob\t3\nBob\t3\t12\nCy\t2\tAnn\t2\n';
  assert.deepEqual(parseLfwPairsTxt(text, 'pairs.txt'), [
    { fileA: 'Ann/Ann_0001.jpg', fileB: 'Ann/Ann_0002.jpg', same: true, fold: 1 },
    { fileA: 'Ann/Ann_0001.jpg', fileB: 'Bob/Bob_0003.jpg', same: false, fold: 1 },
    { fileA: 'Bob/Bob_0003.jpg', fileB: 'Bob/Bob_0012.jpg', same: true, fold: 2 },
    { fileA: 'Cy/Cy_0002.jpg', fileB: 'Ann/Ann_0002.jpg', same: false, fold: 2 },
  ]);
  assert.throws(() => parseLfwPairsTxt('1\t1\nAnn\t1\tBob\t3\nAnn\t1\t2\n', 'p.txt'), /line 2 .*Name i j/);
  assert.throws(() => parseLfwPairsTxt('2\t1\nAnn\t1\t2\n', 'p.txt'), /header promises 4/);
});

test('named pairs map to set indices; pairs with absent images are counted', () => {
  const named = [
    { fileA: 'A/A_0001.jpg', fileB: 'A/A_0002.jpg', same: true, fold: 1 },
    { fileA: 'A/A_0001.jpg', fileB: 'B/B_0001.jpg', same: false, fold: 1 },
  ];
  assert.deepEqual(matchPairs(named, ['B/B_0001.jpg', 'A/A_0001.jpg']), { pairs: [{ a: 1, b: 0, same: false, fold: 1 }], missing: 1 });
});

test('the default LFW face box is the centre 128×128 at (61, 61)', () => {
  assert.deepEqual(LFW_FACE_BOX, { left: 61, top: 61, width: 128, height: 128 });
  assert.deepEqual(lfwCentreBox(140), { left: 55, top: 55, width: 140, height: 140 });
  assert.throws(() => lfwCentreBox(300), /1\.\.250/);
});

test('real LFW: pairs.txt has 10 folds × 600 pairs; pairs_subset.csv agrees with folds 1–3', { skip }, async () => {
  const official = parseLfwPairsTxt(await readFile(join(LFW, 'pairs.txt'), 'utf8'), 'pairs.txt');
  assert.equal(official.length, 6000);
  assert.equal(official.filter((p) => p.same).length, 3000);
  assert.equal(official[official.length - 1]!.fold, 10);
  const subset = parseLfwPairsCsv(await readFile(join(LFW, 'pairs_subset.csv'), 'utf8'), 'pairs_subset.csv');
  assert.equal(subset.length, 1800);
  assert.deepEqual(subset, official.filter((p) => p.fold <= 3));
});

test('real LFW: the jpg tree loads with identity labels, face crop, and pairs onto the loaded subset', { skip }, async () => {
  const { rows } = parseCsv(await readFile(join(LFW, 'labels.csv'), 'utf8'), 'labels.csv');
  const listing = await listImageFolder(join(LFW, 'jpg'));
  assert.deepEqual(listing.files, rows.map((r) => r[4]), 'the jpg tree lists in labels.csv order');
  const set = await loadImages(LFW, { indices: [0, 1, 17, 19], faceCrop: true, size: { height: 112, width: 112 } });
  assert.deepEqual([set.count, set.height, set.width, set.channels], [4, 112, 112, 3]);
  assert.deepEqual(set.names, [0, 1, 17, 19].map((i) => rows[i]![4]));
  assert.deepEqual(set.labels, [0, 1, 17, 19].map((i) => rows[i]![1]));
  const { pairs, missing } = await loadLfwPairs(LFW, set);
  // Fold 1 pair 0 is Abel_Pacheco 1 & 4; fold 3 has Aaron_Sorkin 1 & 2.
  assert.deepEqual(pairs, [{ a: 2, b: 3, same: true, fold: 1 }, { a: 0, b: 1, same: true, fold: 3 }]);
  assert.equal(missing, 1798);
  const crop = await loadLfw(LFW, { limit: 1, faceCrop: 140 });
  assert.deepEqual([crop.height, crop.width], [140, 140], 'no size: the crop keeps its own size');
});
