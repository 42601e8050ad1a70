import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { LineageError } from '../src/errors.js';
import { FolderStore, openStore, type ArtefactStore } from '../src/queue/store.js';
import { queueJobRunner } from '../src/queue/zoo-jobs.js';
import { buildZoo } from '../src/zoo/build.js';
import type { ZooManifest } from '../src/zoo/manifest.js';
import { zooPreset } from '../src/zoo/presets/index.js';
import { MODEL_RECORD } from '../src/zoo/trained/job.js';
import { assertCleanError, runCli, startCli } from './helpers/cli.js';
import { noRedis, startRedis } from './helpers/redis.js';

const CIFAR = path.resolve('../shared/datasets/cifar10');
const skipZoo = noRedis || (existsSync(CIFAR) ? false : `CIFAR-10 not found at ${CIFAR} (the shared datasets are absent)`);
/** The victim, a weight copy, a fine-tune and an Extract-Adv student (which needs Extract-L and the victim): every kind of dependency. */
const SUBSET = ['noise-10pct', 'fine-tune-all-1', 'extract-l-1', 'extract-adv-1', 'irrelevant-1'];
/** Short locks, so that a killed worker's job is taken over within seconds. */
const LOCK_MS = '1500';

let root: string;
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
const workers: ChildProcess[] = [];

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'lineage-queue-'));
  if (!noRedis) redis = await startRedis();
});

after(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await redis?.stop();
  await rm(root, { recursive: true, force: true });
});

/** Start `lineage worker` on the test's Redis; resolves once it takes jobs. Its log lines go to `log`. */
async function startWorker(log: string[] = []): Promise<ChildProcess> {
  const child = startCli(['worker', '--queue', redis!.url, '--lock-ms', LOCK_MS]);
  workers.push(child);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      log.push(...chunk.toString().split('\n').filter(Boolean));
      if (/taking jobs/.test(seen)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before taking jobs:\n${seen}`)));
  });
  return child;
}

/** Build the tiny zoo's SUBSET through the queue (the caller's workers), in `dir`. */
async function queueBuild(dir: string, options: { store?: string; log?: (line: string) => void } = {}): Promise<ZooManifest> {
  const runner = await queueJobRunner({ queue: redis!.url, zoo: dir, ...(options.store ? { store: options.store } : {}) });
  try {
    return await buildZoo(dir, zooPreset('cifar10-tiny'), { only: SUBSET, jobRunner: runner, keepGoing: true, ...(options.log ? { log: options.log } : {}) });
  } finally {
    await runner.close();
  }
}

/** The manifest's models without what differs between runs (training time). */
const comparable = (m: ZooManifest) => m.models.map(({ trainSeconds: _seconds, ...rest }) => rest);

test('queue: an unreachable Redis is one clear error line', async () => {
  const out = path.join(os.tmpdir(), `lineage-queue-unreachable-${process.pid}`);
  assertCleanError(await runCli(['zoo', '--preset', 'cifar10-tiny', '--out', out, '--queue', 'redis://127.0.0.1:1']), [/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/]);
  assertCleanError(await runCli(['worker', '--queue', 'redis://127.0.0.1:1']), [/cannot reach Redis/]);
  assertCleanError(await runCli(['worker', '--queue', 'http://127.0.0.1:6379']), [/invalid queue URL/]);
  assert.equal(existsSync(out), false, 'nothing written');
});

test('stores: a finished folder is never overwritten, keys stay inside, S3 and folder stores agree', async () => {
  const s3dir = path.join(root, 's3rver');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'zoo', configs: [] }] });
  const { port } = await server.run();
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  try {
    const local = path.join(root, 'artefact');
    await mkdir(path.join(local, 'sub'), { recursive: true });
    await writeFile(path.join(local, 'model.json'), '{"v":1}');
    await writeFile(path.join(local, 'sub', 'w b.bin'), 'weights');
    await writeFile(path.join(local, MODEL_RECORD), '{}');
    const stores: ArtefactStore[] = [new FolderStore(path.join(root, 'folder-store')), openStore(`s3://zoo/runs/a?endpoint=http://127.0.0.1:${port}`)];
    for (const store of stores) {
      assert.equal(await store.isComplete('m/1', MODEL_RECORD), false);
      assert.equal(await store.putFolder(local, 'm/1', MODEL_RECORD), true);
      assert.equal(await store.isComplete('m/1', MODEL_RECORD), true);
      await writeFile(path.join(local, 'model.json'), '{"v":2}');
      assert.equal(await store.putFolder(local, 'm/1', MODEL_RECORD), false, 'a finished folder is kept');
      await writeFile(path.join(local, 'model.json'), '{"v":1}');
      const copy = path.join(root, `copy-${stores.indexOf(store)}`);
      await store.fetchFolder('m/1', MODEL_RECORD, copy);
      assert.equal(await readFile(path.join(copy, 'model.json'), 'utf8'), '{"v":1}');
      assert.equal(await readFile(path.join(copy, 'sub', 'w b.bin'), 'utf8'), 'weights');
      // A folder without the marker (a dataset) gets an empty one, written last.
      await store.putFolder(path.join(local, 'sub'), 'data/x', '.done');
      assert.equal(await store.isComplete('data/x', '.done'), true);
      for (const bad of ['../escape', '/abs', 'a/../../b', '']) {
        await assert.rejects(store.putFolder(local, bad, MODEL_RECORD), (e: unknown) => e instanceof LineageError && /invalid artefact key/.test(e.message), bad);
      }
      await assert.rejects(store.localFolder('missing', MODEL_RECORD, path.join(root, 'cache')), /not in the store/);
    }
    delete process.env.AWS_SECRET_ACCESS_KEY;
    assert.throws(() => openStore('s3://zoo/x?endpoint=http://127.0.0.1:1'), /needs credentials/);
  } finally {
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    await server.close();
  }
});

test('queue: two workers build the zoo through Redis (S3 store) with the manifest of a local build', { skip: skipZoo, timeout: 180_000 }, async () => {
  const s3dir = path.join(root, 's3rver-zoo');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'zoo', configs: [] }] });
  const { port } = await server.run();
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  try {
    const local = await buildZoo(path.join(root, 'local'), zooPreset('cifar10-tiny'), { only: SUBSET });
    const logs: string[][] = [[], []];
    await Promise.all(logs.map((log) => startWorker(log)));
    const queued = await queueBuild(path.join(root, 'queued'), { store: `s3://zoo/tiny?endpoint=http://127.0.0.1:${port}` });
    assert.deepEqual(comparable(queued), comparable(local));
    assert.ok(logs.every((log) => log.some((l) => /: done/.test(l))), `both workers ran jobs:\n${logs.map((l) => l.join('\n')).join('\n---\n')}`);
    for (const m of queued.models) assert.ok(existsSync(path.join(root, 'queued', m.id, MODEL_RECORD)), `${m.id} fetched into the zoo folder`);
  } finally {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
    await server.close();
  }
});

test('queue: a worker killed mid-job loses only that job; the zoo completes with no model lost or duplicated', { skip: skipZoo, timeout: 180_000 }, async () => {
  const dir = path.join(root, 'killed');
  const first = await startWorker();
  let killed = '';
  const build = queueBuild(dir, {
    log: (line) => {
      // Kill the only worker once it is training a model after the victim.
      const m = /(\S+): training/.exec(line);
      if (m && m[1] !== 'victim' && !killed) {
        killed = m[1]!;
        first.kill('SIGKILL');
        void startWorker();
      }
    },
  });
  const manifest = await build;
  assert.notEqual(killed, '', 'a job was in hand when the worker was killed');
  const ids = manifest.models.map((m) => m.id);
  assert.deepEqual([...ids].sort(), ['victim', ...SUBSET].sort(), 'every model once');
  for (const id of ids) assert.ok(existsSync(path.join(dir, id, MODEL_RECORD)), `${id} complete`);
  const leftovers = (await readdir(dir)).filter((n) => /tmp/.test(n));
  assert.deepEqual(leftovers, []);
  for (const w of workers.splice(0)) w.kill('SIGKILL');
});

test('queue: a job that fails three times is reported with its error and does not block unrelated jobs', { skip: skipZoo, timeout: 180_000 }, async () => {
  const dir = path.join(root, 'failing');
  // A victim folder that looks finished but holds no model: every job made from it fails, the others do not.
  await mkdir(path.join(dir, 'victim'), { recursive: true });
  await writeFile(path.join(dir, 'victim', MODEL_RECORD), JSON.stringify({ measurements: {}, predictions: [] }));
  const log: string[] = [];
  await startWorker(log);
  await assert.rejects(queueBuild(dir), (e: unknown) => {
    assert.ok(e instanceof LineageError, String(e));
    assert.match(e.message, /fine-tune-all-1 \(zoo job fine-tune-all-1 failed on the queue \(3 tries\): .*victim/);
    assert.match(e.message, /extract-adv-1 \(needs extract-l-1, which failed\)/);
    return true;
  });
  assert.equal(log.filter((l) => /fine-tune-all-1: failed/.test(l)).length, 3, log.join('\n'));
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as ZooManifest;
  assert.deepEqual(manifest.models.map((m) => m.id), ['victim', 'irrelevant-1'], 'the unrelated model was built and listed');
  for (const w of workers.splice(0)) w.kill('SIGKILL');
});
