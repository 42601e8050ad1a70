import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleIndices } from '../src/data/load.js';
import type { ImageSet } from '../src/data/types.js';

/** A set of 1×1 grey images with the given labels (pixels do not matter here). */
function labelled(labels: string[] | undefined, count = labels?.length ?? 0): ImageSet {
  return { data: new Uint8Array(count), count, height: 1, width: 1, channels: 1, names: Array.from({ length: count }, (_, i) => `#${i}`), ...(labels ? { labels } : {}) };
}

function tally(labels: readonly string[], indices: readonly number[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const i of indices) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
  return counts;
}

test('sampling is seeded: same seed, same indices; another seed, others', () => {
  const set = labelled(undefined, 100);
  const a = sampleIndices(set, 10, 1);
  assert.deepEqual(a, sampleIndices(set, 10, 1));
  assert.notDeepEqual(a, sampleIndices(set, 10, 2));
  assert.equal(new Set(a).size, 10);
  assert.deepEqual(a, [...a].sort((x, y) => x - y), 'sorted ascending');
  assert.ok(a.every((i) => i >= 0 && i < 100));
  assert.deepEqual(sampleIndices(set, 500, 1), Array.from({ length: 100 }, (_, i) => i), 'n ≥ count: everything');
});

test('balanced sampling spreads over classes round-robin', () => {
  const labels = Array.from({ length: 100 }, (_, i) => `c${i % 10}`);
  const counts = tally(labels, sampleIndices(labelled(labels), 30, 7));
  assert.equal(counts.size, 10);
  assert.ok([...counts.values()].every((c) => c === 3), JSON.stringify([...counts]));
  // Unbalanced: a plain random subset, not necessarily 3 per class.
  assert.equal(sampleIndices(labelled(labels), 30, 7, { balanced: false }).length, 30);
});

test('identity data: chosen identities come in pairs, from identities with ≥ 2 images', () => {
  // 25 people with 2 photos each, 25 with one.
  const labels = [...Array.from({ length: 50 }, (_, i) => `p${i >> 1}`), ...Array.from({ length: 25 }, (_, i) => `solo${i}`)];
  const chosen = sampleIndices(labelled(labels), 20, 3);
  const counts = tally(labels, chosen);
  assert.equal(chosen.length, 20);
  assert.equal(counts.size, 10);
  assert.ok([...counts].every(([label, c]) => c === 2 && label.startsWith('p')), JSON.stringify([...counts]));
});

test('a bad sample count is a LineageError', () => {
  assert.throws(() => sampleIndices(labelled(undefined, 5), 0, 1), /whole number ≥ 1/);
});
