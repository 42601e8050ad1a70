import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BenchRun } from '../src/bench/bench.js';
import { writeBench } from '../src/bench/bench.js';
import { identify } from '../src/bench/identification.js';
import { methodMetrics } from '../src/bench/metrics.js';
import { renderBenchReport } from '../src/bench/report.js';
import { DEFAULT_BENCH_SETTINGS } from '../src/bench/settings.js';
import type { MethodResult, ModelScore } from '../src/bench/types.js';
import { DEFAULT_PARAMS } from '../src/fingerprints/fingerprint.js';
import { STATISTICS } from '../src/fingerprints/types.js';
import { Random } from '../src/util/random.js';
import type { ZooManifest } from '../src/zoo/manifest.js';
import { chromiumSkip, headlessChromium } from './helpers/chromium.js';

const N = 16;

const matrix = (seed: number) => {
  const r = new Random(seed);
  return Float64Array.from({ length: N * N }, (_, k) => (k % (N + 1) === 0 ? 0 : 0.5 + r.next()));
};

/** A SAC and a DeepCore benchmark of a zoo with prune and noise copies, irrelevant and homologous models; `broken`: copies below the utility floor. */
function sampleRun(broken: ReadonlySet<string> = new Set()): BenchRun {
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
    return { id: m.id, role: m.role as 'stolen' | 'independent', group: m.group, values: { pearson: d / 2, distance: d, '1 − label agreement': d, '1 − probability cosine': d / 3 }, queries: N, seconds: 0.5, ...(broken.has(m.id) ? { broken: true } : {}) };
  });
  const calibration = new Set(['other-<1>', 'other-<3>', 'twin-1']);
  const sac: MethodResult = {
    method: 'sac-jc',
    params: { ...DEFAULT_PARAMS, samples: N },
    fingerprint: { seconds: 1.5, victimQueries: N, quality: { spread: { mean: 0.9, sd: 0.2, min: 0.1, max: 1.4 }, warnings: [] } },
    queriesPerVerification: N,
    ...methodMetrics(scores, STATISTICS, 'pearson', calibration),
  };
  const deepcore = methodMetrics(scores, ['1 − label agreement', '1 − probability cosine'], '1 − label agreement', calibration);
  const peer: MethodResult = {
    method: 'deepcore',
    params: { samples: N, seed: 1, steps: 30 },
    fingerprint: { seconds: 4, victimQueries: 1234 },
    queriesPerVerification: 20,
    ...deepcore,
    ...identify(deepcore.models, deepcore.models.map((m) => m.role === 'stolen' || m.id === 'twin-2')),
  };
  const kept = ['victim', 'stolen: prune-0.1', 'independent: other-<1>'].map((label, k) => ({ label, n: N, data: matrix(k) }));
  return {
    manifest,
    result: {
      lineageVersion: '0.0.0', createdAt: '2025-01-02T00:00:00Z',
      zoo: { path: '/zoos/sample', name: manifest.name, task: manifest.task, data: manifest.data, victim: 'victim' },
      settings: { ...DEFAULT_BENCH_SETTINGS, methods: ['sac-jc', 'deepcore'], samples: N },
      methods: [sac, peer],
      wallSeconds: 12,
      warnings: ['a <b>model</b> warning'],
    },
    matrices: [kept, []],
  };
}

/** Per method: 2 ROC charts (irrelevant, homologous) + strip chart; SAC also 3 heatmaps. */
const CHARTS = (2 + 1 + 3) + (2 + 1);

test('bench report: every chart, table and parameter, escaped, self-contained', async () => {
  const html = await renderBenchReport(sampleRun());
  assert.equal(html.split('<svg').length - 1, CHARTS);
  assert.ok(!/<(script|link|img|iframe)\b/i.test(html) && !html.includes('<b>model'), 'no scripts, user text escaped');
  for (const text of ['other-&lt;1&gt;', 'AUC vs homologous', 'TPR@1% vs irrelevant', 'all stolen', 'Fidelity', 'calibration half', 'prune', 'noise', '&lt;b&gt;model',
    'Pearson distance (decision)', '1 − probability cosine', 'Cost per method', 'Victim queries to build', '1234', 'DeepCore identification rates', 'clustering (k-means)', 'similarity at the threshold', 'Cluster verdict']) {
    assert.ok(html.includes(text), `report mentions ${text}`);
  }
  // The metrics table: one row per method × attack group (prune, noise, all), on each method's decision statistic.
  const metrics = html.slice(html.indexOf('Metrics per method'), html.indexOf('Cost per method'));
  assert.equal(metrics.split('<tr>').length - 2, 2 * 3);
  assert.ok(metrics.includes('1 − label agreement') && metrics.includes('Pearson distance'), 'decision statistics named');
  // DeepCore's clustering called twin-2 stolen: FIR against homologous = ½, overall ⅙.
  const rates = html.slice(html.indexOf('DeepCore identification rates'));
  assert.ok(/clustering \(k-means\)<\/td><td class="num">0<\/td><td class="num">0.167<\/td><td class="num">0.5<\/td>/.test(rates), 'clustering MIR/FIR row');
});

test('bench report: broken copies get their own ROC curve and strip, even when they are a whole attack group', async () => {
  // Every noise copy is below the floor: the rows are prune and 'broken copy' (no 'all' row with one useful group).
  const html = await renderBenchReport(sampleRun(new Set(['noise-1', 'noise-2'])));
  assert.equal(html.split('<svg').length - 1, CHARTS);
  assert.ok(html.includes('broken copy'), 'the broken-copy row is shown');
});

test('bench report renders in Chromium: every SVG has a size, the page is not blank', { skip: chromiumSkip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-bench-report-'));
  try {
    const { report } = await writeBench(dir, sampleRun());
    const dom = await headlessChromium(report, ['--dump-dom']);
    const sizes = [...dom.matchAll(/<svg\b[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.equal(sizes.length, CHARTS, 'every chart is in the rendered DOM');
    assert.ok(sizes.every(([w, h]) => w! > 50 && h! > 50), `every chart has a size: ${JSON.stringify(sizes)}`);
    const png = join(dir, 'report.png');
    await headlessChromium(report, ['--window-size=1200,3000', `--screenshot=${png}`]);
    const stats = await sharp(png).stats();
    assert.ok(stats.channels.some((c) => c.stdev > 20), 'the screenshot is not blank');
    assert.ok(stats.channels[0]!.min < 100, 'dark pixels (text, lines) are drawn');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bench report: a zoo with a public base shows the plain and the base-aware decision side by side', async () => {
  const run = sampleRun();
  assert.ok(!(await renderBenchReport(run)).includes('base-aware'), 'no base, no section');
  const sac = run.result.methods[0]!;
  const baseAware = {
    share: { rule: 'half the smallest share', n: 3, min: 0.46, threshold: 0.23 },
    falsePositives: [{ group: 'sibling', judged: 5, plain: 1, baseAware: 0, inconclusive: 0.8 }],
    truePositives: [{ group: 'prune', judged: 3, plain: 1, baseAware: 2 / 3, inconclusive: 1 / 3 }],
  };
  const html = await renderBenchReport({ ...run, result: { ...run.result, methods: [{ ...sac, baseAware }, run.result.methods[1]!] } });
  const section = html.slice(html.indexOf('Siblings: plain vs base-aware decision'), html.indexOf('Are the p-values calibrated?'));
  assert.ok(section.length > 0, 'the section is there');
  for (const text of ['sibling', 'FPR', 'TPR', '0.667', 'share threshold 0.23']) assert.ok(section.includes(text), `section mentions ${text}`);
});
