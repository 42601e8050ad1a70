import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { BenchRun } from '../src/bench/bench.js';
import { writeBench } from '../src/bench/bench.js';
import { DEFAULT_BENCH_SETTINGS } from '../src/bench/evaluate.js';
import { methodMetrics } from '../src/bench/metrics.js';
import { renderBenchReport } from '../src/bench/report.js';
import type { MethodResult, ModelScore } from '../src/bench/types.js';
import { DEFAULT_PARAMS } from '../src/fingerprints/fingerprint.js';
import { Random } from '../src/util/random.js';
import type { ZooManifest } from '../src/zoo/manifest.js';

const CHROMIUM = '/usr/bin/chromium';
const N = 16;

const matrix = (seed: number) => {
  const r = new Random(seed);
  return Float64Array.from({ length: N * N }, (_, k) => (k % (N + 1) === 0 ? 0 : 0.5 + r.next()));
};

/** A two-method benchmark of a zoo with prune and noise copies, irrelevant and homologous models. */
function sampleRun(): BenchRun {
  const models: ZooManifest['models'] = [
    { id: 'victim', path: 'victim.onnx', role: 'victim', group: 'victim' },
    ...[0.1, 0.2, 0.3].map((ratio) => ({ id: `prune-${ratio}`, path: `p${ratio}.onnx`, role: 'stolen' as const, group: 'prune', params: { ratio }, fidelity: 1 - ratio / 10 })),
    ...[1, 2].map((seed) => ({ id: `noise-${seed}`, path: `n${seed}.onnx`, role: 'stolen' as const, group: 'noise', seed, fidelity: 0.97 })),
    ...[1, 2, 3, 4].map((k) => ({ id: `other-<${k}>`, path: `builtin:o${k}`, role: 'independent' as const, group: 'irrelevant', testAccuracy: 0.8 })),
    ...[1, 2].map((k) => ({ id: `twin-${k}`, path: `t${k}.onnx`, role: 'independent' as const, group: 'homologous', testAccuracy: 0.9 })),
  ];
  const manifest: ZooManifest = { format: 'lineage-zoo', version: 1, name: 'sample zoo', task: 'classification', data: { path: 'data' }, createdAt: '2025-01-01T00:00:00Z', models };
  const r = new Random(3);
  const scores: ModelScore[] = models.filter((m) => m.role !== 'victim').map((m) => {
    const base = m.role === 'stolen' ? 0.01 : m.group === 'homologous' ? 0.2 : 0.6;
    const d = base * (1 + r.next());
    return { id: m.id, role: m.role as 'stolen' | 'independent', group: m.group, distance: d, pearsonDistance: d / 2, queries: N, seconds: 0.5 };
  });
  const method = (name: 'sac-jc' | 'sac-m'): MethodResult => ({
    method: name,
    params: { ...DEFAULT_PARAMS, method: name, samples: N },
    fingerprint: { seconds: 1.5, victimQueries: N, quality: { spread: { mean: 0.9, sd: 0.2, min: 0.1, max: 1.4 }, warnings: [] } },
    queriesPerVerification: N,
    ...methodMetrics(scores, 'pearson', new Set(['other-<1>', 'other-<3>', 'twin-1'])),
  });
  const kept = ['victim', 'stolen: prune-0.1', 'independent: other-<1>'].map((label, k) => ({ label, n: N, data: matrix(k) }));
  return {
    manifest,
    result: {
      lineageVersion: '0.0.0', createdAt: '2025-01-02T00:00:00Z',
      zoo: { path: '/zoos/sample', name: manifest.name, task: manifest.task, data: manifest.data, victim: 'victim' },
      settings: { ...DEFAULT_BENCH_SETTINGS, methods: ['sac-jc', 'sac-m'], samples: N },
      methods: [method('sac-jc'), method('sac-m')],
      wallSeconds: 12,
      warnings: ['a <b>model</b> warning'],
    },
    matrices: [kept, kept],
  };
}

/** Per method: 2 ROC charts (irrelevant, homologous) + strip chart + 3 heatmaps. */
const CHARTS = 2 * (2 + 1 + 3);

test('bench report: every chart, table and parameter, escaped, self-contained', async () => {
  const html = await renderBenchReport(sampleRun());
  assert.equal(html.split('<svg').length - 1, CHARTS);
  assert.ok(!/<(script|link|img|iframe)\b/i.test(html) && !html.includes('<b>model'), 'no scripts, user text escaped');
  for (const text of ['other-&lt;1&gt;', 'AUC vs homologous (Pearson)', 'TPR@1% vs irrelevant', 'all stolen', 'Fidelity', 'calibration half', 'prune', 'noise', '&lt;b&gt;model']) {
    assert.ok(html.includes(text), `report mentions ${text}`);
  }
});

test('bench report renders in Chromium: every SVG has a size, the page is not blank', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed: cannot check the rendering` }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-bench-report-'));
  try {
    const { report } = await writeBench(dir, sampleRun());
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
    const run = (args: string[]) => promisify(execFile)(CHROMIUM, [...flags, ...args, `file://${report}`], { timeout: 60_000, maxBuffer: 64 << 20 });
    const dom = (await run(['--dump-dom'])).stdout;
    const sizes = [...dom.matchAll(/<svg\b[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.equal(sizes.length, CHARTS, 'every chart is in the rendered DOM');
    assert.ok(sizes.every(([w, h]) => w! > 50 && h! > 50), `every chart has a size: ${JSON.stringify(sizes)}`);
    const png = join(dir, 'report.png');
    await run(['--window-size=1200,3000', `--screenshot=${png}`]);
    const stats = await sharp(png).stats();
    assert.ok(stats.channels.some((c) => c.stdev > 20), 'the screenshot is not blank');
    assert.ok(stats.channels[0]!.min < 100, 'dark pixels (text, lines) are drawn');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
