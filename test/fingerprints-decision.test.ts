import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationFrom, peerCalibrationFrom } from '../src/fingerprints/calibrate.js';
import { fitCalibration, judge } from '../src/fingerprints/decision.js';
import type { PeerScore } from '../src/fingerprints/peers/types.js';
import type { PeerFingerprintBundle } from '../src/fingerprints/types.js';
import { decidePeer } from '../src/fingerprints/verify.js';
import { LineageError } from '../src/errors.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);
const matching = (value: number): PeerScore[] => [{ name: 'matching rate', value, stolenWhen: 'higher' }];
const judgeMatching = (value: number, cal: ReturnType<typeof peerCalibrationFrom>) =>
  judge(1 - value, cal, (m) => 1 - m.scores[0]!.value);

test('SAC calibration: the threshold is fitted on the chosen statistic of the independent models only', () => {
  const cal = calibrationFrom([{ source: 'a', distance: 0.9, pearsonDistance: 0.4 }, { source: 'b', distance: 0.1, pearsonDistance: 0.6 }]);
  assert.equal(cal.statistic, 'pearson');
  // pearson values [0.4, 0.6]: mean 0.5, sd 0.1·√2 ⇒ mean − 3·sd = 0.0757…; 1 % quantile = 0.402 ⇒ the sigma branch.
  close(cal.fit.threshold, 0.5 - 3 * 0.1 * Math.SQRT2);
  assert.equal(cal.fit.rule, 'default: sigma:3');
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
  assert.equal(cal.fit.rule, 'default: half the smallest distance');
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
  assert.equal(judge(0.0758, cal, (m) => m.v).verdict, 'independent'); // just above 0.5 − 3·0.1·√2 = 0.07574
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
  // 1 − matching values [1, 0.75]: mean 0.875, sd 0.25/√2 ⇒ threshold 0.875 − 3·0.17678 = 0.3447 ≥ 0.25.
  close(judged.threshold!, 0.875 - 3 * 0.25 / Math.SQRT2);
  assert.equal(judged.verdict, 'stolen');
  assert.equal(judged.pValue!.rank, 1 / 3);
});
