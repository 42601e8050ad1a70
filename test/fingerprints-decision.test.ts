import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationFrom, peerCalibrationFrom } from '../src/fingerprints/calibrate.js';
import { checkCalibration, fitCalibration, judge } from '../src/fingerprints/decision.js';
import type { PeerScore } from '../src/fingerprints/peers/types.js';
import type { Calibration, PeerFingerprintBundle } from '../src/fingerprints/types.js';
import { decidePeer } from '../src/fingerprints/verify.js';
import { LineageError } from '../src/errors.js';
import type { ThresholdRule } from '../src/stats/threshold.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);
const matching = (value: number): PeerScore[] => [{ name: 'matching rate', value, stolenWhen: 'higher' }];
const judgeMatching = (value: number, cal: ReturnType<typeof peerCalibrationFrom>) =>
  judge(1 - value, cal, (m) => 1 - m.scores[0]!.value);

test('SAC calibration: the threshold is fitted on the chosen statistic of the independent models only', () => {
  const cal = calibrationFrom([{ source: 'a', distance: 0.9, pearsonDistance: 0.4 }, { source: 'b', distance: 0.1, pearsonDistance: 0.6 }]);
  assert.equal(cal.statistic, 'pearson');
  // pearson values [0.4, 0.6], default version 2: ln d has mean ln √0.24 and sd ln(0.6/0.4)/√2
  // ⇒ log-sigma:3 = √0.24·(2/3)^(3/√2) = 0.2073 > 0.4/2 ⇒ the guard, 0.2.
  close(cal.fit.threshold, 0.2);
  assert.equal(cal.fit.rule, 'default-v2: half the smallest distance');
  // Version 1, asked for: mean 0.5, sd 0.1·√2 ⇒ mean − 3·sd = 0.0757…; 1 % quantile = 0.402 ⇒ the sigma branch.
  const v1 = calibrationFrom(cal.models, { rule: { kind: 'default', version: 1 } });
  close(v1.fit.threshold, 0.5 - 3 * 0.1 * Math.SQRT2);
  assert.equal(v1.fit.rule, 'default: sigma:3');
  const distance = calibrationFrom(cal.models, { statistic: 'distance' });
  close(distance.fit.mean, 0.5);
});

test('peer calibration decides on the first statistic, turned to lower = stolen, by name', () => {
  const rob = (value: number, jsd: number): PeerScore[] => [{ name: 'Rob', value, stolenWhen: 'lower' }, { name: 'JSD', value: jsd, stolenWhen: 'lower' }];
  const dj = peerCalibrationFrom([{ source: 'a', scores: rob(0.5, 0.3) }, { source: 'b', scores: rob(0.7, 0.2) }]);
  assert.equal(dj.statistic, 'Rob');
  close(dj.fit.mean, 0.6);
  const ipg = peerCalibrationFrom([{ source: 'a', scores: matching(0.25) }, { source: 'b', scores: matching(0) }]);
  assert.equal(ipg.statistic, '1 − matching rate');
  close(ipg.fit.mean, 0.875);
});

test('tied independent models (common for discrete peer statistics): the threshold stays below them and the t-test is left out', () => {
  const cal = peerCalibrationFrom(['a', 'b', 'c'].map((source) => ({ source, scores: matching(0) })));
  // All at 1 − 0 = 1, sd 0: half the smallest value, so that a model scoring like them is not called stolen.
  assert.equal(cal.fit.threshold, 0.5);
  assert.equal(cal.fit.rule, 'default-v2: half the smallest distance');
  const victim = judgeMatching(1, cal);
  assert.equal(victim.verdict, 'stolen');
  assert.equal(victim.pValue.rank, 1 / 4); // (1 + 0 at or below) / (3 + 1): the floor
  assert.equal(victim.pValue.floor, 1 / 4);
  assert.equal(victim.pValue.t, undefined);
  assert.deepEqual(Object.keys(victim.pValue.nulls!), ['rank'], 'no t-test, so no t-test null');
  const tiedWithThem = judgeMatching(0, cal);
  assert.equal(tiedWithThem.verdict, 'independent');
  assert.equal(tiedWithThem.pValue.rank, (1 + 3) / 4); // ties count as closer: exact under exchangeability
});

test('with spread, the verdict holds the value to the threshold and both p-values are given', () => {
  const cal = fitCalibration([{ source: 'a', v: 0.4 }, { source: 'b', v: 0.6 }], 'x', (m) => m.v);
  const j = judge(0.05, cal, (m) => m.v);
  assert.equal(j.verdict, 'stolen');
  assert.equal(j.statistic, 'x');
  // t = (0.05 − 0.5)/(0.1·√2·√(1 + 1/2)) = −2.598, df = 1 (Cauchy): p = ½ + atan(t)/π = 0.1169.
  close(j.pValue.t!, 0.5 + Math.atan(-0.45 / (0.1 * Math.SQRT2 * Math.sqrt(1.5))) / Math.PI, 1e-3);
  assert.equal(judge(0.2, cal, (m) => m.v).verdict, 'stolen'); // at the threshold 0.4/2
  assert.equal(judge(0.2001, cal, (m) => m.v).verdict, 'independent');
});

test('an independent model that scores as well as the victim itself is refused, named', () => {
  assert.throws(() => peerCalibrationFrom([{ source: 'twin.onnx', scores: matching(1) }, { source: 'b', scores: matching(0) }]),
    (e: unknown) => e instanceof LineageError && /twin\.onnx/.test(e.message) && /cannot tell it from the victim/.test(e.message));
});

test('decidePeer: inconclusive without a calibration, judged on the calibrated statistic with one', () => {
  const fp = { kind: 'peer', method: 'ipguard' } as PeerFingerprintBundle;
  const scored = { scores: matching(0.75), queries: 4 };
  const open = decidePeer(fp, 's.onnx', scored);
  assert.deepEqual(open, { source: 's.onnx', method: 'ipguard', scores: scored.scores, statistic: '1 − matching rate', value: 0.25, queries: 4, verdict: 'inconclusive' });
  const calibration = peerCalibrationFrom([{ source: 'a', scores: matching(0) }, { source: 'b', scores: matching(0.25) }]);
  const judged = decidePeer({ ...fp, calibration }, 's.onnx', scored);
  // 1 − matching values [1, 0.75]: log-sigma:3 = √0.75·0.75^(3/√2) = 0.4704 > 0.75/2 ⇒ threshold 0.375 ≥ 0.25.
  close(judged.threshold!, 0.375);
  assert.equal(judged.verdict, 'stolen');
  assert.equal(judged.pValue!.rank, 1 / 3);
});

test('a calibration stored under the version 1 default (the demo bundle before version 2) still verifies; edits do not', () => {
  // As the old code stored it (lineage demo at e056115): the faces panel's scores and 'default: sigma:3'.
  const models = [
    { source: 'builtin:mobileface', distance: 0.1363002451222274, pearsonDistance: 0.3128785706339182 },
    { source: 'builtin:faceres', distance: 0.2674329830310565, pearsonDistance: 0.37191112195933107 },
    { source: 'builtin:faceres-deep', distance: 0.274063981629511, pearsonDistance: 0.42657369218505903 },
    { source: 'builtin:faceapi_recognition', distance: 0.7391331485383976, pearsonDistance: 0.6464815346160615 },
  ];
  const fit = { threshold: 0.002621389966443066, rule: 'default: sigma:3', n: 4, mean: 0.4394612298485924, sd: 0.14561327996071646, min: 0.3128785706339182 };
  const old: Calibration = { createdAt: '2026-12-03T13:49:15.776Z', statistic: 'pearson', fit, models };
  const pearson = (m: { pearsonDistance: number }) => m.pearsonDistance;
  assert.doesNotThrow(() => checkCalibration(old, pearson));
  // Calibrating the same scores today takes version 2 (half of mobileface's 0.3129), which verifies too.
  const today = calibrationFrom(models);
  assert.equal(today.fit.rule, 'default-v2: half the smallest distance');
  close(today.fit.threshold, 0.3128785706339182 / 2);
  assert.doesNotThrow(() => checkCalibration(today, pearson));
  // A threshold or rule edited without the other, or a rule the scores do not lead to, is refused.
  const edited = [
    { ...fit, threshold: 0.15 },
    { ...fit, rule: 'default-v2: half the smallest distance' },
    { ...fit, rule: 'default-v2: log-sigma:3', threshold: 0.1672 },
    { ...today.fit, threshold: 0.2 },
    { ...fit, rule: 'default-v7: sigma:3' },
  ];
  for (const e of edited) assert.throws(() => checkCalibration({ ...old, fit: e }, pearson), /calibration is inconsistent/, JSON.stringify(e));
});

test('the demo (victim fr_feature, faces panel): 9/9 verdicts under the default rule, 7/9 under version 1', () => {
  // Pearson distances measured by `npm run demo` (53 faces). Copies are judged against the whole panel,
  // each independent model against the others (leave-one-out), as src/demo/demo.ts does.
  const copies = { 'pruned-30': 0.09948, fp16: 3.02e-6, int8: 0.001461, 'noise-1pct': 0.002302, 'noise-5pct': 0.06966 };
  const panel = [
    { source: 'builtin:mobileface', distance: 0.1363, pearsonDistance: 0.3128785706339182 },
    { source: 'builtin:faceres', distance: 0.2674, pearsonDistance: 0.37191112195933107 },
    { source: 'builtin:faceres-deep', distance: 0.2741, pearsonDistance: 0.42657369218505903 },
    { source: 'builtin:faceapi_recognition', distance: 0.7391, pearsonDistance: 0.6464815346160615 },
  ];
  const pearson = (m: { pearsonDistance: number }) => m.pearsonDistance;
  const verdicts = (rule?: ThresholdRule) => [
    ...Object.values(copies).map((v) => judge(v, calibrationFrom(panel, { rule }), pearson).verdict === 'stolen'),
    ...panel.map((m) => judge(m.pearsonDistance, calibrationFrom(panel.filter((o) => o !== m), { rule }), pearson).verdict === 'independent'),
  ];
  assert.deepEqual(verdicts(), new Array(9).fill(true));
  // Version 1: threshold 0.0026 for the copies ⇒ pruned-30 and noise-5pct pass as independent.
  assert.deepEqual(verdicts({ kind: 'default', version: 1 }), [false, true, true, true, false, true, true, true, true]);
});
