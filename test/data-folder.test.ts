import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodePng } from '../src/data/decode.js';
import { loadImageFolder } from '../src/data/folder.js';
import { detectSource, loadImages } from '../src/data/load.js';
import { isLineageError } from '../src/errors.js';

let root: string;

/** A 2×2 RGB PNG filled with one colour. */
function solidPng(r: number, g: number, b: number): Promise<Buffer> {
  return encodePng(Uint8Array.from({ length: 12 }, (_, i) => [r, g, b][i % 3]!), 2, 2, 3);
}

async function put(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, data);
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lineage-folder-'));
  // Class tree: cat/{a,b}.png, dog/c.png, plus files that are not images.
  await put(join(root, 'classes/dog/c.png'), await solidPng(0, 0, 200));
  await put(join(root, 'classes/cat/b.png'), await solidPng(0, 100, 0));
  await put(join(root, 'classes/cat/a.png'), await solidPng(100, 0, 0));
  await put(join(root, 'classes/cat/notes.txt'), 'not an image');
  await put(join(root, 'classes/.DS_Store'), 'junk');
  await put(join(root, 'classes/empty/readme.md'), 'no images here');
  // Flat folder with a corrupt JPEG between two good images.
  await put(join(root, 'flat/1.png'), await solidPng(10, 20, 30));
  await put(join(root, 'flat/2-broken.jpg'), 'this is not a JPEG');
  await put(join(root, 'flat/3.png'), await solidPng(40, 50, 60));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('class-per-folder tree: sorted files, folder-name labels, non-images ignored', async () => {
  const set = await loadImages(join(root, 'classes'));
  assert.deepEqual(set.names, ['cat/a.png', 'cat/b.png', 'dog/c.png']);
  assert.deepEqual(set.labels, ['cat', 'cat', 'dog']);
  assert.deepEqual(set.classNames, ['cat', 'dog'], 'the folder without images is no class');
  assert.deepEqual([set.count, set.height, set.width, set.channels], [3, 2, 2, 3]);
  assert.deepEqual([...set.data.subarray(0, 3)], [100, 0, 0]);
  assert.deepEqual([...set.data.subarray(24, 27)], [0, 0, 200]);
});

test('folder loader resizes and converts to grey on request', async () => {
  const set = await loadImageFolder(join(root, 'classes'), { size: { height: 3, width: 5 }, channels: 1, limit: 1 });
  assert.deepEqual([set.count, set.height, set.width, set.channels], [1, 3, 5, 1]);
  // (19595·100 + 2^15) >> 16 = 30 everywhere: a solid image resizes to the same colour.
  assert.deepEqual([...set.data], Array(15).fill(30));
});

test('a corrupt .jpg is an error naming the file', async () => {
  await assert.rejects(loadImages(join(root, 'flat')), (e: unknown) => {
    assert.ok(isLineageError(e));
    assert.match(e.message, /2-broken\.jpg/);
    assert.match(e.hint ?? '', /skip/);
    return true;
  });
});

test('skipUnreadable skips the corrupt file and says so', async () => {
  const set = await loadImages(join(root, 'flat'), { skipUnreadable: true });
  assert.deepEqual(set.names, ['1.png', '3.png']);
  assert.equal(set.labels, undefined, 'a flat folder has no labels');
  assert.deepEqual([...set.data.subarray(12, 15)], [40, 50, 60]);
  assert.equal(set.warnings.length, 1);
  assert.match(set.warnings[0]!, /skipped 1 unreadable image file\(s\).*2-broken\.jpg/);
});

test('a missing path is a LineageError with a fix; sources are detected', async () => {
  await assert.rejects(loadImages(join(root, 'nope')), (e: unknown) => isLineageError(e) && /does not exist/.test(e.message) && e.hint !== undefined);
  assert.equal(await detectSource(join(root, 'classes')), 'folder');
  await put(join(root, 'u8/images.u8'), new Uint8Array(3));
  await put(join(root, 'u8/meta.json'), JSON.stringify({ shape: [1, 1, 1, 3], channel_order: 'RGB' }));
  assert.equal(await detectSource(join(root, 'u8')), 'u8');
  await put(join(root, 'lfw/pairs.txt'), '1\n');
  await mkdir(join(root, 'lfw/jpg'));
  assert.equal(await detectSource(join(root, 'lfw')), 'lfw');
});
