import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Outputs } from '../src/models/types.js';
import {
  akhScore, decisionDistanceVector, deepJudgeScore, ipguardScore, jensenShannon, modelDiffScore, scorePeer, softmaxRows,
  type PeerFingerprint,
} from '../src/fingerprints/peers/index.js';
import { LineageError } from '../src/errors.js';

const outputs = (rows: number[][]): Outputs => ({ data: Float32Array.from(rows.flat()), rows: rows.length, cols: rows[0]!.length });
const fingerprint = (method: PeerFingerprint['method'], victim: number[][], referenceLabels?: number[]): PeerFingerprint => ({
  method,
  inputs: { data: new Uint8Array(victim.length), count: victim.length, height: 1, width: 1, channels: 1 },
  victimOutputs: outputs(victim),
  ...(referenceLabels ? { referenceLabels } : {}),
  meta: { queriesToBuild: 0, seconds: 0, params: {} },
});
const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

// Victim labels of these rows: 0, 1, 2, 0.
const VICTIM = [[5, 1, 0], [0, 3, 1], [1, 0, 2], [2, 1, 1]];

test('IPGuard: label-matching rate, higher = stolen', () => {
  const suspect = outputs([[9, 0, 0], [0, 1, 3], [0, 0, 1], [1, 2, 0]]); // labels 0, 2, 2, 1: 2 of 4 match
  assert.deepEqual(ipguardScore(fingerprint('ipguard', VICTIM), suspect), [{ name: 'matching rate', value: 0.5, stolenWhen: 'higher' }]);
  assert.equal(scorePeer(fingerprint('ipguard', VICTIM), outputs(VICTIM))[0]!.value, 1);
});

test('IPGuard refuses outputs of another shape', () => {
  assert.throws(() => ipguardScore(fingerprint('ipguard', VICTIM), outputs([[1, 0, 0]])), LineageError);
});

test('AKH: normalised Hamming distance of labels, lower = stolen', () => {
  const suspect = outputs([[9, 0, 0], [0, 1, 3], [0, 0, 1], [1, 2, 0]]); // 2 of 4 differ
  assert.deepEqual(akhScore(fingerprint('akh', VICTIM), suspect), [{ name: 'Hamming distance', value: 0.5, stolenWhen: 'lower' }]);
});

test('ModelDiff: DDV = 1 − cos of each seed/twin pair, L2-normalised', () => {
  // Pairs: ([1,0],[0,1]) → 1 − 0 = 1;  ([1,1],[1,1]) → 0;  ([3,4],[4,3]) → 1 − 24/25 = 0.04.
  const ddv = decisionDistanceVector(outputs([[1, 0], [1, 1], [3, 4], [0, 1], [1, 1], [4, 3]]));
  const norm = Math.hypot(1, 0, 0.04);
  [1 / norm, 0, 0.04 / norm].forEach((v, i) => close(ddv[i]!, v));
  assert.throws(() => decisionDistanceVector(outputs([[1, 0], [0, 1], [1, 1]])), LineageError);
});

test('ModelDiff: similarity = cosine of the victim and suspect DDVs, higher = stolen', () => {
  const victim = [[1, 0], [1, 1], [0, 1], [1, 1]]; // DDV (1, 0) before normalising
  const suspect = outputs([[1, 0], [1, 0], [1, 1], [1, 1]]); // DDV (1 − 1/√2, 1 − 1/√2) ∝ (1, 1)
  const [score] = modelDiffScore(fingerprint('modeldiff', victim), suspect);
  close(score!.value, Math.SQRT1_2);
  assert.equal(score!.stolenWhen, 'higher');
  close(modelDiffScore(fingerprint('modeldiff', victim), outputs(victim))[0]!.value, 1);
});

test('softmax and Jensen–Shannon divergence match hand-computed values', () => {
  const [p] = softmaxRows(outputs([[0, Math.log(3)]]));
  close(p![0]!, 0.25);
  close(p![1]!, 0.75);
  close(jensenShannon([1, 0], [0, 1]), Math.LN2);
  close(jensenShannon([0.5, 0.5], [0.5, 0.5]), 0);
  // p = (1, 0), q = (½, ½): m = (¾, ¼); ½·ln(4/3) + ½·(½·ln(⅔) + ½·ln 2).
  close(jensenShannon([1, 0], [0.5, 0.5]), 0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3) + 0.25 * Math.LN2);
});

test('DeepJudge: Rob against the clean labels and mean JSD, both lower = stolen', () => {
  // Victim outputs on two adversarial inputs; clean labels 0 and 1.
  const fp = fingerprint('deepjudge', [[0, 0], [0, 0]], [0, 1]);
  const suspect = outputs([[Math.log(3), 0], [Math.log(3), 0]]); // labels 0, 0 → Rob ½; softmax (¾, ¼) twice
  const [rob, jsd] = deepJudgeScore(fp, suspect);
  assert.deepEqual(rob, { name: 'Rob', value: 0.5, stolenWhen: 'lower' });
  close(jsd!.value, jensenShannon([0.5, 0.5], [0.75, 0.25]));
  assert.equal(jsd!.stolenWhen, 'lower');
  close(deepJudgeScore(fp, outputs([[0, 0], [0, 0]]))[1]!.value, 0);
  assert.throws(() => deepJudgeScore(fingerprint('deepjudge', [[0, 0], [0, 0]]), suspect), LineageError);
});
