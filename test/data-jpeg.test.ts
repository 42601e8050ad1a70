import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JPEG_SEVERITY_QUALITY, jpegCompress } from '../src/data/jpeg.js';
import type { ImageBatch } from '../src/data/types.js';
import { Random } from '../src/util/random.js';

/** Smooth gradients plus seeded noise: JPEG has real work to do at every quality. */
function testImages(count: number, size: number, channels: 1 | 3): ImageBatch {
  const random = new Random(3);
  const data = new Uint8Array(count * size * size * channels);
  for (let i = 0; i < data.length; i++) {
    const p = Math.floor(i / channels) % (size * size);
    const y = Math.floor(p / size);
    const x = p % size;
    data[i] = Math.min(255, Math.floor((x * 255) / size / 2 + (y * 255) / size / 2 + random.int(40)));
  }
  return { data, count, height: size, width: size, channels };
}

test('SAC-JC severity table: 1..5 ↦ quality 25, 18, 15, 10, 7', () => {
  assert.deepEqual(JPEG_SEVERITY_QUALITY, [25, 18, 15, 10, 7]);
});

test('JPEG compression is deterministic and decodes back to the input size', async () => {
  const batch = testImages(3, 32, 3);
  const first = await jpegCompress(batch, 25, { chromaSubsampling: '4:2:0' });
  const second = await jpegCompress(batch, 25);
  assert.equal(first.jpegs.length, 3);
  first.jpegs.forEach((bytes, i) => {
    assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8], 'JPEG SOI marker');
    assert.ok(bytes.equals(second.jpegs[i]!), `image ${i}: same bytes twice`);
  });
  assert.deepEqual([first.decoded.count, first.decoded.height, first.decoded.width, first.decoded.channels], [3, 32, 32, 3]);
  assert.deepEqual(first.decoded.data, second.decoded.data);
  assert.notDeepEqual(first.decoded.data, batch.data, 'quality 25 is lossy');
  // Lossy but close: mean absolute error well under the noise amplitude.
  let err = 0;
  for (let i = 0; i < batch.data.length; i++) err += Math.abs(batch.data[i]! - first.decoded.data[i]!);
  assert.ok(err / batch.data.length < 20, `mean abs error ${err / batch.data.length}`);
});

test('quality 25 gives fewer bytes than quality 90; grey stays grey', async () => {
  const batch = testImages(1, 48, 3);
  const low = await jpegCompress(batch, 25);
  const high = await jpegCompress(batch, 90);
  assert.ok(low.jpegs[0]!.length < high.jpegs[0]!.length, `${low.jpegs[0]!.length} vs ${high.jpegs[0]!.length}`);
  const grey = await jpegCompress(testImages(2, 16, 1), 25);
  assert.equal(grey.decoded.channels, 1);
  assert.equal(grey.decoded.data.length, 2 * 16 * 16);
});

test('an invalid quality is a LineageError', async () => {
  await assert.rejects(jpegCompress(testImages(1, 8, 3), 0), /quality must be an integer 1\.\.100/);
});
