import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cornerBox, cutMix, transposeImages } from '../src/fingerprints/samples/sac-m.js';
import { classIndices } from '../src/fingerprints/samples/pool.js';
import { Random } from '../src/util/random.js';

test('the SAC-m box has side 0.2·W and its centre in a corner region', () => {
  const random = new Random(7);
  for (let k = 0; k < 50; k++) {
    const box = cornerBox(32, 32, random);
    assert.equal(box.side, 6); // round(0.2 · 32)
    const cy = box.top + 3;
    const cx = box.left + 3;
    const corner = (v: number) => v <= 32 / 6 + 3 || v >= (5 * 32) / 6 - 3;
    assert.ok(corner(cy) && corner(cx), `centre (${cy}, ${cx}) not in a corner`);
    assert.ok(box.top >= 0 && box.left >= 0 && box.top + 6 <= 32 && box.left + 6 <= 32);
  }
});

test('cutMix pastes the box of the permuted image and nothing else', () => {
  // Two 3×3 grey images: all 1s and all 2s; box 2×2 at (1,1); permutation swaps them.
  const batch = { data: Uint8Array.from([...Array(9).fill(1), ...Array(9).fill(2)]), count: 2, height: 3, width: 3, channels: 1 as const };
  const mixed = cutMix(batch, [1, 0], { top: 1, left: 1, side: 2 });
  assert.deepEqual([...mixed.data.subarray(0, 9)], [1, 1, 1, 1, 2, 2, 1, 2, 2]);
  assert.deepEqual([...mixed.data.subarray(9)], [2, 2, 2, 2, 1, 1, 2, 1, 1]);
  assert.deepEqual([...batch.data.subarray(0, 9)], Array(9).fill(1), 'input untouched');
});

test('transposeImages swaps rows and columns per channel', () => {
  // One 2×3 RGB image; pixel (y,x) has value 10y + x in every channel... channel c adds 100c.
  const data = new Uint8Array(2 * 3 * 3);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 3; c++) data[(y * 3 + x) * 3 + c] = 10 * y + x + 100 * c;
  const t = transposeImages({ data, count: 1, height: 2, width: 3, channels: 3 });
  assert.equal(t.height, 3);
  assert.equal(t.width, 2);
  // transposed pixel (y', x') = original (x', y')
  assert.equal(t.data[(2 * 2 + 1) * 3 + 2], 10 * 1 + 2 + 200);
});

test('class indices follow classNames when given, else sorted labels', () => {
  const base = { data: new Uint8Array(3), count: 3, height: 1, width: 1, channels: 1 as const, names: ['a', 'b', 'c'] };
  assert.deepEqual(classIndices({ ...base, labels: ['dog', 'cat', 'dog'] }), [1, 0, 1]);
  assert.deepEqual(classIndices({ ...base, labels: ['dog', 'cat', 'dog'], classNames: ['dog', 'cat'] }), [0, 1, 0]);
});
