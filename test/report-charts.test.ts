import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distanceStripChart } from '../src/report/distance-chart.js';
import { downsampleMatrix, heatmapChart } from '../src/report/heatmap-chart.js';
import { escapeHtml, formatNumber } from '../src/report/html.js';
import { shortLabels } from '../src/report/labels.js';
import { rocChart } from '../src/report/roc-chart.js';
import { LineageError } from '../src/errors.js';

const count = (text: string, needle: string) => text.split(needle).length - 1;
/** Whether the SVG has a non-empty group of rect marks (boxes, heatmap cells). */
const hasRects = (svg: string) => /class="mark-rect role-mark[^"]*"[^>]*[^/]><path/.test(svg);

test('downsampleMatrix takes block means', () => {
  // 4×4 → 2×2: each cell is the mean of a 2×2 block.
  const m = { n: 4, data: [1, 3, 0, 0, 5, 7, 0, 4, 2, 2, 1, 1, 2, 2, 1, 1] };
  assert.deepEqual(Array.from(downsampleMatrix(m, 2).data), [4, 1, 2, 1]);
  // 5×5 with at most 2 cells: blocks of 3, the last block holds what is left (2 rows/cols).
  const five = { n: 5, data: Array.from({ length: 25 }, (_, k) => k) };
  const d = downsampleMatrix(five, 2);
  assert.equal(d.n, 2);
  assert.deepEqual(Array.from(d.data), [6, 8.5, 18.5, 21]);
  assert.equal(downsampleMatrix(m, 4), m);
  assert.throws(() => downsampleMatrix({ n: 3, data: [1, 2] }, 2), LineageError);
});

test('shortLabels keeps the fewest trailing path parts that stay unique', () => {
  assert.deepEqual(shortLabels(['/zoo/a/model.json', '/zoo/b/model.json']), ['a/model.json', 'b/model.json']);
  assert.deepEqual(shortLabels(['/x/one.onnx', '/y/two.onnx']), ['one.onnx', 'two.onnx']);
  assert.deepEqual(shortLabels(['m.onnx']), ['m.onnx']);
});

test('escapeHtml and formatNumber', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(formatNumber(0.123456), '0.123');
  assert.equal(formatNumber(0.00012345), '1.23e-4');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(undefined), '—');
});

test('rocChart draws one SVG with a line per curve and the AUCs in the legend', async () => {
  const svg = await rocChart([
    { name: 'fine-tune', points: [{ fpr: 0, tpr: 0 }, { fpr: 0, tpr: 0.5 }, { fpr: 0.5, tpr: 1 }, { fpr: 1, tpr: 1 }], auc: 0.75 },
    { name: 'prune', points: [{ fpr: 0, tpr: 0 }, { fpr: 0, tpr: 1 }, { fpr: 1, tpr: 1 }], auc: 1 },
  ]);
  assert.equal(count(svg, '<svg'), 1);
  assert.ok(svg.includes('fine-tune (AUC 0.750)'));
  assert.ok(svg.includes('prune (AUC 1.000)'));
  assert.ok(count(svg, 'mark-line role-mark') >= 2, 'chance diagonal + curves');
});

test('distanceStripChart: points per distance, boxes for big groups, threshold rule and label', async () => {
  const svg = await distanceStripChart([
    { name: 'fine-tuned copies', distances: [0.002, 0.004, 0.003, 0.01, 0.006], category: 'stolen' },
    { name: 'exact copy', distances: [0], category: 'stolen' },
    { name: 'independent', distances: [0.5, 0.7], category: 'independent' },
  ], 0.05);
  assert.equal(count(svg, '<svg'), 1);
  assert.ok(svg.includes('threshold 0.0500'));
  assert.ok(svg.includes('mark-rule'));
  assert.ok(hasRects(svg), 'the five-point group gets a box');
  assert.ok(svg.includes('#c62828') && svg.includes('#2e7d32'), 'verdict colours');
  assert.ok(svg.includes('exact copy'));
  const small = await distanceStripChart([{ name: 'one', distances: [0.1, 0.2] }]);
  assert.ok(!hasRects(small) && !small.includes('threshold'), 'no box, no threshold');
});

test('heatmapChart downsamples large matrices and stays small', async () => {
  const n = 300;
  const data = Float64Array.from({ length: n * n }, (_, k) => Math.abs(Math.floor(k / n) - (k % n)) / n);
  const svg = await heatmapChart({ n, data }, { title: 'victim', domain: [0, 1] });
  assert.equal(count(svg, '<svg'), 1);
  assert.ok(svg.includes('N = 300, shown as 100×100 block means'));
  assert.ok(hasRects(svg));
  assert.ok(!svg.includes('aria-roledescription="rect mark"'), 'no ARIA label per cell');
  assert.ok(svg.length < 800_000, `heatmap SVG is ${svg.length} bytes`);
});
