import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Outputs } from '../src/models/types.js';
import { clusterSuspects, deepCoreScore, identificationRates, kMeans2, type PeerFingerprint } from '../src/fingerprints/peers/index.js';
import { LineageError } from '../src/errors.js';

const outputs = (rows: number[][]): Outputs => ({ data: Float32Array.from(rows.flat()), rows: rows.length, cols: rows[0]!.length });
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= 1e-6, `${actual} ≠ ${expected}`);

test('DeepCore similarity: label agreement and mean cosine of probability vectors, higher = stolen', () => {
  const ln3 = Math.log(3);
  const fp: PeerFingerprint = {
    method: 'deepcore',
    inputs: { data: new Uint8Array(2), count: 2, height: 1, width: 1, channels: 1 },
    victimOutputs: outputs([[ln3, 0], [0, 0]]), // softmax (¾, ¼), (½, ½); labels 0, 0
    meta: { queriesToBuild: 0, seconds: 0, params: {} },
  };
  const [labels, cosine] = deepCoreScore(fp, outputs([[0, ln3], [0, 0]])); // (¼, ¾), (½, ½); labels 1, 0
  assert.deepEqual(labels, { name: 'label agreement', value: 0.5, stolenWhen: 'higher' });
  // cos((¾,¼),(¼,¾)) = (3/16 + 3/16) / (10/16) = 0.6; the second pair is identical: 1.
  close(cosine!.value, (0.6 + 1) / 2);
  assert.equal(cosine!.stolenWhen, 'higher');
});

test('k-means (k = 2) splits two obvious groups and labels the anchor\'s cluster 0', () => {
  const pts = [[0, 0], [0.1, 0], [5, 5], [5.1, 5], [0, 0.2]].map((p) => Float64Array.from(p));
  assert.deepEqual(kMeans2(pts, 0), [0, 0, 1, 1, 0]);
  assert.deepEqual(kMeans2(pts, 2), [1, 1, 0, 0, 1]);
});

test('DeepCore clustering: suspects in the victim\'s cluster are piracies', () => {
  const victim = outputs([[4, 0], [0, 4]]);
  const suspects = [outputs([[3, 0], [0, 3]]), outputs([[0, 4], [4, 0]]), outputs([[4, 0], [0, 4]]), outputs([[0, 2], [3, 0]])];
  assert.deepEqual(clusterSuspects(victim, suspects), [true, false, true, false]);
  // Nobody differs from the victim: all piracies (ties stay with the victim).
  assert.deepEqual(clusterSuspects(victim, [victim, victim]), [true, true]);
  assert.throws(() => clusterSuspects(victim, [outputs([[1, 0]])]), LineageError);
});

test('missed and false identification rates', () => {
  const called = [true, false, true, true, false];
  const truth = [true, true, true, false, false];
  const rates = identificationRates(called, truth);
  close(rates.missed, 1 / 3);
  close(rates.falseIdentification, 1 / 2);
  assert.ok(Number.isNaN(identificationRates([true], [true]).falseIdentification));
  assert.throws(() => identificationRates([true], [true, false]), LineageError);
});
