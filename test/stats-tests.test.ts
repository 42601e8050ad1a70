import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineageError } from '../src/errors.js';
import { mannWhitneyU, rankPValue, singleVsGroupTTest, welchTTest } from '../src/stats/tests.js';
import { Random } from '../src/util/random.js';
import { assertClose } from './stats-helpers.js';

test('welchTTest on a hand-computed example (matches scipy ttest_ind, equal_var=False)', () => {
  // a = [1,2,3,4]: mean 2.5, s² = 5/3;  b = [3,5,7]: mean 5, s² = 4.
  // s²a/na + s²b/nb = 5/12 + 4/3 = 1.75 ⇒ t = −2.5/√1.75 = −1.8898223650461361.
  // df = 1.75² / ((5/12)²/3 + (4/3)²/2) = 3.0625 / 0.946759259… = 3.2347188264058677.
  const a = [1, 2, 3, 4];
  const b = [3, 5, 7];
  const less = welchTTest(a, b, 'less');
  assertClose(less.t, -1.8898223650461361, 1e-14, 't');
  assertClose(less.df, 3.2347188264058677, 1e-13, 'df');
  assertClose(less.p, 0.07423567351344265, 1e-12, 'p less');
  assertClose(welchTTest(a, b, 'greater').p, 0.9257643264865574, 1e-12, 'p greater');
  assertClose(welchTTest(a, b, 'two-sided').p, 0.1484713470268853, 1e-12, 'p two-sided');
  // Swapping the groups flips t and the one-sided alternatives.
  assertClose(welchTTest(b, a, 'greater').p, less.p, 1e-15);
});

test('welchTTest needs 2 values per group and some spread', () => {
  assert.throws(() => welchTTest([1], [2, 3], 'less'), /at least 2 values, got 1/);
  assert.throws(() => welchTTest([1, 1], [2, 2], 'less'), /no spread/);
  // One constant group is fine: df comes from the other group alone (n − 1 = 2).
  assertClose(welchTTest([1, 1], [2, 3, 4], 'less').df, 2, 1e-15);
});

test('singleVsGroupTTest: prediction-interval t', () => {
  // group [2,4,6]: mean 4, sd 2; x = 0 ⇒ t = (0 − 4)/(2·√(1 + 1/3)) = −√3, df = 2.
  // Closed form for df 2: P(T ≤ −√3) = ½ − √3/(2√(2 + 3)) = 0.11270166537925831.
  const r = singleVsGroupTTest(0, [2, 4, 6]);
  assertClose(r.t, -Math.sqrt(3), 1e-15, 't');
  assert.equal(r.df, 2);
  assertClose(r.p, 0.5 - Math.sqrt(3) / (2 * Math.sqrt(5)), 1e-14, 'p');
  // A distance at the group mean gives p = ½; far above it, p → 1.
  assert.equal(singleVsGroupTTest(4, [2, 4, 6]).p, 0.5);
  assert.ok(singleVsGroupTTest(40, [2, 4, 6]).p > 0.99);
});

test('singleVsGroupTTest errors: n < 2, no spread, non-finite', () => {
  assert.throws(() => singleVsGroupTTest(0.1, [0.6]), (e: unknown) => e instanceof LineageError && /at least 2 values, got 1/.test(e.message));
  assert.throws(() => singleVsGroupTTest(0.1, [0.6, 0.6, 0.6]), /all 3 independent-model distances are identical/);
  assert.throws(() => singleVsGroupTTest(NaN, [0.6, 0.7]), LineageError);
});

test('singleVsGroupTTest p is uniform under the null: P(p ≤ 0.05) ≈ 0.05', () => {
  // x and the group from the same normal: the prediction-interval p-value is exact, so about 5 %
  // of 20,000 draws fall at or below 0.05 (binomial sd 0.15 %).
  const rng = new Random(99);
  let hits = 0;
  const runs = 20000;
  for (let r = 0; r < runs; r++) {
    const group = Array.from({ length: 6 }, () => 0.6 + 0.05 * rng.gaussian());
    if (singleVsGroupTTest(0.6 + 0.05 * rng.gaussian(), group).p <= 0.05) hits++;
  }
  assertClose(hits / runs, 0.05, 0.006, 'false-positive rate at 5 %');
});

test('mannWhitneyU without ties (matches scipy mannwhitneyu, asymptotic, continuity)', () => {
  // a = [1,2], b = [3,4,5]: no a exceeds any b ⇒ u = 0; μ = 2·3/2 = 3, σ² = 2·3·(5 + 1)/12 = 3.
  // less: z = (0 − 3 + ½)/√3 = −1.4433756729740643, p = Φ(z).
  const less = mannWhitneyU([1, 2], [3, 4, 5], 'less');
  assert.equal(less.u, 0);
  assertClose(less.z, -2.5 / Math.sqrt(3), 1e-15, 'z');
  assertClose(less.p, 0.07445733658938286, 1e-13, 'p less');
  // greater: z = (0 − 3 − ½)/√3, p = Φ(−z);  two-sided: 2·Φ(−(3 − ½)/√3).
  assertClose(mannWhitneyU([1, 2], [3, 4, 5], 'greater').p, 0.978345928594604, 1e-13, 'p greater');
  assertClose(mannWhitneyU([1, 2], [3, 4, 5], 'two-sided').p, 0.14891467317876572, 1e-13, 'p two-sided');
});

test('mannWhitneyU with ties uses mid-ranks and the tie-corrected variance', () => {
  // a = [1,2,2], b = [2,3]: u = ½ + ½ (each a = 2 against b = 2) = 1; μ = 3.
  // Pooled 1,2,2,2,3: one tie group of 3 ⇒ Σ(t³ − t) = 24; σ² = (6/12)·(6 − 24/(5·4)) = 2.4.
  // less: z = (1 − 3 + ½)/√2.4 = −0.9682458365518543.
  const r = mannWhitneyU([1, 2, 2], [2, 3], 'less');
  assert.equal(r.u, 1);
  assertClose(r.z, -1.5 / Math.sqrt(2.4), 1e-15, 'z');
  assertClose(r.p, 0.16646080403278296, 1e-13, 'p less');
  assertClose(mannWhitneyU([1, 2, 2], [2, 3], 'two-sided').p, 0.3329216080655659, 1e-13, 'p two-sided');
  // u at the null mean: two-sided p = 1. Everything tied: no evidence, p = 1.
  assert.equal(mannWhitneyU([1, 3], [2, 2.5], 'two-sided').p, 1);
  assert.deepEqual(mannWhitneyU([1, 1], [1], 'less'), { u: 1, z: 0, p: 1 });
  assert.throws(() => mannWhitneyU([], [1], 'less'), LineageError);
});

test('mannWhitneyU on a larger mixed example (scipy reference)', () => {
  const a = [0.1, 0.5, 0.2, 0.9];
  const b = [0.3, 0.7, 0.8, 1.0, 1.2, 0.4];
  assert.equal(mannWhitneyU(a, b, 'less').u, 6);
  assertClose(mannWhitneyU(a, b, 'less').p, 0.12047733435078506, 1e-13);
  assertClose(mannWhitneyU(a, b, 'greater').p, 0.9170967199029932, 1e-13);
  assertClose(mannWhitneyU(a, b, 'two-sided').p, 0.24095466870157012, 1e-13);
});

test('rankPValue = (1 + #at or below)/(n + 1): a tie counts as closer', () => {
  const group = [1, 2, 3, 4];
  assert.equal(rankPValue(0.5, group), 1 / 5); // nothing below: the smallest possible p, 1/(n + 1)
  assert.equal(rankPValue(2, group), 3 / 5); // 1 below, 1 tied
  assert.equal(rankPValue(2.5, group), 3 / 5);
  assert.equal(rankPValue(10, group), 1);
  assert.throws(() => rankPValue(1, []), LineageError);
});

test('rankPValue is exact under the null: P(p ≤ k/(n+1)) = k/(n+1)', () => {
  // n = 9 independent distances and x from the same distribution: p ≤ 0.1 iff x is the smallest
  // of 10 ⇒ probability 1/10; p ≤ 0.3 ⇒ 3/10 (binomial sd ≤ 0.33 %).
  const rng = new Random(3);
  const runs = 20000;
  let le01 = 0;
  let le03 = 0;
  for (let r = 0; r < runs; r++) {
    const group = Array.from({ length: 9 }, () => rng.next());
    const p = rankPValue(rng.next(), group);
    if (p <= 0.1) le01++;
    if (p <= 0.3) le03++;
  }
  assertClose(le01 / runs, 0.1, 0.01, 'P(p ≤ 0.1)');
  assertClose(le03 / runs, 0.3, 0.015, 'P(p ≤ 0.3)');
});
