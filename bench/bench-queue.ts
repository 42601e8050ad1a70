/**
 * `lineage bench` locally and through Redis with two `lineage worker` processes, on one zoo:
 * wall time of both, and whether the results are the same numbers. Writes results/bench-queue-<zoo name>.json.
 *
 *   npm run bench:queue -- [zoo-dir] [methods] [samples]     (default: out/faces-builtin sac-jc 100)
 *
 * The zoo must exist (e.g. `lineage zoo --preset faces-builtin --out out/faces-builtin`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from '../src/bench/types.js';
import { writeFileAtomic } from '../src/util/atomic-write.js';
import { noRedis, startRedis } from '../test/helpers/redis.js';
import { CLI, cli } from './cli.js';

const ZOO = path.resolve(process.argv[2] ?? 'out/faces-builtin');
const METHODS = process.argv[3] ?? 'sac-jc';
const SAMPLES = Number(process.argv[4] ?? 100);
const WORK = path.resolve('results/tmp/bench-queue');

/** Start `lineage worker`; resolves once it takes jobs. */
function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...CLI, 'worker', '--queue', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr.on('data', (c: Buffer) => {
      seen += c.toString();
      if (/taking jobs/.test(seen)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${seen}`)));
  });
}

/** What differs between two runs of the same bench: times, dates, output folders. */
const comparable = (r: BenchResult) => JSON.stringify(r, (key, value: unknown) => (['seconds', 'wallSeconds', 'createdAt', 'path'].includes(key) ? undefined : value));

async function run(label: string, extra: readonly string[]): Promise<{ result: BenchResult; summary: Record<string, unknown> }> {
  const out = path.join(WORK, `out-${label}`);
  const loadAverageBefore = os.loadavg()[0]!;
  const processSeconds = await cli(['bench', ZOO, '--methods', METHODS, '--samples', String(SAMPLES), '--out', out, '--json', ...extra]);
  const result = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as BenchResult;
  const summary = {
    benchSeconds: result.wallSeconds,
    processSeconds,
    fingerprintSeconds: Object.fromEntries(result.methods.map((m) => [m.method, m.fingerprint.seconds])),
    modelSecondsSum: Object.fromEntries(result.methods.map((m) => [m.method, m.models.reduce((s, x) => s + x.seconds, 0)])),
    loadAverageBefore,
  };
  console.log(`${label}: bench ${result.wallSeconds.toFixed(1)} s (process ${processSeconds.toFixed(1)} s), load ${loadAverageBefore.toFixed(1)}`);
  return { result, summary };
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ZOO, 'manifest.json'))) throw new Error(`no zoo at ${ZOO}: build it first (lineage zoo --preset … --out ${ZOO})`);
  if (noRedis) throw new Error(noRedis);
  await rm(WORK, { recursive: true, force: true });
  const local = await run('local', []);
  const redis = await startRedis();
  const workers: ChildProcess[] = [];
  let queued: Awaited<ReturnType<typeof run>>;
  try {
    // Workers are up before the clock starts: their start-up is not part of a bench.
    workers.push(...(await Promise.all([startWorker(redis.url), startWorker(redis.url)])));
    // A fresh store: no fingerprint of an earlier run is taken over.
    queued = await run('queue', ['--queue', redis.url, '--store', path.join(WORK, 'store')]);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await redis.stop();
  }
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}`,
    zoo: { name: local.result.zoo.name, models: local.result.methods[0]?.models.length, task: local.result.zoo.task },
    settings: { methods: METHODS, samples: SAMPLES, seed: local.result.settings.seed },
    jobs: 'one fingerprint job per method (bundle into the store), then one job per zoo model checked against every fingerprint',
    local: local.summary,
    queue: { workers: 2, ...queued.summary },
    speedup: local.result.wallSeconds / queued.result.wallSeconds,
    sameResults: comparable(local.result) === comparable(queued.result),
  };
  const file = path.resolve(`results/bench-queue-${result.zoo.name}.json`);
  await writeFileAtomic(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`speed-up ${result.speedup.toFixed(2)}×, same results: ${result.sameResults}; ${file}`);
}

await main();
