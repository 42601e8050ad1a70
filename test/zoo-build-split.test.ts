import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineageError } from '../src/errors.js';
import { splitByClass } from '../src/zoo/split.js';

/** 10 images of class a (rows 0–9) and 20 of class b (rows 10–29). */
const labels = [...Array<string>(10).fill('a'), ...Array<string>(20).fill('b')];

test('per-class split: sizes per class, disjoint, covering, deterministic', () => {
  const split = splitByClass(labels, { defender: 0.5, attacker: 0.3 }, 7);
  const count = (rows: number[], cls: string) => rows.filter((r) => labels[r] === cls).length;
  // a: 5 / 3 / 2; b: 10 / 6 / 4.
  assert.deepEqual([count(split.defender, 'a'), count(split.attacker, 'a'), count(split.heldOut, 'a')], [5, 3, 2]);
  assert.deepEqual([count(split.defender, 'b'), count(split.attacker, 'b'), count(split.heldOut, 'b')], [10, 6, 4]);
  const all = [...split.defender, ...split.attacker, ...split.heldOut].sort((x, y) => x - y);
  assert.deepEqual(all, labels.map((_, i) => i));
  assert.deepEqual(splitByClass(labels, { defender: 0.5, attacker: 0.3 }, 7), split);
  assert.notDeepEqual(splitByClass(labels, { defender: 0.5, attacker: 0.3 }, 8), split);
  assert.deepEqual(split.defender, [...split.defender].sort((x, y) => x - y));
});

test('a held-out share smaller than the rest makes a miniature split', () => {
  const split = splitByClass(labels, { defender: 0.2, attacker: 0.2, heldOut: 0.1 }, 1);
  assert.deepEqual([split.defender.length, split.attacker.length, split.heldOut.length], [6, 6, 3]);
});

test('bad shares and too-small classes are refused', () => {
  assert.throws(() => splitByClass(labels, { defender: 0.6, attacker: 0.4 }, 1), LineageError);
  assert.throws(() => splitByClass(['a', 'a', 'b'], { defender: 0.3, attacker: 0.3 }, 1), (e: unknown) => e instanceof LineageError && /class "a" has 2 images/.test(e.message));
});
