import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { isLineageError } from '../src/errors.js';
import { loadImages } from '../src/data/load.js';
import { loadU8Dataset } from '../src/data/u8.js';

let root: string;

/** Write a u8 dataset: `images` are the raw bytes of every image, shape [N, H, W, C]. */
async function writeDataset(name: string, shape: number[], images: number[], meta: object = {}, csv?: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  await writeFile(join(dir, 'images.u8'), Uint8Array.from(images));
  await writeFile(join(dir, 'meta.json'), JSON.stringify({ shape, dtype: 'uint8', channel_order: shape[3] === 3 ? 'RGB' : 'grayscale', ...meta }));
  if (csv !== undefined) await writeFile(join(dir, 'labels.csv'), csv);
  return dir;
}

// Three 1×2 RGB images: image i has pixels (10i+1, 10i+2, 10i+3) and (10i+4, 10i+5, 10i+6).
const RGB3 = [0, 1, 2].flatMap((i) => [1, 2, 3, 4, 5, 6].map((v) => 10 * i + v));
const CSV3 = 'index,label_id,label,file\n0,1,dog,a.png\n1,0,cat,b.png\n2,1,dog,c.png\n';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lineage-u8-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('u8 loader reads pixels, labels, names and the class order', async () => {
  const dir = await writeDataset('rgb', [3, 1, 2, 3], RGB3, {}, CSV3);
  const set = await loadImages(dir);
  assert.equal(set.count, 3);
  assert.deepEqual([set.height, set.width, set.channels], [1, 2, 3]);
  assert.deepEqual([...set.data.subarray(6, 12)], [11, 12, 13, 14, 15, 16]);
  assert.deepEqual(set.labels, ['dog', 'cat', 'dog']);
  assert.deepEqual(set.names, ['a.png', 'b.png', 'c.png']);
  assert.deepEqual(set.classNames, ['cat', 'dog'], 'label_id 0 = cat, 1 = dog');
  assert.deepEqual(set.warnings, []);
});

test('u8 loader: indices pick images in order, limit takes the first ones', async () => {
  const dir = await writeDataset('pick', [3, 1, 2, 3], RGB3, {}, CSV3);
  const picked = await loadU8Dataset(dir, { indices: [2, 0] });
  assert.deepEqual([...picked.data], [21, 22, 23, 24, 25, 26, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(picked.labels, ['dog', 'dog']);
  const first = await loadU8Dataset(dir, { limit: 1 });
  assert.equal(first.count, 1);
  assert.deepEqual(first.names, ['a.png']);
  await assert.rejects(loadU8Dataset(dir, { indices: [3] }), /index 3 is out of range/);
});

test('u8 loader: BGR is swapped to RGB, RGB → grey uses BT.601 luma', async () => {
  const bgr = await writeDataset('bgr', [1, 1, 1, 3], [255, 0, 0], { channel_order: 'BGR' });
  assert.deepEqual([...(await loadU8Dataset(bgr)).data], [0, 0, 255]);
  // Pure red, green, blue: (19595·255 + 2^15) >> 16 = 76, (38470·255 + 2^15) >> 16 = 150, 29.
  const rgb = await writeDataset('luma', [1, 1, 3, 3], [255, 0, 0, 0, 255, 0, 0, 0, 255]);
  const grey = await loadU8Dataset(rgb, { channels: 1 });
  assert.equal(grey.channels, 1);
  assert.deepEqual([...grey.data], [76, 150, 29]);
  assert.deepEqual(grey.names, ['#0'], 'no labels.csv: names are row ids');
  assert.equal(grey.labels, undefined);
});

test('u8 loader resizes when asked: a constant image stays constant', async () => {
  const dir = await writeDataset('resize', [1, 4, 4, 1], Array(16).fill(90));
  const set = await loadU8Dataset(dir, { size: { height: 2, width: 3 } });
  assert.deepEqual([set.height, set.width, set.channels], [2, 3, 1]);
  assert.deepEqual([...set.data], Array(6).fill(90));
});

test('u8 loader: a file size that does not match the shape is a LineageError', async () => {
  const dir = await writeDataset('short', [3, 1, 2, 3], RGB3.slice(0, 17));
  await assert.rejects(loadU8Dataset(dir), (e: unknown) => {
    assert.ok(isLineageError(e));
    assert.match(e.message, /images\.u8 has 17 bytes but meta\.json shape \[3, 1, 2, 3\] needs 18/);
    assert.ok(e.hint);
    return true;
  });
});

test('u8 loader: labels.csv with the wrong row count is a LineageError', async () => {
  const dir = await writeDataset('rows', [3, 1, 2, 3], RGB3, {}, 'index,label\n0,a\n');
  await assert.rejects(loadU8Dataset(dir), /labels\.csv has 1 rows but images\.u8 holds 3 images/);
});

// The shared datasets sit beside the repository (../shared/datasets) on developer and CI machines.
const orl = fileURLToPath(new URL('../../shared/datasets/orl', import.meta.url));
const orlPresent = await stat(join(orl, 'images.u8')).then(() => true, () => false);
test('u8 loader on real ORL: subject labels, class order from subject_id', { skip: orlPresent ? false : `${orl} absent` }, async () => {
  const set = await loadU8Dataset(orl, { indices: [0, 10, 399] });
  assert.deepEqual([set.height, set.width, set.channels], [112, 92, 1]);
  assert.deepEqual(set.labels, ['s1', 's2', 's40']);
  assert.equal(set.classNames?.length, 40);
  assert.equal(set.classNames?.[1], 's2', 'subject_id order, not string order (which puts s10 second)');
});

