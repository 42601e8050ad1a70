import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineageError } from '../src/errors.js';
import {
  KERNELS,
  argmaxRows,
  correlationMatrix,
  labelOnlyOutputs,
  matrixDistance,
  matrixPearsonDistance,
  matrixSpread,
  normalizeRows,
} from '../src/stats/correlation.js';
import type { Kernel, RowMatrix } from '../src/stats/correlation.js';
import { Random } from '../src/util/random.js';
import { assertAllClose, assertClose } from './stats-helpers.js';

// Hand example: o1 = (3, 4), o2 = (0, 2), o3 = (−5, 0)
// ⇒ ô1 = (0.6, 0.8), ô2 = (0, 1), ô3 = (−1, 0)
// ⇒ cos12 = 0.8, cos13 = −0.6, cos23 = 0; ‖ô_i − ô_j‖² = 2 − 2·cos: 0.4, 3.2, 2.
const outputs: RowMatrix = { data: [3, 4, 0, 2, -5, 0], rows: 3, cols: 2 };

test('normalizeRows divides each row by its L2 norm', () => {
  assertAllClose(normalizeRows(outputs.data, 3, 2), [0.6, 0.8, 0, 1, -1, 0], 1e-15);
  // An all-zero row stays zero (norm floored at 1e-12), a tiny row is still scaled to unit norm.
  assertAllClose(normalizeRows([0, 0, 1e-9, 0], 2, 2), [0, 0, 1, 0], 1e-15);
});

test('normalizeRows rejects a shape mismatch and non-finite outputs with a LineageError', () => {
  assert.throws(() => normalizeRows([1, 2, 3], 2, 2), LineageError);
  assert.throws(() => normalizeRows([1, NaN], 1, 2), /non-finite value \(NaN\)/);
  assert.throws(() => normalizeRows([], 0, 2), LineageError);
});

test('cosine kernel: C = 1 − cos on the hand example', () => {
  // 1 − 0.8 = 0.2, 1 − (−0.6) = 1.6, 1 − 0 = 1; diagonal 1 − 1 = 0.
  assertAllClose(correlationMatrix(outputs), [0, 0.2, 1.6, 0.2, 0, 1, 1.6, 1, 0], 1e-15, 'cosine');
});

test('half-cosine kernel: C = (1 − cos)/2 on the hand example', () => {
  assertAllClose(correlationMatrix(outputs, 'half-cosine'), [0, 0.1, 0.8, 0.1, 0, 0.5, 0.8, 0.5, 0], 1e-15, 'half-cosine');
});

test('rbf kernel: C = exp(−‖ô_i − ô_j‖²) on the hand example', () => {
  const [e04, e32, e2] = [0.6703200460356393, 0.04076220397836621, 0.1353352832366127]; // exp(−0.4), exp(−3.2), exp(−2)
  assertAllClose(correlationMatrix(outputs, 'rbf'), [1, e04, e32, e04, 1, e2, e32, e2, 1], 1e-15, 'rbf');
});

test('an all-zero output row has cosine 0 with everything', () => {
  // ô = (0, 0): cosine kernel 1 − 0 = 1 everywhere in its row (diagonal too); rbf exp(−‖0 − ô_j‖²) = e⁻¹.
  const zero: RowMatrix = { data: [0, 0, 3, 4], rows: 2, cols: 2 };
  assertAllClose(correlationMatrix(zero), [1, 1, 1, 0], 1e-15, 'cosine');
  assertAllClose(correlationMatrix(zero, 'rbf'), [1, Math.exp(-1), Math.exp(-1), 1], 1e-15, 'rbf');
});

test('KERNELS lists every kernel once with a description', () => {
  assert.deepEqual(KERNELS.map((k) => k.name).sort(), ['cosine', 'half-cosine', 'rbf']);
  for (const k of KERNELS) assert.ok(k.description.length > 10);
});

/** Straight from the definitions, O(N²d), no Gram matrix. */
function naiveMatrix(data: Float64Array, n: number, d: number, kernel: Kernel): Float64Array {
  const unit = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += data[i * d + k]! ** 2;
    for (let k = 0; k < d; k++) unit[i * d + k] = data[i * d + k]! / Math.max(Math.sqrt(ss), 1e-12);
  }
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      let sq = 0;
      for (let k = 0; k < d; k++) {
        dot += unit[i * d + k]! * unit[j * d + k]!;
        sq += (unit[i * d + k]! - unit[j * d + k]!) ** 2;
      }
      c[i * n + j] = kernel === 'cosine' ? 1 - dot : kernel === 'half-cosine' ? (1 - dot) / 2 : Math.exp(-sq);
    }
  }
  return c;
}

function randomOutputs(rng: Random, n: number, d: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n * d }, () => scale * rng.gaussian());
}

test('blocked correlationMatrix equals the naive O(N²d) definition on random 137×19 data', () => {
  const rng = new Random(20240601);
  // Shapes around the kernel's block sizes (rows in 4s, columns in 2s, tiles of 64).
  for (const [n, d] of [[137, 19], [64, 8], [5, 1], [1, 3], [130, 64]] as const) {
    const data = randomOutputs(rng, n, d, 37);
    for (const kernel of ['cosine', 'half-cosine', 'rbf'] as const) {
      const fast = correlationMatrix({ data, rows: n, cols: d }, kernel);
      assertAllClose(fast, naiveMatrix(data, n, d, kernel), 1e-12, `${kernel} ${n}×${d}`);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(fast[i * n + j], fast[j * n + i], 'exactly symmetric');
    }
  }
});

test('correlationMatrix speed at N = 1,000, d = 512 (reported, not asserted)', () => {
  const n = 1000;
  const d = 512;
  const outputs = { data: randomOutputs(new Random(7), n, d), rows: n, cols: d };
  // Wall time and this process's CPU time (the latter is not inflated when other jobs share the cores).
  const runs: string[] = [];
  let c: Float64Array | undefined;
  for (let run = 0; run < 5; run++) {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    c = correlationMatrix(outputs);
    const { user, system } = process.cpuUsage(cpu);
    runs.push(`${(performance.now() - wall).toFixed(1)} (cpu ${((user + system) / 1000).toFixed(1)})`);
  }
  console.log(`correlationMatrix 1000×512 cosine, ms per run, first includes compilation: ${runs.join(', ')}`);
  // Spot-check a few entries against the definition.
  const unit = normalizeRows(outputs.data, n, d);
  for (const [i, j] of [[0, 999], [500, 3], [998, 998]] as const) {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += unit[i * d + k]! * unit[j * d + k]!;
    assertClose(c![i * n + j]!, 1 - dot, 1e-12, `C[${i}][${j}]`);
  }
});

test('labelOnlyOutputs: softmax of 0.01 everywhere and 1.0 at the label', () => {
  // 3 classes, label 1: Z = e¹ + 2·e^0.01 = 2.718281828 + 2.020100334 = 4.738382163;
  // on = e/Z = 0.5736729827, off = e^0.01/Z = 0.2131635086 (row sums to 1).
  const { data, rows, cols } = labelOnlyOutputs([1, 0], 3);
  assert.equal(rows, 2);
  assert.equal(cols, 3);
  const [on, off] = [0.5736729827109993, 0.21316350864450032];
  assertAllClose(data, [off, on, off, on, off, off], 1e-15, 'label-only rows');
  assert.throws(() => labelOnlyOutputs([3], 3), /label 3, not a class in 0..2/);
  assert.throws(() => labelOnlyOutputs([0.5], 3), LineageError);
  assert.throws(() => labelOnlyOutputs([0], 0), LineageError);
});

test('argmaxRows picks the largest value per row, the first on ties', () => {
  assert.deepEqual(Array.from(argmaxRows({ data: [1, 3, 2, 5, 5, 0, -1, -2, -0.5], rows: 3, cols: 3 })), [1, 0, 2]);
  assert.deepEqual(Array.from(argmaxRows(labelOnlyOutputs([2, 0, 1], 4))), [2, 0, 1]);
});

test('matrixDistance = mean |a − b| over all N² entries, diagonal included', () => {
  // |0 − 0| + |1 − 0.5| + |1 − 2| + |0.2 − 0| = 1.7, over 4 entries = 0.425.
  assert.equal(matrixDistance([0, 1, 1, 0.2], [0, 0.5, 2, 0]), 0.425);
  assert.equal(matrixDistance([0, 1, 1, 0], [0, 1, 1, 0]), 0);
  assert.throws(() => matrixDistance([0, 1, 1, 0], [0, 1, 1, 0, 0, 0, 0, 0, 0]), /differ in size/);
  assert.throws(() => matrixDistance([0, 1, 1], [0, 1, 1]), LineageError);
});

test('matrixPearsonDistance = 1 − Pearson r of the off-diagonal upper triangles', () => {
  // Upper triangles x = (1, 2, 3), y = (1, 3, 2): means 2, 2; dx = (−1, 0, 1), dy = (−1, 1, 0);
  // Σdx·dy = 1, Σdx² = Σdy² = 2 ⇒ r = 0.5 ⇒ distance 0.5.
  const a = [0, 1, 2, 1, 0, 3, 2, 3, 0];
  const b = [0, 1, 3, 1, 0, 2, 3, 2, 0];
  assertClose(matrixPearsonDistance(a, b, 3), 0.5, 1e-15);
  // Scale-free: the cosine and half-cosine matrices of the same outputs are at distance 0 …
  assertClose(matrixPearsonDistance(correlationMatrix(outputs), correlationMatrix(outputs, 'half-cosine'), 3), 0, 1e-15);
  // … and a reversed ordering (5 − x) is at the maximum, 2. The diagonal is ignored.
  assertClose(matrixPearsonDistance(a, a.map((v, k) => (k % 4 === 0 ? 9 : 5 - v)), 3), 2, 1e-15);
  // Constant off-diagonal entries carry no ordering: 1 (no evidence either way).
  assert.equal(matrixPearsonDistance([0, 1, 1, 1, 0, 1, 1, 1, 0], b, 3), 1);
  assert.throws(() => matrixPearsonDistance(a, b, 2), /expected 2×2/);
});

test('matrixSpread summarises the off-diagonal entries', () => {
  // Off-diagonal (upper triangle) of a: 1, 2, 3 ⇒ mean 2, sd √(((−1)² + 0 + 1²)/2) = 1, min 1, max 3.
  assert.deepEqual(matrixSpread([0, 1, 2, 1, 0, 3, 2, 3, 0], 3), { mean: 2, sd: 1, min: 1, max: 3 });
  // A flat (degenerate) fingerprint has sd 0.
  assert.equal(matrixSpread([0, 0.5, 0.5, 0], 2).min, 0.5);
  assert.equal(matrixSpread([0, 1e-4, 1e-4, 1e-4, 0, 1e-4, 1e-4, 1e-4, 0], 3).sd, 0);
  assert.throws(() => matrixSpread([0, 1, 1, 0], 3), LineageError);
});
