import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineageError } from '../src/errors.js';
import { assertFinite, chunkRanges, concatRows } from '../src/models/outputs.js';
import { normalise, resizeBatch, toInputTensor } from '../src/models/preprocess.js';
import type { InputSpec } from '../src/models/types.js';
import type { ImageBatch } from '../src/data/types.js';

// A 2×2 RGB image: pixels (R,G,B) = p0 (10,20,30), p1 (40,50,60), p2 (70,80,90), p3 (100,110,120).
const rgb: ImageBatch = {
  data: Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]),
  count: 1, height: 2, width: 2, channels: 3,
};

const base: InputSpec = {
  height: 2, width: 2, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0, 0, 0], std: [1, 1, 1],
  output: 0, outputKind: 'logits',
};

function close(actual: Float32Array, expected: number[]): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) < 1e-5, `index ${i}: ${actual[i]} vs ${e}`));
}

test('nhwc rgb, scale 1/255: pixels divided by 255 in place', () => {
  close(normalise(rgb, { ...base, scale: 1 / 255 }), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120].map((v) => v / 255));
});

test('nchw bgr with per-channel mean/std in model channel order', () => {
  // Model channel 0 is B: (B − 100) / 2; channel 1 is G: (G − 50) / 5; channel 2 is R: (R − 0) / 10.
  const x = normalise(rgb, { ...base, channels: 'bgr', layout: 'nchw', mean: [100, 50, 0], std: [2, 5, 10] });
  close(x, [
    (30 - 100) / 2, (60 - 100) / 2, (90 - 100) / 2, (120 - 100) / 2, // B plane
    (20 - 50) / 5, (50 - 50) / 5, (80 - 50) / 5, (110 - 50) / 5, // G plane
    1, 4, 7, 10, // R plane
  ]);
});

test('range -1..1 (scale 1/127.5, mean 1) maps 0 → −1 and 255 → 1', () => {
  const img: ImageBatch = { data: Uint8Array.from([0, 255]), count: 2, height: 1, width: 1, channels: 1 };
  close(normalise(img, { ...base, height: 1, width: 1, channels: 'gray', scale: 1 / 127.5, mean: [1], std: [1] }), [-1, 1]);
});

test('rgb image into a grey model uses BT.601 luma; grey image into an rgb model is replicated', () => {
  const toGray = normalise(rgb, { ...base, channels: 'gray', mean: [0], std: [1] });
  close(toGray, [
    0.2989 * 10 + 0.587 * 20 + 0.114 * 30, 0.2989 * 40 + 0.587 * 50 + 0.114 * 60,
    0.2989 * 70 + 0.587 * 80 + 0.114 * 90, 0.2989 * 100 + 0.587 * 110 + 0.114 * 120,
  ]);
  const grey: ImageBatch = { data: Uint8Array.from([5, 6, 7, 8]), count: 1, height: 2, width: 2, channels: 1 };
  close(normalise(grey, { ...base, layout: 'nchw' }), [5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8]);
});

test('several images stay in order in both layouts', () => {
  const two: ImageBatch = { data: Uint8Array.from([1, 2, 3, 4]), count: 4, height: 1, width: 1, channels: 1 };
  close(normalise(two, { ...base, height: 1, width: 1, channels: 'gray', mean: [0], std: [1], layout: 'nchw' }), [1, 2, 3, 4]);
});

test('resize: same size is a no-op; a flat image stays flat at any size', async () => {
  assert.equal(await resizeBatch(rgb, 2, 2), rgb);
  const flat: ImageBatch = { data: new Uint8Array(4 * 6 * 3).fill(77), count: 2, height: 4, width: 2, channels: 3 };
  const small = await resizeBatch(flat, 3, 5);
  assert.deepEqual([small.count, small.height, small.width, small.channels], [2, 3, 5, 3]);
  assert.ok(small.data.every((v) => v === 77));
  const grey: ImageBatch = { data: new Uint8Array(16).fill(200), count: 1, height: 4, width: 4, channels: 1 };
  const x = await toInputTensor(grey, { ...base, height: 2, width: 2, channels: 'gray', mean: [0], std: [1] });
  close(x, [200, 200, 200, 200]);
});

test('assertFinite names the model and the image; finite outputs pass through', () => {
  const ok = { data: Float32Array.from([1, 2, 3, 4]), rows: 2, cols: 2 };
  assert.equal(assertFinite(ok, 'm.onnx'), ok);
  assert.throws(() => assertFinite({ data: Float32Array.from([1, 2, NaN, 4]), rows: 2, cols: 2 }, 'm.onnx'),
    (e: unknown) => e instanceof LineageError && /m\.onnx/.test(e.message) && /image 1/.test(e.message) && /--range/.test(e.hint ?? ''));
});

test('concatRows stacks blocks; chunkRanges covers every index once', () => {
  const joined = concatRows([
    { data: Float32Array.from([1, 2]), rows: 1, cols: 2 },
    { data: Float32Array.from([3, 4, 5, 6]), rows: 2, cols: 2 },
  ], 'x');
  assert.deepEqual([...joined.data], [1, 2, 3, 4, 5, 6]);
  assert.equal(joined.rows, 3);
  assert.deepEqual(chunkRanges(5, 2), [[0, 2], [2, 4], [4, 5]]);
  assert.deepEqual(chunkRanges(0, 2), []);
});
