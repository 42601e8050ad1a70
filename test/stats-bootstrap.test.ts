import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineageError } from '../src/errors.js';
import { aucBootstrap, sampleBootstrap } from '../src/stats/bootstrap.js';
import { correlationMatrix, matrixDistance, matrixPearsonDistance } from '../src/stats/correlation.js';
import { linearisedStatistics, pairStatistics } from '../src/stats/pair-statistics.js';
import { Random } from '../src/util/random.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

function matrices(n: number, mix: number, seed: number) {
  const rng = new Random(seed);
  const v = Float64Array.from({ length: n * 4 }, () => rng.gaussian());
  const s = v.map((x) => mix * x + (1 - mix) * rng.gaussian());
  return { a: correlationMatrix({ data: v, rows: n, cols: 4 }), b: correlationMatrix({ data: s, rows: n, cols: 4 }) };
}

test('pairStatistics on every sample once equals the full-matrix statistics', () => {
  const { a, b } = matrices(12, 0.7, 1);
  const all = Array.from({ length: 12 }, (_, i) => i);
  const s = pairStatistics(a, b, 12, all);
  close(s.distance, matrixDistance(a, b));
  close(s.pearsonDistance, matrixPearsonDistance(a, b, 12));
});

test('pairStatistics by hand on a 3×3 pair, with a repeated sample', () => {
  // Off-diagonal pairs (0,1), (0,2), (1,2): a = 1, 2, 3; b = 1, 2, 5.
  const a = [0, 1, 2, 1, 0, 3, 2, 3, 0];
  const b = [0, 1, 2, 1, 0, 5, 2, 5, 0];
  const s = pairStatistics(a, b, 3, [0, 1, 2]);
  close(s.distance, (2 * 2) / 9); // |3 − 5| twice over 9 entries
  // Pearson of (1,2,3) and (1,2,5): r = 4/(√2·√(26/3·… )) → computed: sxy = 4, sxx = 2, syy = 8.667.
  close(s.pearsonDistance, 1 - 4 / Math.sqrt(2 * (26 / 3)));
  // Samples 1, 1, 2: pairs (1,1) is a diagonal entry (|0 − 0|), (1,2) twice: distance = 2·2·2/9; one distinct pair: no spread ⇒ 1.
  const r = pairStatistics(a, b, 3, [1, 1, 2]);
  close(r.distance, (2 * 2 * 2) / 9);
  assert.equal(r.pearsonDistance, 1);
  assert.throws(() => pairStatistics(a, b, 3, [0, 3]), LineageError);
});

test('linearisedStatistics: values match pairStatistics (distance rescaled to N samples) and influences sum to ~0', () => {
  const { a, b } = matrices(30, 0.6, 2);
  const all = Array.from({ length: 30 }, (_, i) => i);
  const lin = linearisedStatistics(a, b, 30, 30);
  const direct = pairStatistics(a, b, 30, all);
  close(lin.distance.value, direct.distance, 1e-12);
  close(lin.pearsonDistance.value, direct.pearsonDistance, 1e-12);
  for (const s of [lin.distance, lin.pearsonDistance]) close(s.influence.reduce((x, y) => x + y, 0), 0, 1e-9);
});

test('the influence terms predict the bootstrap spread (delta method)', () => {
  const { a, b } = matrices(80, 0.5, 3);
  const lin = linearisedStatistics(a, b, 80, 80).pearsonDistance;
  const sdDelta = Math.sqrt(lin.influence.reduce((s, f) => s + f * f, 0) / 80 / 80);
  const ci = sampleBootstrap(a, b, 80, { reps: 400, seed: 5 }).pearsonDistance;
  const sdBoot = (ci.upper - ci.lower) / (2 * 1.96);
  assert.ok(sdBoot > 0.6 * sdDelta && sdBoot < 1.6 * sdDelta, `bootstrap sd ${sdBoot} vs delta-method sd ${sdDelta}`);
});

test('sampleBootstrap is seeded, covers the estimate, and refuses bad settings', () => {
  const { a, b } = matrices(25, 0.8, 4);
  const one = sampleBootstrap(a, b, 25, { reps: 200, seed: 9 });
  assert.deepEqual(one, sampleBootstrap(a, b, 25, { reps: 200, seed: 9 }));
  assert.notDeepEqual(one, sampleBootstrap(a, b, 25, { reps: 200, seed: 10 }));
  const d = matrixDistance(a, b);
  assert.ok(one.distance.lower <= d && d <= one.distance.upper);
  assert.equal(one.distance.level, 0.95);
  assert.throws(() => sampleBootstrap(a, b, 25, { reps: 3 }), LineageError);
  assert.throws(() => sampleBootstrap(a, b, 25, { level: 1 }), LineageError);
});

test('aucBootstrap: perfect separation stays at 1; overlap gives an interval around the AUC', () => {
  const perfect = aucBootstrap([0.1, 0.2, 0.3], [0.5, 0.6, 0.7]);
  assert.equal(perfect.lower, 1);
  assert.equal(perfect.upper, 1);
  const mixed = aucBootstrap([0.1, 0.4, 0.6, 0.2], [0.3, 0.5, 0.7, 0.8], { reps: 500, seed: 2 });
  assert.ok(mixed.lower < 0.8125 && mixed.upper > 0.8125 && mixed.lower >= 0 && mixed.upper <= 1, JSON.stringify(mixed));
});
