import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evasiveSuspect } from '../src/attacks/evasive-suspect.js';
import { blockiness, cutMixCorner, fitThreshold, flaggedRate, jpegQuantisation, scoreAll } from '../src/attacks/query-detector.js';
import { jpegCompress } from '../src/data/jpeg.js';
import { jpegSamples } from '../src/fingerprints/samples/sac-jc.js';
import type { ImageBatch } from '../src/data/types.js';
import type { Model, Outputs } from '../src/models/types.js';
import { Random } from '../src/util/random.js';

/** A 64×64 grey image: a smooth gradient with mild seeded texture, like a small photo. */
function photo(seed: number): ImageBatch {
  const random = new Random(seed);
  const data = Uint8Array.from({ length: 64 * 64 }, (_, p) => Math.round(60 + (p % 64) + Math.floor(p / 64) + 6 * random.gaussian()));
  return { data, count: 1, height: 64, width: 64, channels: 1 };
}

test('the JPEG detectors score a quality-25 JPEG of a photo well above the photo itself', async () => {
  for (const seed of [1, 2, 3]) {
    const clean = photo(seed);
    const jpeg = (await jpegCompress(clean, 25)).decoded;
    assert.ok(jpegQuantisation(jpeg, 0) > jpegQuantisation(clean, 0) + 0.3, `quantisation ${jpegQuantisation(jpeg, 0)} vs ${jpegQuantisation(clean, 0)}`);
    assert.ok(blockiness(jpeg, 0) > blockiness(clean, 0), `blockiness ${blockiness(jpeg, 0)} vs ${blockiness(clean, 0)}`);
  }
});

test('the CutMix check: a flat image with a pasted corner square scores its edge step over the mean step (hand-computed)', () => {
  // 10×10 black, a 2×2 white square at the top-left corner (side = round(0.2 · 10)).
  const data = new Uint8Array(100);
  for (const p of [0, 1, 10, 11]) data[p] = 255;
  const image: ImageBatch = { data, count: 1, height: 10, width: 10, channels: 1 };
  // Mean horizontal step: two steps of 255 in 10 rows × 9 pairs; the square's two inner sides step 255.
  assert.ok(Math.abs(cutMixCorner(image, 0) - 255 / (510 / 90 + 1e-3)) < 1e-9);
  assert.equal(cutMixCorner({ ...image, data: new Uint8Array(100) }, 0), 0);
});

test('fitThreshold flags at most the given share of ordinary scores', () => {
  const ordinary = Array.from({ length: 100 }, (_, i) => i + 1);
  const threshold = fitThreshold(ordinary, 0.01);
  assert.equal(threshold, 99);
  assert.equal(flaggedRate(ordinary, threshold), 0.01);
  assert.deepEqual(scoreAll((b, i) => b.data[i]!, { data: Uint8Array.from([3, 4]), count: 2, height: 1, width: 1, channels: 1 }), [3, 4]);
  assert.throws(() => fitThreshold([], 0.01), /no ordinary images/);
});

/** A model that answers `width` copies of the first pixel, times `factor`. */
function constant(factor: number, width: number): Model {
  let sent = 0;
  return {
    source: `x${factor}`, spec: { outputKind: 'logits' } as Model['spec'],
    get queries() { return sent; },
    async predict(batch: ImageBatch): Promise<Outputs> {
      sent += batch.count;
      const data = new Float32Array(batch.count * width);
      for (let i = 0; i < batch.count; i++) data.fill(batch.data[i]! * factor, i * width, (i + 1) * width);
      return { data, rows: batch.count, cols: width };
    },
    async dispose() {},
  };
}

test('the evasive suspect answers flagged images from the decoy (cut or zero-padded to width), the rest honestly', async () => {
  const batch: ImageBatch = { data: Uint8Array.from([1, 2, 3]), count: 3, height: 1, width: 1, channels: 1 };
  const thief = evasiveSuspect(constant(1, 2), constant(10, 3), (b, i) => b.data[i] === 2);
  const out = await thief.predict(batch);
  assert.deepEqual(Array.from(out.data), [1, 1, 20, 20, 3, 3]);
  assert.equal(thief.evaded, 1);
  assert.equal(thief.queries, 3);
  const padded = await evasiveSuspect(constant(1, 3), constant(10, 1), () => true).predict(batch);
  assert.deepEqual(Array.from(padded.data), [10, 0, 0, 20, 0, 0, 30, 0, 0]);
});

test('SAC-JC at jpeg scale 2 keeps the sample size and hides the JPEG blocks from the quantisation detector', async () => {
  const photos = [1, 2, 3, 4].map(photo);
  const pool = { ...photos[0]!, count: 4, data: Uint8Array.from(photos.flatMap((p) => [...p.data])), names: ['a', 'b', 'c', 'd'] };
  const plain = (await jpegSamples(pool, 4, 1, 1)).images;
  const scaled = (await jpegSamples(pool, 4, 1, 1, 2)).images;
  assert.deepEqual([scaled.count, scaled.height, scaled.width, scaled.channels], [4, 64, 64, 1]);
  for (let i = 0; i < 4; i++) assert.ok(jpegQuantisation(scaled, i) < jpegQuantisation(plain, i) - 0.2, `image ${i}: ${jpegQuantisation(scaled, i)} vs ${jpegQuantisation(plain, i)}`);
  await assert.rejects(jpegSamples(pool, 4, 1, 1, 5), /JPEG scale must be a whole number 1..4/);
});
