import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineageError } from '../src/errors.js';
import { auc, rocCurve, tprAtFpr } from '../src/stats/auc.js';
import { Random } from '../src/util/random.js';
import { assertClose } from './stats-helpers.js';

test('auc counts ties as ½ (positives = small distances)', () => {
  // Pairs (pos, neg): (1,2) 1, (1,3) 1, (2,2) ½, (2,3) 1 ⇒ 3.5 / 4 = 0.875.
  assert.equal(auc([1, 2], [2, 3]), 0.875);
  assert.equal(auc([0.1, 0.2], [0.5, 0.6]), 1);
  assert.equal(auc([0.5, 0.6], [0.1, 0.2]), 0);
  assert.equal(auc([1, 1, 1], [1, 1]), 0.5);
  // Pairs: 3 vs (1, 4, 5): 0 + 1 + 1; 2 vs (1, 4, 5): 0 + 1 + 1 ⇒ 4 / 6.
  assertClose(auc([3, 2], [1, 4, 5]), 4 / 6, 1e-15);
});

test('auc equals the O(n²) pair count on random data with many ties', () => {
  const rng = new Random(11);
  const pos = Array.from({ length: 300 }, () => Math.round(rng.gaussian() * 4) / 4);
  const neg = Array.from({ length: 200 }, () => Math.round((rng.gaussian() + 0.7) * 4) / 4);
  let pairs = 0;
  for (const p of pos) for (const n of neg) pairs += p < n ? 1 : p === n ? 0.5 : 0;
  assertClose(auc(pos, neg), pairs / (pos.length * neg.length), 1e-12);
});

test('auc rejects empty groups and non-finite distances', () => {
  assert.throws(() => auc([], [1]), LineageError);
  assert.throws(() => auc([1], [NaN]), /not a finite number/);
});

test('rocCurve: hand example with a tie', () => {
  // Sorted: 1 (pos), 2 (pos), 2 (neg), 3 (neg). Thresholds −∞, 1, 2, 3:
  // tpr 0, ½, 1, 1; fpr 0, 0, ½, 1. The tie at 2 moves both rates in one step.
  assert.deepEqual(rocCurve([2, 1], [3, 2]), [
    { fpr: 0, tpr: 0, threshold: -Infinity },
    { fpr: 0, tpr: 0.5, threshold: 1 },
    { fpr: 0.5, tpr: 1, threshold: 2 },
    { fpr: 1, tpr: 1, threshold: 3 },
  ]);
});

test('rocCurve runs from (0,0) to (1,1) and its trapezoid area is the AUC', () => {
  const rng = new Random(5);
  const pos = Array.from({ length: 40 }, () => Math.round(rng.gaussian() * 3) / 3);
  const neg = Array.from({ length: 60 }, () => Math.round((rng.gaussian() + 1) * 3) / 3);
  const roc = rocCurve(pos, neg);
  assert.deepEqual([roc[0]!.fpr, roc[0]!.tpr], [0, 0]);
  assert.deepEqual([roc.at(-1)!.fpr, roc.at(-1)!.tpr], [1, 1]);
  let area = 0;
  for (let k = 1; k < roc.length; k++) {
    assert.ok(roc[k]!.threshold > roc[k - 1]!.threshold, 'thresholds ascend');
    area += ((roc[k]!.fpr - roc[k - 1]!.fpr) * (roc[k]!.tpr + roc[k - 1]!.tpr)) / 2;
  }
  assertClose(area, auc(pos, neg), 1e-12, 'ROC area');
});

test('tprAtFpr: best TPR with FPR at most the bound', () => {
  // From the hand ROC above: FPR 0 reaches TPR ½; FPR ½ reaches 1.
  assert.equal(tprAtFpr([1, 2], [2, 3]), 0.5);
  assert.equal(tprAtFpr([1, 2], [2, 3], 0.5), 1);
  // 100 negatives: FPR 1 % allows exactly one negative below the threshold.
  const neg = Array.from({ length: 100 }, (_, i) => 10 + i);
  assert.equal(tprAtFpr([10.5, 11.5, 50], neg, 0.01), 1 / 3);
  assert.equal(tprAtFpr([10.5, 11.5, 50], neg, 0.02), 2 / 3);
  assert.throws(() => tprAtFpr([1], [2], 1.5), LineageError);
});
