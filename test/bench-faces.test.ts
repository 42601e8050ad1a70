import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench, writeBench } from '../src/bench/bench.js';
import { runSweep } from '../src/bench/sweep.js';
import { LineageError } from '../src/errors.js';
import { STATISTICS } from '../src/fingerprints/types.js';
import { buildZoo } from '../src/zoo/build.js';
import { facesBuiltinPreset } from '../src/zoo/presets/faces-builtin.js';
import { assertCleanError, runCli } from './helpers/cli.js';
import { LFW_SKIP as SKIP, miniLfw } from './helpers/lfw.js';

test('bench on a mini faces-builtin zoo: files, AUCs in [0, 1], the fp16 copy closest', { skip: SKIP, timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-bench-'));
  try {
    const zoo = join(dir, 'zoo');
    const manifest = await buildZoo(zoo, facesBuiltinPreset, { data: await miniLfw(dir, 40), only: ['fr_feature-fp16', 'mobileface', 'mobilefacenet'] });
    assert.deepEqual(manifest.models.map((m) => m.id), ['fr_feature', 'fr_feature-fp16', 'mobileface', 'mobilefacenet']);
    assert.ok(manifest.models[1]!.fidelity! > 0.999, 'an fp16 copy embeds like the victim');

    // Peer methods compare class decisions: on this embedding victim they are skipped, with a warning.
    const run = await runBench(zoo, { methods: ['sac-jc', 'ipguard', 'akh'], samples: 20 });
    assert.deepEqual(run.result.methods.map((m) => m.method), ['sac-jc']);
    for (const method of ['ipguard', 'akh']) {
      assert.ok(run.result.warnings.some((w) => new RegExp(`${method} skipped.*embeddings`).test(w)), run.result.warnings.join('\n'));
    }
    const paths = await writeBench(join(dir, 'out'), run);
    const saved = JSON.parse(await readFile(paths.results, 'utf8'));
    assert.equal(saved.methods[0].method, 'sac-jc');
    const html = await readFile(paths.report, 'utf8');
    assert.equal(html.split('<svg').length - 1, 1 + 1 + 3, 'ROC, strip chart, three heatmaps');

    const [m] = run.result.methods;
    assert.equal(m!.queriesPerVerification, 20);
    assert.ok(m!.threshold, 'two independent models give a threshold');
    assert.deepEqual([m!.statistics, m!.decisionStatistic], [STATISTICS, 'pearson']);
    for (const g of m!.groups) for (const a of g.against) for (const s of STATISTICS) {
      assert.ok(a.auc[s] >= 0 && a.auc[s] <= 1 && a.tprAt1pct[s] >= 0 && a.tprAt1pct[s] <= 1, `${g.group} vs ${a.group} (${s})`);
    }
    const fp16 = m!.models.find((x) => x.id === 'fr_feature-fp16')!;
    for (const other of m!.models.filter((x) => x.role === 'independent')) {
      assert.ok(fp16.values.distance! < other.values.distance! && fp16.values.pearson! < other.values.pearson!, `fp16 closer than ${other.id}`);
    }
    assert.ok(run.result.warnings.some((w) => w.includes('mobilefacenet')), 'model warnings are collected');

    // A method this zoo cannot give (35 misidentified faces among ~40) is skipped with its reason; the others run.
    const partial = await runBench(zoo, { methods: ['sac-jc', 'sac-w'], samples: 35 });
    assert.deepEqual(partial.result.methods.map((x) => x.method), ['sac-jc']);
    assert.ok(partial.result.warnings.some((w) => /sac-w skipped: SAC-w found only \d+ images/.test(w)), partial.result.warnings.join('\n'));
    await assert.rejects(runBench(zoo, { methods: ['sac-w'], samples: 35 }),
      (e: unknown) => e instanceof LineageError && /no method could run on zoo/.test(e.message) && /SAC-w found only/.test(e.message));

    // A kernel sweep reuses the suspects' outputs: same samples, other matrices.
    const sweep = await runSweep(zoo, { key: 'kernel', values: ['cosine', 'rbf'] }, { methods: ['sac-jc'], samples: 20 });
    assert.deepEqual(sweep.points.map((p) => p.settings.kernel), ['cosine', 'rbf']);
    assert.equal(sweep.points[0]!.methods[0]!.models.find((x) => x.id === 'fr_feature-fp16')!.values.distance, fp16.values.distance);
    assert.ok(sweep.points.every((p) => p.methods[0]!.groups[0]!.against[0]!.auc.pearson <= 1));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('lineage bench: a folder without a zoo manifest is a clean error', async () => {
  assertCleanError(await runCli(['bench', join(tmpdir(), 'no-such-zoo'), '--out', join(tmpdir(), 'no-such-out')]), [/no-such-zoo/, /manifest/]);
  assertCleanError(await runCli(['bench', 'x', '--methods', 'sac-jc,magic']), [/magic/]);
  const help = await runCli(['bench', '--help']);
  assert.ok(help.code === 0 && /deepcore/.test(help.stdout) && /all/.test(help.stdout), help.stdout);
});
