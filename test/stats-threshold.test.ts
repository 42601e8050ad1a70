import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineageError } from '../src/errors.js';
import { f1Score, fitThreshold, parseThresholdRule, ruleOfFit } from '../src/stats/threshold.js';
import { assertClose } from './stats-helpers.js';

// Five independent models: sorted 0.59, 0.60, 0.65, 0.70, 0.72. mean = 3.26/5 = 0.652;
// deviations −0.062, −0.052, −0.002, 0.048, 0.068 ⇒ Σd² = 0.01348 ⇒ sd = √(0.01348/4) = 0.0580517…
const five = [0.6, 0.7, 0.65, 0.72, 0.59];
const sd5 = Math.sqrt(0.01348 / 4);

test('quantile rule: linear interpolation between order statistics', () => {
  // q = 0.01: position 4·0.01 = 0.04 ⇒ 0.59 + 0.04·(0.60 − 0.59) = 0.5904.
  const fit = fitThreshold(five, { kind: 'quantile', q: 0.01 });
  assertClose(fit.threshold, 0.5904, 1e-15);
  assert.equal(fit.rule, 'quantile:0.01');
  assert.equal(fit.n, 5);
  assertClose(fit.mean, 0.652, 1e-15);
  assertClose(fit.sd, sd5, 1e-15);
  assert.equal(fit.min, 0.59);
  // q = 0.5 on 1..4: position 1.5 ⇒ 2.5; q = 0 and 1 give min and max.
  assert.equal(fitThreshold([4, 1, 3, 2], { kind: 'quantile', q: 0.5 }).threshold, 2.5);
  assert.equal(fitThreshold([4, 1, 3, 2], { kind: 'quantile', q: 0 }).threshold, 1);
  assert.equal(fitThreshold([4, 1, 3, 2], { kind: 'quantile', q: 1 }).threshold, 4);
});

test('sigma rule: mean − k·sd, not clamped', () => {
  assertClose(fitThreshold(five, { kind: 'sigma', k: 3 }).threshold, 0.652 - 3 * sd5, 1e-15);
  // [2, 4, 6]: mean 4, sd 2 ⇒ k = 2 gives 0, k = 3 gives −2 (calls nothing stolen).
  assert.equal(fitThreshold([2, 4, 6], { kind: 'sigma', k: 2 }).threshold, 0);
  assert.equal(fitThreshold([2, 4, 6], { kind: 'sigma', k: 3 }).threshold, -2);
});

const V1 = { kind: 'default', version: 1 } as const;

test('default rule version 1: the smaller of the 1 % quantile and mean − 3·sd', () => {
  // Five models: min(0.5904, 0.652 − 3·0.0580517 = 0.4778449) ⇒ the sigma branch.
  const fit = fitThreshold(five, V1);
  assertClose(fit.threshold, 0.652 - 3 * sd5, 1e-15);
  assert.equal(fit.rule, 'default: sigma:3');
  // 100 models, two of them at 0.1 and 98 at 1.0 (a heavy lower tail):
  // 1 % quantile: position 99·0.01 = 0.99 between the two 0.1s ⇒ 0.1.
  // mean = 98.2/100 = 0.982; Σd² = 98·0.018² + 2·0.882² = 1.5876 ⇒ sd = √(1.5876/99) = 0.12663
  // ⇒ mean − 3·sd = 0.6021 > 0.1 ⇒ the quantile branch.
  const tail = [0.1, 0.1, ...new Array<number>(98).fill(1)];
  const fitTail = fitThreshold(tail, V1);
  assertClose(fitTail.threshold, 0.1, 1e-15);
  assert.equal(fitTail.rule, 'default: quantile:0.01');
});

test('default rule version 1 falls back to half the smallest distance when the others are ≤ 0', () => {
  // [0.1, 0.5, 0.9]: mean 0.5, sd 0.4 ⇒ mean − 3·sd = −0.7 ⇒ fallback 0.1/2 = 0.05.
  const fit = fitThreshold([0.5, 0.1, 0.9], V1);
  assertClose(fit.threshold, 0.05, 1e-15);
  assert.equal(fit.rule, 'default: half the smallest distance');
  assertClose(fit.sd, 0.4, 1e-15);
});

// ln d = −3, −1, 0, 1: mean −0.75; deviations −2.25, −0.25, 0.75, 1.75 ⇒ Σ = 8.75 ⇒ sd = √(8.75/3) = 1.7078.
const spread = [Math.exp(-3), Math.exp(-1), 1, Math.E];
const spreadLogSigma3 = Math.exp(-0.75 - 3 * Math.sqrt(8.75 / 3)); // = 0.00281

test('log-sigma rule: exp(mean − k·sd) of the log-distances; positive distances only', () => {
  assertClose(fitThreshold(spread, { kind: 'log-sigma', k: 3 }).threshold, spreadLogSigma3, 1e-15);
  assertClose(fitThreshold(spread, { kind: 'log-sigma', k: 0 }).threshold, Math.exp(-0.75), 1e-15);
  assert.equal(fitThreshold(spread, { kind: 'log-sigma', k: 2 }).rule, 'log-sigma:2');
  assert.throws(() => fitThreshold([0, 0.5], { kind: 'log-sigma', k: 3 }), (e: unknown) => e instanceof LineageError && /positive distances, got 0/.test(e.message));
});

test('default rule version 2 (the default): the smaller of log-sigma:3 and half the smallest distance', () => {
  // The spread set: log-sigma:3 = 0.00281 < e^−3/2 = 0.0249 ⇒ the log-sigma branch.
  const wide = fitThreshold(spread);
  assertClose(wide.threshold, spreadLogSigma3, 1e-15);
  assert.equal(wide.rule, 'default-v2: log-sigma:3');
  // Five models: ln d has mean −0.43088 and sd 0.08908 ⇒ log-sigma:3 = e^(−0.69812) = 0.4975 > 0.59/2 ⇒ the guard, 0.295
  // (version 1 gave 0.4778, within a factor 1.24 of the nearest independent model).
  const fit = fitThreshold(five);
  assertClose(fitThreshold(five, { kind: 'log-sigma', k: 3 }).threshold, 0.4975, 1e-4);
  assertClose(fit.threshold, 0.295, 1e-15);
  assert.equal(fit.rule, 'default-v2: half the smallest distance');
  // Tied models (sd 0): log-sigma:3 is the tie itself, so half of it; a distance ≤ 0 has no log: half of it.
  assert.equal(fitThreshold([0.5, 0.5, 0.5]).threshold, 0.25);
  assert.deepEqual([fitThreshold([0, 0.4]).threshold, fitThreshold([0, 0.4]).rule], [0, 'default-v2: half the smallest distance']);
});

test('the demo panel: one far model drags version 1 below the copies, not version 2', () => {
  // Pearson distances of fr_feature's faces panel (demo, 53 faces): mobileface, faceres, faceres-deep, faceapi_recognition.
  const panel = [0.3128785706339182, 0.37191112195933107, 0.42657369218505903, 0.6464815346160615];
  // Version 1: mean 0.43946, sd 0.14561 ⇒ 0.43946 − 0.43684 = 0.0026214 (as stored by the old code).
  assertClose(fitThreshold(panel, V1).threshold, 0.002621389966443066, 1e-12);
  // Version 2: ln d = −1.1619, −0.9891, −0.8520, −0.4362 ⇒ mean −0.85981, sd 0.30957 ⇒ log-sigma:3 = e^(−1.78851) = 0.1672
  // > 0.3129/2 ⇒ the guard 0.15644: the 30 %-pruned (0.0995) and 5 %-noise (0.0697) copies are below it.
  assertClose(fitThreshold(panel, { kind: 'log-sigma', k: 3 }).threshold, 0.1672, 1e-4);
  const v2 = fitThreshold(panel);
  assertClose(v2.threshold, 0.3128785706339182 / 2, 1e-15);
  assert.equal(v2.rule, 'default-v2: half the smallest distance');
  // Without the far model version 1 is 0.20 again (README): a wider panel made it stricter.
  assert.ok(fitThreshold(panel.slice(0, 3), V1).threshold > 0.19);
});

test('fitThreshold rejects too few models, bad rules and non-finite distances', () => {
  assert.throws(() => fitThreshold([0.6]), /at least 2 values, got 1/);
  assert.throws(() => fitThreshold(five, { kind: 'quantile', q: 1.5 }), LineageError);
  assert.throws(() => fitThreshold(five, { kind: 'sigma', k: -1 }), LineageError);
  assert.throws(() => fitThreshold(five, { kind: 'log-sigma', k: NaN }), LineageError);
  assert.throws(() => fitThreshold(five, { kind: 'default', version: 3 as 1 }), LineageError);
  assert.throws(() => fitThreshold([0.6, Infinity]), /not a finite number/);
});

test('parseThresholdRule reads the CLI forms and rejects the rest', () => {
  assert.deepEqual(parseThresholdRule('default'), { kind: 'default', version: 2 });
  assert.deepEqual(parseThresholdRule('default-v1'), { kind: 'default', version: 1 });
  assert.deepEqual(parseThresholdRule('default-v2'), { kind: 'default', version: 2 });
  assert.deepEqual(parseThresholdRule('log-sigma:3'), { kind: 'log-sigma', k: 3 });
  assert.deepEqual(parseThresholdRule('quantile:0.01'), { kind: 'quantile', q: 0.01 });
  assert.deepEqual(parseThresholdRule(' sigma:2.5 '), { kind: 'sigma', k: 2.5 });
  for (const bad of ['', 'quantile', 'quantile:', 'quantile:abc', 'quantile:2', 'sigma:-1', 'sigma:3:4', 'default:1', 'median',
    'default-v3', 'default-v1:2', 'log-sigma', 'log-sigma:-1', 'log-mad:3']) {
    assert.throws(() => parseThresholdRule(bad), (e: unknown) => e instanceof LineageError && /quantile:0\.01/.test(e.hint ?? ''), `'${bad}'`);
  }
});

test('ruleOfFit: the rule a stored fit names, version included (version 1 texts predate versions)', () => {
  assert.deepEqual(ruleOfFit('default: sigma:3'), { kind: 'default', version: 1 });
  assert.deepEqual(ruleOfFit('default: half the smallest distance'), { kind: 'default', version: 1 });
  assert.deepEqual(ruleOfFit('default'), { kind: 'default', version: 1 });
  assert.deepEqual(ruleOfFit('default-v2: log-sigma:3'), { kind: 'default', version: 2 });
  assert.deepEqual(ruleOfFit('quantile:0.05'), { kind: 'quantile', q: 0.05 });
  // Each default version's text re-fits to itself.
  for (const version of [1, 2] as const) {
    for (const d of [five, spread, [0.1, 0.5, 0.9], [0.3, 0.4, 0.5, 0.9]]) {
      const fit = fitThreshold(d, { kind: 'default', version });
      assert.deepEqual(fitThreshold(d, ruleOfFit(fit.rule)), fit);
    }
  }
  assert.throws(() => ruleOfFit('default-v9: log-sigma:3'), LineageError);
});

test('f1Score: precision, recall and F1 from the confusion counts', () => {
  // predicted T T F F T vs actual T F T F T ⇒ tp 2 (#1, #5), fp 1 (#2), fn 1 (#3), tn 1 (#4);
  // precision = 2/3, recall = 2/3, F1 = 2/3.
  const r = f1Score([true, true, false, false, true], [true, false, true, false, true]);
  assert.deepEqual([r.tp, r.fp, r.fn, r.tn], [2, 1, 1, 1]);
  assertClose(r.precision, 2 / 3, 1e-15);
  assertClose(r.recall, 2 / 3, 1e-15);
  assertClose(r.f1, 2 / 3, 1e-15);
  // All caught, one false alarm out of three calls: P = 2/3, R = 1 ⇒ F1 = 2·(2/3)/(5/3) = 0.8.
  assertClose(f1Score([true, true, true], [true, true, false]).f1, 0.8, 1e-15);
  // Nothing called stolen and nothing stolen: all zero by convention.
  assert.deepEqual(f1Score([false, false], [false, false]), { tp: 0, fp: 0, fn: 0, tn: 2, precision: 0, recall: 0, f1: 0 });
  assert.throws(() => f1Score([true], [true, false]), /1 verdicts but 2 true labels/);
});
