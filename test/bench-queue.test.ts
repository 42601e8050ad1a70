import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBench } from '../src/bench/bench.js';
import type { BenchResult } from '../src/bench/types.js';
import { decodeModelOutcome, encodeModelOutcome, queueScorer, type ModelOutcome } from '../src/queue/bench-jobs.js';
import { buildZoo } from '../src/zoo/build.js';
import { zooPreset } from '../src/zoo/presets/index.js';
import { assertCleanError, runCli, startCli } from './helpers/cli.js';
import { noRedis, startRedis } from './helpers/redis.js';

const CIFAR = path.resolve('../shared/datasets/cifar10');
const skip = noRedis || (existsSync(CIFAR) ? false : `CIFAR-10 not found at ${CIFAR} (the shared datasets are absent)`);
/** SAC-JC (matrices for the report) and AKH (a peer bundle); DeepCore's outputs travel through the codec tested below. */
const SETTINGS = { methods: ['sac-jc', 'akh'] as const, samples: 16 };

let root: string;
let zoo: string;
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
const workers: ChildProcess[] = [];
/** The two workers' log lines. */
const logs: string[][] = [[], []];

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'lineage-bench-queue-'));
  if (skip) return;
  redis = await startRedis();
  // The workers start while the zoo is built.
  const ready = Promise.all(logs.map((log) => startWorker(log)));
  zoo = path.join(root, 'zoo');
  // Two copies of the victim, and two independent models (a threshold needs two).
  const manifest = await buildZoo(zoo, zooPreset('cifar10-tiny'), { only: ['noise-10pct', 'prune-50pct', 'irrelevant-1', 'homologous-1'] });
  // A public base makes SAC base-aware: its matrix must travel in the stored bundle too.
  await writeFile(path.join(zoo, 'manifest.json'), JSON.stringify({ ...manifest, base: { id: 'homologous-1', path: 'homologous-1' } }));
  await ready;
});

after(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await redis?.stop();
  await rm(root, { recursive: true, force: true });
});

/** Start `lineage worker` on the test's Redis; resolves once it takes jobs. Its log lines go to `log`. */
async function startWorker(log: string[]): Promise<void> {
  const child = startCli(['worker', '--queue', redis!.url]);
  workers.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log.push(...chunk.toString().split('\n').filter(Boolean));
      if (log.some((l) => /taking jobs/.test(l))) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before taking jobs:\n${log.join('\n')}`)));
  });
}

/** A result without what differs between runs: times, dates and the folder it was read from. */
function comparable(result: BenchResult): unknown {
  return JSON.parse(JSON.stringify(result), (key, value: unknown) => (['seconds', 'wallSeconds', 'createdAt', 'path'].includes(key) ? undefined : value));
}

test('bench --queue: a model job\'s answer crosses Redis exactly (typed arrays, NaN, ±Infinity, -0, no check)', () => {
  const outcome: ModelOutcome = {
    warnings: ['m left out of akh: reason'],
    checks: [undefined, {
      score: { id: 'm', role: 'stolen', group: 'noise', values: { pearson: Number.NaN, distance: Number.POSITIVE_INFINITY, other: Number.NEGATIVE_INFINITY, x: 0.1 }, queries: 16, seconds: 0.5, utility: 0.7 },
      matrix: new Float64Array([Math.PI, -0, 1e-300, Number.NaN]),
      outputs: { rows: 1, cols: 3, data: new Float32Array([0.1, -2, Number.NaN]) },
    }],
  };
  const back = decodeModelOutcome(encodeModelOutcome(outcome));
  assert.deepStrictEqual(back, outcome);
  assert.ok(Object.is(back.checks[1]!.matrix![1], -0));
});

test('bench --queue: two workers give the local bench\'s results and report matrices', { skip, timeout: 240_000 }, async () => {
  const local = await runBench(zoo, SETTINGS);
  const queued = await runBench(zoo, { ...SETTINGS, scorer: await queueScorer({ queue: redis!.url, store: path.join(root, 'store') }) });
  assert.deepEqual(comparable(queued.result), comparable(local.result));
  assert.deepEqual(queued.result.methods.map((m) => m.method), ['sac-jc', 'akh']);
  assert.ok(queued.result.methods[0]!.baseAware, 'SAC-JC decided with the zoo\'s base too');
  assert.equal(queued.result.methods[0]!.models.length, 4);
  assert.deepEqual(queued.matrices, local.matrices, 'the heatmaps\' matrices came back exactly');
  assert.equal(queued.matrices[0]!.length, 3, 'victim, one stolen and one independent matrix');
  assert.ok(logs.every((log) => log.some((l) => /lineage-bench job \S+: done/.test(l))), `both workers ran jobs:\n${logs.map((l) => l.join('\n')).join('\n---\n')}`);
});

test('bench --queue: a model whose job fails 3 times is a failed row and a warning with its error; every other model is scored', { skip, timeout: 240_000 }, async () => {
  const broken = path.join(root, 'zoo-broken');
  await cp(zoo, broken, { recursive: true });
  await writeFile(path.join(broken, 'prune-50pct', 'model.json'), 'not a model');
  const out = path.join(root, 'out-broken');
  const run = await runCli(['bench', broken, '--methods', 'sac-jc', '--samples', String(SETTINGS.samples), '--queue', redis!.url, '--out', out, '--json'], 180_000);
  assert.equal(run.code, 1, `results written, but not every model checked: exit 1\n${run.stderr}`);
  const result = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as BenchResult;
  assert.deepEqual(result.failed?.map(({ id, role, group }) => ({ id, role, group })), [{ id: 'prune-50pct', role: 'stolen', group: 'prune' }]);
  assert.match(result.failed![0]!.error, /3 tries.*model\.json/);
  const failed = result.warnings.filter((w) => /^prune-50pct left out of every method: its job failed \(3 tries\): .*model\.json/.test(w));
  assert.equal(failed.length, 1, result.warnings.join('\n'));
  assert.deepEqual(result.methods[0]!.models.map((m) => m.id).sort(), ['homologous-1', 'irrelevant-1', 'noise-10pct']);
  assert.match(run.stderr, /warning: prune-50pct left out of every method/);
  assert.ok(existsSync(path.join(out, 'store')), 'fingerprints went through the default store, <out>/store');
});

test('bench --queue: an unreachable Redis is one clear error line, and nothing is written', { timeout: 60_000 }, async () => {
  const out = path.join(root, 'out-unreachable');
  assertCleanError(await runCli(['bench', path.join(root, 'no-zoo'), '--queue', 'redis://127.0.0.1:1', '--out', out]), [/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/]);
  assertCleanError(await runCli(['bench', path.join(root, 'no-zoo'), '--store', path.join(root, 's'), '--out', out]), [/--store needs --queue/]);
  assert.equal(existsSync(out), false);
});
