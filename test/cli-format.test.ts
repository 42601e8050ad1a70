import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownTable, num, table } from '../src/cli/format.js';

test('table right-aligns numeric columns and left-aligns text', () => {
  assert.equal(table(['group', 'AUC'], [['prune', '1'], ['noise', '0.875']]),
    'group    AUC\n─────  ─────\nprune      1\nnoise  0.875');
});

test('markdownTable writes a GitHub table and escapes pipes in cells', () => {
  assert.equal(markdownTable(['method', 'AUC'], [['sac-jc', '1'], ['a|b', '—']]),
    '| method | AUC |\n| --- | --- |\n| sac-jc | 1 |\n| a\\|b | — |');
});

test('num keeps 4 significant digits, writes tiny values as exponents and undefined as a dash', () => {
  assert.equal(num(0.123456), '0.1235');
  assert.equal(num(0.00012345), '1.23e-4');
  assert.equal(num(0), '0');
  assert.equal(num(undefined), '—');
  assert.equal(num(Number.NaN), '—');
});
