import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderVerifyReport, type VerifyReport } from '../src/report/verify-report.js';
import { writeReport } from '../src/report/write-report.js';
import { Random } from '../src/util/random.js';
import { LineageError } from '../src/errors.js';
import { chromiumSkip, headlessChromium } from './helpers/chromium.js';

const NASTY = '<script>alert("x")</script>&co.onnx';

/** N×N matrix with a block pattern (samples in groups of 4 alike), plus seeded noise. */
function matrix(n: number, seed: number, blocks: number, noise: number): Float64Array {
  const random = new Random(seed);
  return Float64Array.from({ length: n * n }, (_, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    if (i === j) return 0;
    return (Math.floor(i / blocks) === Math.floor(j / blocks) ? 0.2 : 0.9) + noise * random.next();
  });
}

function sampleReport(): VerifyReport {
  const n = 12;
  return {
    title: 'Is <their model> mine?',
    createdAt: '2025-01-02T03:04:05Z',
    method: 'sac-jc',
    params: { samples: n, kernel: '1-cos', jpegSeverity: 1, seed: 7 },
    victim: { source: '/models/victim/model.json', spec: { height: 112, width: 112, channels: 'rgb', scale: 1 / 255 } },
    suspects: [
      { source: '/suspects/pruned/model.json', distance: 0.0031, pearsonDistance: 0.002, verdict: 'stolen', pValue: { t: 1e-6, rank: 0.01 }, queries: n, group: 'prune' },
      { source: `/suspects/${NASTY}`, distance: 0.041, pearsonDistance: 0.05, verdict: 'inconclusive', queries: n },
      { source: '/suspects/other/model.json', distance: 0.62, pearsonDistance: 0.8, verdict: 'independent', pValue: { t: 0.4, rank: 0.5 }, queries: n, group: 'irrelevant' },
    ],
    statistic: 'distance',
    threshold: 0.02,
    calibration: [0.55, 0.61, 0.7, 0.58, 0.66].map((distance, k) => ({ source: `/calibration/m${k}.onnx`, distance, pearsonDistance: distance + 0.1 })),
    matrices: [
      { label: 'victim', n, data: matrix(n, 1, 4, 0.05) },
      { label: 'pruned (stolen)', n, data: matrix(n, 2, 4, 0.06) },
      { label: 'other (independent)', n, data: matrix(n, 3, 3, 0.3) },
    ],
    quality: { spread: { mean: 0.7, sd: 0.31, min: 0.2, max: 0.95 }, sameDifferentAuc: 0.97, warnings: ['labels <b>missing</b> for 2 samples'] },
  };
}

test('verify report: one SVG per chart, escaped names, nothing fetched', async () => {
  const html = await renderVerifyReport(sampleReport());
  const svgs = html.split('<svg').length - 1;
  assert.equal(svgs, 1 + 3, 'distance chart + three heatmaps');
  assert.ok(html.startsWith('<!doctype html>'));
  // User strings are escaped everywhere (table, chart labels, title, warnings).
  assert.ok(!html.includes(NASTY) && !html.includes('<script') && !html.includes('<b>missing'));
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;co.onnx'));
  assert.ok(html.includes('<title>Is &lt;their model&gt; mine?</title>'));
  // Self-contained: no external scripts, stylesheets, images or CSS imports.
  assert.ok(!/<(script|link|img|iframe)\b/i.test(html));
  assert.ok(!/(src|href)\s*=\s*["']?(https?:)?\/\//i.test(html));
  assert.ok(!/url\(\s*["']?https?:/i.test(html) && !html.includes('@import'));
  // Content: verdicts, threshold, table values, quality, parameters, calibration.
  for (const text of ['3 suspects checked', 'threshold 0.0200', '0.0031', '1.00e-6', 'AUC', 'jpegSeverity', 'calibration models', '/calibration/m4.onnx', 'prune']) {
    assert.ok(html.includes(text), `report mentions ${text}`);
  }
});

test('verify report without calibration, quality or matrices still renders', async () => {
  const { calibration: _c, quality: _q, threshold: _t, ...rest } = sampleReport();
  const html = await renderVerifyReport({ ...rest, matrices: [] });
  assert.equal(html.split('<svg').length - 1, 1);
  assert.ok(!html.includes('Fingerprint quality') && !html.includes('Correlation matrices'));
});

test('writeReport writes the page', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-report-'));
  try {
    const path = join(dir, 'sub', 'report.html');
    const html = await renderVerifyReport(sampleReport());
    await writeReport(path, html);
    assert.equal(await readFile(path, 'utf8'), html);
    await assert.rejects(writeReport(join(path, 'under-a-file.html'), html), LineageError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Chromium renders the report', { skip: chromiumSkip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-report-'));
  try {
    const path = join(dir, 'report.html');
    await writeReport(path, await renderVerifyReport(sampleReport()));
    const png = join(dir, 'report.png');
    await headlessChromium(path, ['--window-size=1200,2400', `--screenshot=${png}`]);
    assert.ok((await stat(png)).size > 10_000, 'screenshot has content');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
