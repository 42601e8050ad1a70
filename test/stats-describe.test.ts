import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineageError } from '../src/errors.js';
import { mean, quantile, requireSample, sd, sorted, variance } from '../src/stats/describe.js';
import { assertClose } from './stats-helpers.js';

test('mean, variance and sd (n − 1 divisor)', () => {
  // [2, 4, 4, 4, 5, 5, 7, 9]: mean 40/8 = 5; Σd² = 9+1+1+1+0+0+4+16 = 32 ⇒ var 32/7, sd √(32/7).
  const x = [2, 4, 4, 4, 5, 5, 7, 9];
  assert.equal(mean(x), 5);
  assertClose(variance(x), 32 / 7, 1e-15);
  assertClose(sd(x), Math.sqrt(32 / 7), 1e-15);
  assert.ok(Number.isNaN(variance([3])));
});

test('sorted is numeric, not lexicographic', () => {
  assert.deepEqual(Array.from(sorted([10, 9, 100, -1])), [-1, 9, 10, 100]);
});

test('quantile: type 7 linear interpolation', () => {
  // Sorted 1, 2, 3, 4, 10: q = 0.25 ⇒ position 1 ⇒ 2; q = 0.9 ⇒ position 3.6 ⇒ 4 + 0.6·6 = 7.6.
  const x = [10, 3, 1, 4, 2];
  assert.equal(quantile(x, 0.25), 2);
  assertClose(quantile(x, 0.9), 7.6, 1e-14);
  assert.equal(quantile(x, 0), 1);
  assert.equal(quantile(x, 1), 10);
  assert.equal(quantile([7], 0.3), 7);
  assert.throws(() => quantile(x, -0.1), LineageError);
  assert.throws(() => quantile([], 0.5), LineageError);
});

test('requireSample names the sample and the problem', () => {
  assert.throws(() => requireSample([1], 'calibration distances', 2), /calibration distances: need at least 2 values, got 1/);
  assert.throws(() => requireSample([1, -Infinity], 'calibration distances'), /value #2 is -Infinity/);
  assert.doesNotThrow(() => requireSample([0, 1], 'x', 2));
});
