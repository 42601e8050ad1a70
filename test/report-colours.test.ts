import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATEGORY_COLOURS, categoryScale } from '../src/report/colours.js';

test('categoryScale: verdict categories keep their fixed colour; 16 other groups all get different colours', () => {
  const groups = Array.from({ length: 16 }, (_, k) => `group-${k}`);
  const { domain, range } = categoryScale(['stolen', ...groups, 'independent', 'group-0']);
  assert.deepEqual(domain, ['stolen', ...groups, 'independent'], 'each category once, in order of first appearance');
  assert.equal(range[0], CATEGORY_COLOURS['stolen']);
  assert.equal(range.at(-1), CATEGORY_COLOURS['independent']);
  const groupColours = range.slice(1, -1);
  assert.equal(new Set(groupColours).size, 16, 'no two groups alike');
  assert.ok(groupColours.every((c) => !Object.values(CATEGORY_COLOURS).includes(c)), 'no group takes a verdict colour');
});
