import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineageError } from '../src/errors.js';
import { correlationMatrix } from '../src/stats/correlation.js';
import { linearisedStatistics, pairStatistics } from '../src/stats/pair-statistics.js';
import { csRadius, look, lookSchedule, MIN_LOOK } from '../src/stats/sequential.js';
import { Random } from '../src/util/random.js';

/** A population of M samples: victim outputs and a suspect's, the suspect mixing the victim's with noise. */
function population(m: number, mix: number, seed: number) {
  const rng = new Random(seed);
  const v = Float64Array.from({ length: m * 6 }, () => rng.gaussian());
  const s = v.map((x) => mix * x + (1 - mix) * (rng.gaussian() + 0.3 * rng.gaussian() ** 2));
  return { a: correlationMatrix({ data: v, rows: m, cols: 6 }), b: correlationMatrix({ data: s, rows: m, cols: 6 }) };
}

/** Run the sequential test in a random order; returns the settled decision (or none) and the samples used. */
function run(a: Float64Array, b: Float64Array, m: number, threshold: number, alpha: number, seed: number, budget = 100) {
  const order = new Random(seed).permutation(m);
  for (const n of lookSchedule(budget, 10)) {
    const sub = (c: Float64Array) => Float64Array.from({ length: n * n }, (_, k) => c[order[Math.floor(k / n)]! * m + order[k % n]!]!);
    const s = linearisedStatistics(sub(a), sub(b), n, m).pearsonDistance;
    const l = look(n, s.value, csRadius(s.influence, alpha, budget / 2), threshold);
    if (l.settled) return { settled: l.settled, samples: n };
  }
  return { samples: budget };
}

test('error control on simulated nulls: with the threshold at the population value, a decision is settled in ≤ α of runs', () => {
  // At τ = θ every settled decision is wrong; the confidence sequence must keep them to α over all looks.
  const m = 300;
  const { a, b } = population(m, 0.5, 1);
  const theta = pairStatistics(a, b, m, Array.from({ length: m }, (_, i) => i)).pearsonDistance;
  const alpha = 0.1;
  const runs = 120;
  let wrong = 0;
  for (let r = 0; r < runs; r++) if (run(a, b, m, theta, alpha, 100 + r).settled) wrong++;
  // Binomial sd at 0.1 over 120 runs ≈ 0.027: 0.16 is two sd above α.
  assert.ok(wrong / runs <= 0.16, `wrong decisions in ${wrong} of ${runs} runs`);
});

test('a near copy settles as stolen at the first look, a far model as independent early', () => {
  const m = 200;
  const copy = population(m, 0.97, 2);
  assert.deepEqual(run(copy.a, copy.b, m, 0.3, 0.01, 1), { settled: 'stolen', samples: MIN_LOOK });
  const far = population(m, 0.1, 3);
  const r = run(far.a, far.b, m, 0.3, 0.01, 1);
  assert.equal(r.settled, 'independent');
  assert.ok(r.samples <= 40, `${r.samples} samples`);
});

test('csRadius by hand: σ = 1 at n = 4, tuned at 4', () => {
  const alpha = 0.05;
  const l = -2 * Math.log(alpha);
  const rho2 = (l + Math.log(l + 1)) / 4;
  const expected = Math.sqrt(((2 * (4 * rho2 + 1)) / (16 * rho2)) * Math.log(Math.sqrt(4 * rho2 + 1) / alpha));
  assert.ok(Math.abs(csRadius([1, -1, 1, -1], alpha, 4) - expected) < 1e-12);
  assert.throws(() => csRadius([1, -1], 0, 4), LineageError);
});

test('look and lookSchedule', () => {
  assert.deepEqual(look(30, 0.1, 0.05, 0.2), { samples: 30, estimate: 0.1, lower: 0.05, upper: 0.15000000000000002, settled: 'stolen' });
  assert.equal(look(30, 0.3, 0.05, 0.2).settled, 'independent');
  assert.equal(look(30, 0.2, 0.05, 0.2).settled, undefined);
  assert.deepEqual(lookSchedule(55, 10), [20, 30, 40, 50, 55]);
  assert.deepEqual(lookSchedule(100, 25), [25, 50, 75, 100]);
  assert.throws(() => lookSchedule(10, 5), LineageError);
  assert.throws(() => lookSchedule(100, 0), LineageError);
});
