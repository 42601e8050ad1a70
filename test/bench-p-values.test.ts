import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pValueChecks, pValueCheckTable } from '../src/bench/p-values.js';
import type { ModelScore } from '../src/bench/types.js';

const model = (id: string, group: string, value: number, role: 'stolen' | 'independent' = 'independent'): ModelScore =>
  ({ id, role, group, values: { d: value }, queries: 1, seconds: 0 });

test('pValueChecks by hand: leave-one-out and other-groups calibrations, realised rates per level', () => {
  // Irrelevant models far (1.0–1.3), a homologous pair close (0.2, 0.21), one stolen model (ignored).
  const models = [model('i1', 'irr', 1.0), model('i2', 'irr', 1.1), model('i3', 'irr', 1.2), model('i4', 'irr', 1.3), model('h1', 'hom', 0.2), model('h2', 'hom', 0.21), model('s', 'prune', 0.01, 'stolen')];
  const checks = pValueChecks(models, 'd');
  assert.deepEqual(checks.map((c) => [c.group, c.calibration, c.judged, c.calibrationModels.min]), [
    ['irr', 'leave-one-out', 4, 5], ['hom', 'leave-one-out', 2, 5], ['irr', 'other groups', 4, 2], ['hom', 'other groups', 2, 4],
  ]);
  // h1 against the four irrelevant models only: rank p = (1 + 0)/5 = 0.2 (never below its floor), while the
  // t-test on (1.0, 1.1, 1.2, 1.3): t = (0.2 − 1.15)/(0.1291·√1.25) = −6.58, df 3 ⇒ p ≈ 0.0036 — a false positive at 0.01.
  const homOther = checks[3]!;
  assert.equal(homOther.rank.min, 0.2);
  assert.deepEqual(homOther.rank.below.map((b) => b.rate), [0, 0]);
  assert.deepEqual(homOther.t!.below.map((b) => b.rate), [1, 1]);
  const { header, rows } = pValueCheckTable([{ method: 'sac-jc', pValueChecks: checks }]);
  assert.equal(header.length, rows[0]!.length);
  assert.deepEqual(rows[3], ['sac-jc', 'hom', 'other groups', '2', '4', '100 %', '100 %', '0 %', '0 %']);
});
