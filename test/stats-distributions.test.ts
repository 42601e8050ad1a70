import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineageError } from '../src/errors.js';
import { lnGamma, normalCdf, regularizedBeta, studentTCdf } from '../src/stats/distributions.js';
import { assertClose } from './stats-helpers.js';

test('normalCdf against published values, tails to relative 1e-12', () => {
  assert.equal(normalCdf(0), 0.5);
  assertClose(normalCdf(1.96), 0.9750021048517795, 1e-15, 'Φ(1.96)');
  assertClose(normalCdf(-1), 0.15865525393145707, 1e-15, 'Φ(−1)');
  assertClose(normalCdf(0.5), 0.6914624612740131, 1e-15, 'Φ(0.5)');
  assertClose(normalCdf(-1.5), 0.06680720126885807, 1e-15, 'Φ(−1.5)');
  assertClose(normalCdf(-3), 0.0013498980316300933, 1e-12, 'Φ(−3)', true);
  assertClose(normalCdf(-5), 2.866515718791933e-7, 1e-12, 'Φ(−5)', true);
  assertClose(normalCdf(-10), 7.61985302416047e-24, 1e-12, 'Φ(−10)', true);
  assertClose(normalCdf(-20), 2.7536241186061556e-89, 1e-12, 'Φ(−20)', true);
  // Φ(−2√2) = ½·erfc(2): exactly the switch point between series and continued fraction.
  assertClose(normalCdf(-2 * Math.SQRT2), 0.0023388674905236288, 1e-13, 'Φ(−2√2)', true);
  assert.equal(normalCdf(-40), 0);
  assert.equal(normalCdf(40), 1);
  assert.ok(Number.isNaN(normalCdf(NaN)));
  // Symmetry Φ(x) + Φ(−x) = 1 across both branches.
  for (const x of [0.1, 1.3, 2.7, 2.83, 2.84, 4.2]) assertClose(normalCdf(x) + normalCdf(-x), 1, 1e-15, `symmetry at ${x}`);
});

test('studentTCdf: t = 2.0, df = 5 ⇒ one-sided upper tail 0.05097 (t table)', () => {
  assertClose(1 - studentTCdf(2, 5), 0.05097, 5e-6, 'table, 4 significant digits');
  assertClose(studentTCdf(-2, 5), 0.050969739414929174, 1e-12, 'P(T ≤ −2), df 5', true);
});

test('studentTCdf matches the closed forms for df = 1, 2, 3, 4', () => {
  const forms: [number, (t: number) => number][] = [
    [1, (t) => 0.5 + Math.atan(t) / Math.PI], // Cauchy
    [2, (t) => 0.5 + t / (2 * Math.sqrt(2 + t * t))],
    [3, (t) => 0.5 + (t / Math.sqrt(3) / (1 + (t * t) / 3) + Math.atan(t / Math.sqrt(3))) / Math.PI],
    [4, (t) => 0.5 + (3 / 8) * (t / Math.sqrt(1 + (t * t) / 4)) * (1 - (t * t) / (12 * (1 + (t * t) / 4)))],
  ];
  for (const [df, cdf] of forms) {
    for (const t of [-30, -5, -1.7, -0.2, 0, 0.4, 1, 2.5, 9]) assertClose(studentTCdf(t, df), cdf(t), 1e-13, `df ${df}, t ${t}`);
  }
});

test('studentTCdf reproduces t-table quantiles', () => {
  // Critical values printed in t tables (3 decimals) bracket the probabilities …
  assert.ok(studentTCdf(12.706, 1) < 0.975 && studentTCdf(12.707, 1) > 0.975);
  assert.ok(studentTCdf(2.015, 5) < 0.95 && studentTCdf(2.016, 5) > 0.95);
  assert.ok(studentTCdf(2.228, 10) < 0.975 && studentTCdf(2.229, 10) > 0.975);
  assert.ok(studentTCdf(-2.750, 30) < 0.005 && studentTCdf(-2.749, 30) > 0.005);
  // … and the full-precision quantiles (scipy.stats.t.ppf) map back to them.
  assertClose(studentTCdf(12.706204736174694, 1), 0.975, 1e-13);
  assertClose(studentTCdf(2.0150483733330233, 5), 0.95, 1e-13);
  assertClose(studentTCdf(2.228138851986274, 10), 0.975, 1e-13);
  assertClose(studentTCdf(-2.749995653567226, 30), 0.005, 1e-13);
  // Non-integer df (Welch) and deep tails, against reference values (scipy.stats.t.cdf).
  assertClose(studentTCdf(0.3, 2.5), 0.6063288142524014, 1e-12);
  assertClose(studentTCdf(-12, 4), 0.0001382142742514865, 1e-10, 't −12 df 4', true);
  assertClose(studentTCdf(-40, 3), 1.7190340394579253e-5, 1e-10, 't −40 df 3', true);
  assertClose(studentTCdf(-6, 30), 6.971384383602382e-7, 1e-10, 't −6 df 30', true);
  assertClose(studentTCdf(-4, 1000), 3.400495960439082e-5, 1e-9, 't −4 df 1000', true);
  assertClose(studentTCdf(-3, 1e6), 0.0013499312707109, 1e-9, 't −3 df 1e6', true);
  // Beyond 1e7 df the normal is used; the two agree to ~1e-8 there.
  assertClose(studentTCdf(-3, 2e7), normalCdf(-3), 1e-9);
});

test('studentTCdf edge cases', () => {
  assert.equal(studentTCdf(0, 7), 0.5);
  assert.equal(studentTCdf(Infinity, 3), 1);
  assert.equal(studentTCdf(-Infinity, 3), 0);
  assert.ok(Number.isNaN(studentTCdf(NaN, 3)));
  assert.throws(() => studentTCdf(1, 0), LineageError);
});

test('regularizedBeta matches closed forms', () => {
  for (const x of [0.01, 0.3, 0.5, 0.77, 0.999]) {
    assertClose(regularizedBeta(x, 1, 1), x, 1e-14, `I_${x}(1,1)`);
    assertClose(regularizedBeta(x, 3.5, 1), x ** 3.5, 1e-14, `I_${x}(3.5,1)`);
    assertClose(regularizedBeta(x, 1, 2.5), 1 - (1 - x) ** 2.5, 1e-14, `I_${x}(1,2.5)`);
    assertClose(regularizedBeta(x, 0.5, 0.5), (2 / Math.PI) * Math.asin(Math.sqrt(x)), 1e-14, `I_${x}(½,½)`);
  }
  assertClose(regularizedBeta(0.4, 10, 20), 0.7853183897628262, 1e-13);
  assert.equal(regularizedBeta(0, 2, 3), 0);
  assert.equal(regularizedBeta(1, 2, 3), 1);
  assert.throws(() => regularizedBeta(1.5, 2, 3), LineageError);
});

test('lnGamma against exact values', () => {
  assertClose(lnGamma(1), 0, 1e-15);
  assertClose(lnGamma(5), Math.log(24), 1e-14);
  assertClose(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-14);
  assertClose(lnGamma(1e-3), 6.907178885383853, 1e-13);
  assertClose(lnGamma(200.5), 860.5822035097824, 1e-12);
  assert.throws(() => lnGamma(0), LineageError);
});
