import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { test } from 'node:test';
import { demoFacePhotos, detectFaceCrops, faceIdentity, squareAround, suppressOverlaps } from '../src/data/faces.js';

test('square crop box: margin on each side, shifted inside the photo, shrunk to fit', () => {
  const face = { left: 40, top: 10, width: 20, height: 30, score: 1 };
  // side = 30 · (1 + 2·0.5) = 60, centred on (50, 25) → (20, −5), shifted down to top 0.
  assert.deepEqual(squareAround(face, 0.5, { width: 100, height: 100 }), { left: 20, top: 0, width: 60, height: 60 });
  // A photo narrower than the square: side = the photo's shorter side.
  assert.deepEqual(squareAround(face, 0.5, { width: 50, height: 200 }), { left: 0, top: 0, width: 50, height: 50 });
});

test('non-maximum suppression keeps the best of overlapping boxes', () => {
  const a = { left: 0, top: 0, width: 10, height: 10, score: 0.9 };
  const b = { left: 1, top: 1, width: 10, height: 10, score: 0.8 }; // IoU 81/119 ≈ 0.68
  const c = { left: 50, top: 0, width: 10, height: 10, score: 0.7 };
  assert.deepEqual(suppressOverlaps([b, c, a], 0.4), [a, c]);
});

test('identity keys: franck frames share one, group photos get one per face', () => {
  assert.equal(faceIdentity('/x/franck_01829.jpg', 0, 1), 'franck');
  assert.equal(faceIdentity('/x/clmtrackr02.jpg', 0, 1), 'franck');
  assert.equal(faceIdentity('/x/audrey_crop.jpg', 0, 1), 'audrey');
  assert.equal(faceIdentity('/x/obama4_crop.jpg', 0, 1), 'obama4_crop');
  assert.equal(faceIdentity('/x/sample3.jpg', 2, 3), 'sample3#2');
});

const photos = demoFacePhotos();
const sample1 = photos.find((p) => basename(p) === 'sample1.jpg');
test('the face detector finds the faces in face-api demo sample1.jpg', { skip: sample1 && existsSync(sample1) ? false : '@vladmandic/face-api demo photos absent' }, async () => {
  const set = await detectFaceCrops([sample1!], { size: 64 });
  assert.ok(set.count >= 1, 'at least one face');
  assert.equal(set.count, 3, 'sample1 shows three women');
  assert.deepEqual([set.height, set.width, set.channels], [64, 64, 3]);
  assert.deepEqual(set.names, ['sample1.jpg#0', 'sample1.jpg#1', 'sample1.jpg#2']);
  assert.deepEqual(set.labels, ['sample1#0', 'sample1#1', 'sample1#2']);
});
