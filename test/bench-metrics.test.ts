import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { withOutputCache } from '../src/models/output-cache.js';
import { identify, ruleRates } from '../src/bench/identification.js';
import { calibrationCandidates } from '../src/bench/evaluate.js';
import { ALL_GROUPS, methodMetrics, splitIndependent } from '../src/bench/metrics.js';
import { DEFAULT_BENCH_SETTINGS, parseMethods } from '../src/bench/settings.js';
import { parseSweep, sweepSettings } from '../src/bench/sweep.js';
import type { ModelScore } from '../src/bench/types.js';
import type { ImageBatch } from '../src/data/types.js';
import { LineageError } from '../src/errors.js';
import { DEFAULT_STATISTIC } from '../src/fingerprints/calibrate.js';
import { DEFAULT_PARAMS } from '../src/fingerprints/fingerprint.js';
import { PEER_METHOD_NAMES } from '../src/fingerprints/peers/methods.js';
import { FINGERPRINT_METHODS, SAC_METHODS, STATISTICS } from '../src/fingerprints/types.js';
import type { Model } from '../src/models/types.js';
import { fidelity } from '../src/zoo/fidelity.js';
import { REPO_ROOT } from './helpers/cli.js';

const model = (id: string, role: ModelScore['role'], group: string, distance: number, pearson: number): ModelScore =>
  ({ id, role, group, values: { pearson, distance }, queries: 20, seconds: 1 });

/** Three stolen models in two groups, four irrelevant and two homologous models (one of them close to the victim). */
const ZOO: ModelScore[] = [
  model('s1', 'stolen', 'prune', 0.01, 0.001),
  model('s2', 'stolen', 'prune', 0.03, 0.002),
  model('s3', 'stolen', 'quantise', 0.02, 0.0005),
  model('i1', 'independent', 'irrelevant', 0.5, 0.5),
  model('i2', 'independent', 'irrelevant', 0.6, 0.6),
  model('i3', 'independent', 'irrelevant', 0.7, 0.7),
  model('i4', 'independent', 'irrelevant', 0.8, 0.8),
  model('h1', 'independent', 'homologous', 0.025, 0.0005),
  model('h2', 'independent', 'homologous', 0.4, 0.4),
];

test('bench metrics: threshold on the calibration half only, AUC/TPR/F1/p by hand', () => {
  const m = methodMetrics(ZOO, STATISTICS, 'distance', new Set(['i1', 'i3']));
  // Threshold on {0.5, 0.7} (default rule v2): log-sigma:3 = √0.35·(5/7)^(3/√2) = 0.290 > 0.5/2 → half the smallest, 0.25.
  assert.ok(Math.abs(m.threshold!.threshold - 0.25) < 1e-12, 'threshold');
  assert.equal(m.threshold!.n, 2);
  assert.deepEqual(m.groups.map((g) => g.group), ['prune', 'quantise', ALL_GROUPS]);
  const [prune, quantise, all] = m.groups as [typeof m.groups[0], typeof m.groups[0], typeof m.groups[0]];
  assert.deepEqual(prune.against.map((a) => [a.group, a.count]), [['irrelevant', 4], ['homologous', 2]]);
  // prune vs homologous, distance: 0.01 < 0.025, 0.4; 0.03 < 0.4 only → 3/4. Pearson: 0.001, 0.002 vs 0.0005, 0.4 → 2/4.
  assert.deepEqual(prune.against[0]!.auc, { pearson: 1, distance: 1 });
  assert.deepEqual(prune.against[1]!.auc, { pearson: 0.5, distance: 0.75 });
  // quantise pearson 0.0005 ties h1 (½) and beats h2 → 0.75.
  assert.deepEqual(quantise.against[1]!.auc, { pearson: 0.75, distance: 1 });
  // At FPR 0 vs homologous: distance catches s1 only (0.5); Pearson catches nothing before h1.
  assert.deepEqual(prune.against[1]!.tprAt1pct, { pearson: 0, distance: 0.5 });
  // Verdicts: every stolen model and h1 (0.025) fall under 0.25 → prune tp 2 fp 1 tn 3.
  assert.equal(prune.f1!.f1, 0.8);
  assert.deepEqual([prune.f1!.tp, prune.f1!.fp, prune.f1!.fn, prune.f1!.tn], [2, 1, 0, 3]);
  assert.ok(Math.abs(quantise.f1!.f1 - 2 / 3) < 1e-12, 'quantise F1');
  assert.ok(Math.abs(all.f1!.f1 - 6 / 7) < 1e-12, 'overall F1');
  assert.equal(all.count, 3);
  // Calibration models are not judged; held-out ones are.
  const byId = new Map(m.models.map((x) => [x.id, x]));
  assert.equal(byId.get('i1')!.verdict, undefined);
  assert.equal(byId.get('i1')!.split, 'calibration');
  assert.equal(byId.get('h1')!.verdict, 'stolen');
  assert.equal(byId.get('h2')!.split, 'test');
  // Rank p of s1 against all six independent distances: none below → 1/7; s2 has h1 below → 2/7.
  assert.equal(byId.get('s1')!.pValue!.rank, 1 / 7);
  assert.equal(byId.get('s2')!.pValue!.rank, 2 / 7);
  // t-test of s1 against those six: t = (0.01 − 0.50417)/(0.27405·√(7/6)) = −1.669, df 5 → p = 0.078.
  assert.ok(Math.abs(byId.get('s1')!.pValue!.t! - 0.078) < 1e-3, 'p (t) of s1');
  // Group tests: Welch needs 2 stolen models (prune has them, quantise not); Mann–Whitney always runs.
  assert.ok(prune.welch !== undefined && prune.welch.p < 0.05, 'prune Welch p');
  assert.equal(quantise.welch, undefined);
  assert.ok(quantise.mannWhitney.p > 0 && quantise.mannWhitney.p < 1, 'quantise Mann–Whitney p');
});

test('bench metrics: the decision statistic switches threshold and verdicts; no threshold without 2 calibration models', () => {
  const pearson = methodMetrics(ZOO, STATISTICS, 'pearson', new Set(['i1', 'i3']));
  assert.equal(pearson.decisionStatistic, 'pearson');
  assert.deepEqual(pearson.statistics, ['pearson', 'distance']);
  assert.equal(pearson.models.find((x) => x.id === 'h1')!.verdict, 'stolen');
  const none = methodMetrics(ZOO, STATISTICS, 'distance', new Set(['i1']));
  assert.equal(none.threshold, undefined);
  assert.ok(none.groups.every((g) => g.f1 === undefined && g.against.length === 2), 'no F1 without threshold');
  assert.ok(none.models.every((x) => x.verdict === undefined), 'no verdicts without threshold');
});

test('bench metrics: a one-statistic (peer) method, and an unknown decision statistic', () => {
  // '1 − matching rate': the stolen model matches the victim on 9 of 10 points, the others on 2–5.
  const peer = [['s', 'stolen', 'noise', 0.1], ['i1', 'independent', 'irrelevant', 0.5], ['i2', 'independent', 'irrelevant', 0.8], ['i3', 'independent', 'irrelevant', 0.6], ['h', 'independent', 'homologous', 0.05]] as const;
  const scores: ModelScore[] = peer.map(([id, role, group, v]) => ({ id, role, group, values: { '1 − matching rate': v }, queries: 10, seconds: 0 }));
  const m = methodMetrics(scores, ['1 − matching rate'], '1 − matching rate', new Set(['i1', 'i2']));
  assert.deepEqual(m.groups.map((g) => g.group), ['noise']);
  assert.deepEqual(m.groups[0]!.against.map((a) => [a.group, a.auc['1 − matching rate']]), [['irrelevant', 1], ['homologous', 0]]);
  assert.throws(() => methodMetrics(scores, ['1 − matching rate'], 'JSD', new Set()), (e: unknown) => e instanceof LineageError && /JSD/.test(e.message));
});

test('identification rates: MIR/FIR of both DeepCore rules, overall and against homologous models', () => {
  const models = [
    { role: 'stolen', group: 'prune' }, { role: 'stolen', group: 'noise' }, { role: 'stolen', group: 'noise' }, { role: 'stolen', group: 'extract-l' },
    { role: 'independent', group: 'irrelevant' }, { role: 'independent', group: 'irrelevant' }, { role: 'independent', group: 'homologous' }, { role: 'independent', group: 'homologous' },
  ] as const;
  // Called stolen: 3 of 4 stolen (MIR ¼), 1 irrelevant and 1 homologous of 4 independent (FIR ½ of homologous, 2/4 overall).
  const r = ruleRates(models, [true, true, true, false, true, false, true, false]);
  assert.deepEqual(r, { overall: { missed: 0.25, falseIdentification: 0.5 }, homologous: { missed: 0.25, falseIdentification: 0.5 } });
  assert.equal(ruleRates(models.slice(0, 6), [true, true, true, false, false, true]).homologous, undefined, 'no homologous models, no homologous rates');
  // identify(): cluster verdicts on every model; the similarity rule only on the judged (non-calibration) models.
  const judged = methodMetrics(ZOO, STATISTICS, 'distance', new Set(['i1', 'i3']));
  const { models: clustered, identification } = identify(judged.models, judged.models.map((x) => x.role === 'stolen' || x.id === 'h1'));
  assert.deepEqual(clustered.map((x) => x.clusterVerdict), ['stolen', 'stolen', 'stolen', 'independent', 'independent', 'independent', 'independent', 'stolen', 'independent']);
  assert.deepEqual(identification.clustering, { overall: { missed: 0, falseIdentification: 1 / 6 }, homologous: { missed: 0, falseIdentification: 0.5 } });
  // At the threshold 0.25: every stolen model and h1 are called stolen; i2, i4, h2 (held out) are not.
  assert.deepEqual(identification.similarity, { overall: { missed: 0, falseIdentification: 0.25 }, homologous: { missed: 0, falseIdentification: 0.5 } });
});

test('bench methods: parsed, all, unknown names refused; defaults as `lineage fingerprint`', () => {
  assert.deepEqual(parseMethods('sac-jc, akh,sac-jc'), ['sac-jc', 'akh']);
  assert.deepEqual(parseMethods('all'), [...SAC_METHODS, ...PEER_METHOD_NAMES]);
  assert.deepEqual(parseMethods('all'), FINGERPRINT_METHODS);
  for (const bad of ['sac-jc,magic', '', ' , ']) {
    assert.throws(() => parseMethods(bad), (e: unknown) => e instanceof LineageError && /deepcore/.test(e.hint ?? ''), bad);
  }
  const { method: _method, transpose: _transpose, ...sac } = DEFAULT_PARAMS;
  const { methods, statistic, ...bench } = DEFAULT_BENCH_SETTINGS;
  assert.deepEqual(bench, sac);
  assert.equal(statistic, DEFAULT_STATISTIC);
  assert.deepEqual(methods, SAC_METHODS);
});

test('the bench command loads no model runtime until it runs (lineage --help stays light)', async () => {
  const code = `import { createRequire } from 'node:module';
    await import('./src/cli/commands/bench.ts');
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO_ROOT });
  const loaded = JSON.parse(stdout) as string[];
  assert.deepEqual(loaded.filter((path) => /onnxruntime|@tensorflow|vega/.test(path)), []);
  assert.ok(loaded.some((path) => /commander/.test(path)), 'the check sees CommonJS packages');
});

test('independent models split: seeded, disjoint, calibration half ≥ 2', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
  const s = splitIndependent(ids, 7);
  assert.deepEqual(s, splitIndependent(ids, 7));
  assert.equal(s.calibration.length, 3);
  assert.deepEqual([...s.calibration, ...s.test].sort(), ids);
  assert.notDeepEqual([1, 2, 3, 4, 5].map((seed) => splitIndependent(ids, seed).calibration.join()).filter((v, k, a) => a.indexOf(v) === k).length, 1);
  assert.deepEqual(splitIndependent(['a', 'b'], 1).test, []);
  assert.equal(splitIndependent(['a', 'b', 'c'], 1).calibration.length, 2);
  assert.deepEqual(splitIndependent(['a'], 1), { calibration: [], test: ['a'] });
});

test('sweep parsing: every key, bad values named', () => {
  assert.deepEqual(sweepSettings(DEFAULT_BENCH_SETTINGS, parseSweep('samples=25,50')).map((s) => s.samples), [25, 50]);
  assert.deepEqual(sweepSettings(DEFAULT_BENCH_SETTINGS, parseSweep('severity=1,5')).map((s) => s.jpegSeverity), [1, 5]);
  assert.deepEqual(sweepSettings(DEFAULT_BENCH_SETTINGS, parseSweep('kernel=cosine,rbf')).map((s) => s.kernel), ['cosine', 'rbf']);
  assert.deepEqual(sweepSettings(DEFAULT_BENCH_SETTINGS, parseSweep('output=raw,label')).map((s) => s.outputMode), ['raw', 'label']);
  for (const bad of ['samples', 'samples=1', 'severity=6', 'kernel=linear', 'output=soft', 'colour=1', 'samples=25,25', 'samples=25,']) {
    assert.throws(() => parseSweep(bad), LineageError, bad);
  }
});

test('output cache: each distinct image is sent once, however the queries are batched; every image counted', async () => {
  const sent: number[][] = [];
  const inner: Model = {
    source: 'fake', spec: DEFAULT_SPEC, queries: 0,
    // Output row of an image: its first pixel and twice it.
    predict: async (b: ImageBatch) => {
      const firsts = Array.from({ length: b.count }, (_, i) => b.data[i * 4]!);
      sent.push(firsts);
      return { data: Float32Array.from(firsts.flatMap((v) => [v, 2 * v])), rows: b.count, cols: 2 };
    },
    dispose: async () => {},
  };
  const cached = withOutputCache(inner, 'zoo-id');
  const batch = (...values: number[]): ImageBatch => ({ data: Uint8Array.from(values.flatMap((v) => [v, v, v, v])), count: values.length, height: 2, width: 2, channels: 1 });
  assert.deepEqual(Array.from((await cached.predict(batch(1, 2, 1))).data), [1, 2, 2, 4, 1, 2]);
  // Cut differently and mixed with a new image: only the new one reaches the model.
  assert.deepEqual(Array.from((await cached.predict(batch(2, 3))).data), [2, 4, 3, 6]);
  assert.deepEqual(Array.from((await cached.predict(batch(1))).data), [1, 2]);
  assert.deepEqual(sent, [[1, 2], [3]]);
  assert.equal(cached.queries, 6);
  assert.equal(cached.uncached, 3);
  assert.equal(cached.source, 'zoo-id');
});

test('fidelity: mean embedding cosine, top-1 agreement for classifiers', () => {
  const a = { data: Float32Array.from([1, 0, 0, 1]), rows: 2, cols: 2 };
  const b = { data: Float32Array.from([2, 0, 1, 1]), rows: 2, cols: 2 };
  assert.ok(Math.abs(fidelity(a, b, 'embedding') - (1 + Math.SQRT1_2) / 2) < 1e-6, 'embedding fidelity');
  assert.equal(fidelity(a, b, 'classification'), 0.5);
  assert.throws(() => fidelity(a, { data: new Float32Array(3), rows: 1, cols: 3 }, 'embedding'), LineageError);
});

const DEFAULT_SPEC = { height: 2, width: 2, channels: 'gray', layout: 'nhwc', scale: 1, mean: [0], std: [1], output: 0, outputKind: 'embedding' } as const;

test('methodMetrics: broken copies are their own row, out of "all"; utility per row; false positives per independent group', () => {
  const row = (id: string, role: 'stolen' | 'independent', group: string, v: number, extra: Partial<ModelScore> = {}): ModelScore =>
    ({ id, role, group, values: { d: v }, queries: 1, seconds: 0, ...extra });
  const m = methodMetrics([
    row('p1', 'stolen', 'prune', 0.01, { utility: 0.58 }),
    row('p2', 'stolen', 'prune', 0.9, { utility: 0.4, broken: true }),
    row('n1', 'stolen', 'noise', 0.02, { utility: 0.57 }),
    row('i1', 'independent', 'irrelevant', 0.5),
    row('i2', 'independent', 'irrelevant', 0.6),
    row('i3', 'independent', 'irrelevant', 0.55),
    row('s1', 'independent', 'sibling', 0.005),
    row('s2', 'independent', 'sibling', 0.7),
  ], ['d'], 'd', new Set(['i1', 'i2']));
  assert.deepEqual(m.groups.map((g) => [g.group, g.count]), [['prune', 1], ['noise', 1], [ALL_GROUPS, 2], ['broken copy', 1]]);
  assert.deepEqual(m.groups[0]!.utility, { mean: 0.58, min: 0.58, max: 0.58 });
  assert.equal(m.groups[2]!.against.find((a) => a.group === 'irrelevant')!.auc.d, 1, 'the broken copy (0.9) is not in "all"');
  // Threshold from i1, i2 (0.5, 0.6): mean − 3·sd < 0.5; s1 (0.005) falls below it, i3 and s2 do not.
  assert.deepEqual(m.falsePositives, [{ group: 'irrelevant', judged: 1, fpr: 0 }, { group: 'sibling', judged: 2, fpr: 0.5 }]);
});

test('calibrationCandidates: siblings and the public parent are never calibrated on', () => {
  const m = (id: string, role: 'stolen' | 'independent', group: string) => ({ id, role, group });
  assert.deepEqual(calibrationCandidates([m('a', 'stolen', 'prune'), m('i', 'independent', 'irrelevant'), m('s', 'independent', 'sibling'), m('p', 'independent', 'public-parent'), m('h', 'independent', 'homologous')]), ['i', 'h']);
});
