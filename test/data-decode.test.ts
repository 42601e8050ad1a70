import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeImage, decodeToBatch, encodePng, rgbToGrey } from '../src/data/decode.js';

/** 4×6 RGB image whose pixel (y, x) is (10y + x, 100, 200 − x). */
function pattern(): Uint8Array {
  const data = new Uint8Array(4 * 6 * 3);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) data.set([10 * y + x, 100, 200 - x], (y * 6 + x) * 3);
  return data;
}

test('PNG encoding is lossless and reproducible, grey and RGB', async () => {
  const rgb = pattern();
  const png = await encodePng(rgb, 4, 6, 3);
  assert.ok(png.equals(await encodePng(rgb, 4, 6, 3)), 'same bytes twice');
  const back = await decodeImage(png, {}, 'png');
  assert.deepEqual([back.height, back.width, back.channels], [4, 6, 3]);
  assert.deepEqual(back.data, rgb);
  const grey = Uint8Array.from({ length: 6 }, (_, i) => 40 * i);
  const greyBack = await decodeImage(await encodePng(grey, 2, 3, 1), { channels: 1 }, 'grey png');
  assert.deepEqual(greyBack.data, grey);
  await assert.rejects(encodePng(rgb, 4, 6, 1), /got 72 bytes for a 4×6×1 image/);
});

test('a crop box cuts exactly that rectangle; outside the image is a LineageError', async () => {
  const png = await encodePng(pattern(), 4, 6, 3);
  const crop = await decodeImage(png, { fit: { crop: { left: 2, top: 1, width: 3, height: 2 } } }, 'png');
  assert.deepEqual([crop.height, crop.width], [2, 3]);
  assert.deepEqual([...crop.data.subarray(0, 3)], [12, 100, 198], 'top-left = source pixel (1, 2)');
  assert.deepEqual([...crop.data.subarray(15, 18)], [24, 100, 196], 'bottom-right = source pixel (2, 4)');
  await assert.rejects(decodeImage(png, { fit: { crop: { left: 4, top: 0, width: 3, height: 2 } } }, 'pic.png'), /lies outside pic\.png \(6×4\)/);
});

test('cover keeps the centre; grey is Pillow luma', async () => {
  // 2×4 grey image, left half 0 and right half 200 except the centre columns: cover to 2×2 keeps columns 1..2.
  const img = { data: Uint8Array.from([0, 50, 150, 200, 0, 50, 150, 200]), height: 2, width: 4, channels: 1 as const };
  const cover = await decodeImage(img, { size: { height: 2, width: 2 }, fit: 'cover', channels: 1 }, 'raw');
  assert.deepEqual([...cover.data], [50, 150, 50, 150]);
  const grey = rgbToGrey({ data: Uint8Array.from([10, 20, 30]), height: 1, width: 1, channels: 3 });
  assert.deepEqual([...grey.data], [Math.floor((19595 * 10 + 38470 * 20 + 7471 * 30 + 32768) / 65536)]);
});

test('decodeToBatch without a size needs equal sizes, and names the odd one out', async () => {
  const a = await encodePng(new Uint8Array(12), 2, 2, 3);
  const b = await encodePng(new Uint8Array(18), 2, 3, 3);
  await assert.rejects(decodeToBatch([a, b], { names: ['a.png', 'b.png'] }), /b\.png is 3×2 but a\.png is 2×2/);
  const batch = await decodeToBatch([a, b], { size: { height: 2, width: 2 } });
  assert.deepEqual([batch.count, batch.height, batch.width, batch.channels], [2, 2, 2, 3]);
  assert.deepEqual(batch.kept, [0, 1]);
});
