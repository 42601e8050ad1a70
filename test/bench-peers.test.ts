import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchResult } from '../src/bench/types.js';
import { buildZoo } from '../src/zoo/build.js';
import { zooPreset } from '../src/zoo/presets/index.js';
import { REPO_ROOT, runCli } from './helpers/cli.js';

const CIFAR = resolve(REPO_ROOT, '../shared/datasets/cifar10');
const SKIP = existsSync(CIFAR) ? false : `CIFAR-10 not found at ${CIFAR} (the shared datasets are absent)`;

// A cifar10-tiny zoo cut to what the checks need: a white-box (TF.js) victim, two weight copies,
// a transfer model (5 classes instead of 10), one irrelevant and one homologous model.
const MODELS = ['prune-50pct', 'noise-10pct', 'transfer-1', 'irrelevant-1', 'homologous-1'];

test('lineage bench runs peer methods: AKH and DeepCore beside SAC-JC, costs, MIR/FIR, transfer models left out', { skip: SKIP, timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-bench-peers-'));
  try {
    const zoo = join(dir, 'zoo');
    await buildZoo(zoo, zooPreset('cifar10-tiny'), { only: MODELS });
    // N = 10 keeps every budget small: DeepCore gets ⌈10 / 10 classes⌉ = 1 seed, i.e. 10 core points.
    const cli = await runCli(['bench', zoo, '--methods', 'sac-jc,akh,deepcore', '--samples', '10', '--out', join(dir, 'out')], 240_000);
    assert.equal(cli.code, 0, cli.stderr);
    const r = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8')) as BenchResult;
    assert.deepEqual(r.methods.map((m) => m.method), ['sac-jc', 'akh', 'deepcore']);
    const [sac, akh, deepcore] = r.methods as [BenchResult['methods'][0], BenchResult['methods'][0], BenchResult['methods'][0]];

    assert.deepEqual([akh.statistics, akh.decisionStatistic], [['Hamming distance'], 'Hamming distance']);
    assert.deepEqual([deepcore.statistics, deepcore.decisionStatistic], [['1 − label agreement', '1 − probability cosine'], '1 − label agreement']);
    for (const m of r.methods) {
      for (const g of m.groups) for (const a of g.against) for (const s of m.statistics) {
        assert.ok(a.auc[s]! >= 0 && a.auc[s]! <= 1 && a.tprAt1pct[s]! >= 0 && a.tprAt1pct[s]! <= 1, `${m.method} ${g.group} vs ${a.group} (${s}): ${a.auc[s]}`);
      }
      assert.deepEqual(m.groups[0]!.against.map((a) => a.group), ['irrelevant', 'homologous'], m.method);
      assert.ok(m.fingerprint.seconds > 0 && m.fingerprint.victimQueries > 0, `${m.method} cost recorded`);
      assert.equal(m.queriesPerVerification, 10, `${m.method} queries per verification`);
    }
    // DeepCore: 1 seed query, 10 points × 30 Adam steps, then the 10 frozen points.
    assert.equal(deepcore.fingerprint.victimQueries, 1 + 10 * 30 + 10);
    assert.equal(deepcore.params.seeds, 1);
    // SAC compares any output width; label methods leave the 5-class transfer model out, and say so.
    assert.ok(sac.models.some((m) => m.id === 'transfer-1'), 'SAC scores the transfer model');
    for (const m of [akh, deepcore]) assert.deepEqual(m.models.map((x) => x.id), ['prune-50pct', 'noise-10pct', 'irrelevant-1', 'homologous-1']);
    assert.ok(r.warnings.some((w) => /transfer-1 left out of deepcore/.test(w)), r.warnings.join('\n'));

    const { clustering, similarity } = deepcore.identification!;
    for (const rates of [clustering.overall, clustering.homologous!]) {
      assert.ok(rates.missed >= 0 && rates.missed <= 1 && rates.falseIdentification >= 0 && rates.falseIdentification <= 1, JSON.stringify(rates));
    }
    assert.ok(deepcore.models.every((m) => m.clusterVerdict !== undefined), 'a cluster verdict per model');
    // Exact copies of the weights sit in the victim's cluster whatever the training did.
    assert.equal(deepcore.models.find((m) => m.id === 'prune-50pct')!.clusterVerdict, 'stolen');
    // Two independent models are both the calibration half: the threshold judges the stolen models only, so FIR is
    // undefined (NaN, null in JSON).
    assert.ok(similarity!.overall.missed >= 0 && similarity!.overall.missed <= 1, 'similarity MIR');
    assert.equal(similarity!.overall.falseIdentification, null);
    assert.equal(akh.identification, undefined);

    // The CLI's table: one row per method × attack group; a cost line per method, with DeepCore's MIR / FIR.
    for (const row of [/sac-jc\s+pearson\s+prune/, /akh\s+Hamming distance\s+noise/, /deepcore\s+1 − label agreement\s+all/]) assert.match(cli.stdout, row);
    assert.match(cli.stdout, /deepcore: fingerprint [\d.]+ s, 311 victim queries to build; 10 queries per verification/);
    assert.match(cli.stdout, /MIR \/ FIR: clustering [\d.]+ \/ [\d.]+ \(homologous FIR [\d.]+\)/);
    const html = await readFile(join(dir, 'out', 'report.html'), 'utf8');
    assert.ok(html.includes('DeepCore identification rates') && html.includes('Cost per method'), 'report shows costs and MIR/FIR');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
