import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cifar10SmallRecipe } from '../src/zoo/presets/cifar10-small.js';
import { miniature } from '../src/zoo/trained/miniature.js';
import { jobsFor, planZoo } from '../src/zoo/trained/plan.js';

const split = { defender: [0, 1, 2], attacker: [3, 4, 5], heldOut: [6, 7] };
const plan = planZoo(miniature(cifar10SmallRecipe, 'cifar10-tiny'), '/zoo', '/data', split, 1);

test('jobsFor: every job of the plan when nothing is singled out', () => {
  assert.deepEqual(jobsFor(plan).map((j) => j.id), plan.jobs.map((j) => j.id));
});

test('jobsFor (--only): the wanted models\' jobs and what they start from, nothing else, in plan order', () => {
  const jobs = jobsFor(plan, new Set(['victim', 'extract-adv-1', 'fine-prune-30pct']));
  // Extract-Adv fine-tunes the Extract-L student; the fine-pruning job writes all its snapshots.
  assert.deepEqual(jobs.map((j) => j.id), ['victim', 'extract-l-1', 'extract-adv-1', 'fine-prune']);
  assert.deepEqual(jobsFor(plan, new Set(['victim'])).map((j) => j.id), ['victim']);
});
