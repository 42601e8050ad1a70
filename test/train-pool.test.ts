import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LineageError } from '../src/errors.js';
import { runTrainingJob, type TrainingJob } from '../src/train/job.js';
import { runTrainingJobs } from '../src/train/pool.js';
import { WorkerPool } from '../src/train/worker-pool.js';
import { Random } from '../src/util/random.js';

/** 24 random 16×16 RGB images with labels 0..3. */
function syntheticData(seed: number): TrainingJob['data'] {
  const random = new Random(seed);
  const count = 24;
  return {
    images: { data: Uint8Array.from({ length: count * 16 * 16 * 3 }, () => random.int(256)), count, height: 16, width: 16, channels: 3 },
    labels: Int32Array.from({ length: count }, (_, i) => i % 4),
  };
}

test('two jobs train in two worker processes, deterministically; a bad job fails with its name', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-pool-'));
  try {
    const job = (name: string, seed: number): TrainingJob => ({
      name,
      model: { architecture: 'resnet8', classes: 4, seed },
      data: syntheticData(seed),
      options: {
        epochs: 1, batchSize: 8, seed, saveTo: path.join(dir, name),
        // Job a also exercises momentum SGD, weight decay and the step schedule.
        ...(seed === 1 ? { optimizer: 'momentum', lr: 0.01, weightDecay: 5e-4, schedule: 'step' } as const : {}),
      },
    });
    const jobs = [job('a', 1), job('b', 2)];
    const seen = new Set<string>();
    const results = await runTrainingJobs(jobs, { processes: 2, onProgress: (name) => seen.add(name) });
    assert.deepEqual([...seen].sort(), ['a', 'b']);
    assert.equal(results.length, 2);
    assert.ok(results.every((r) => Number.isFinite(r.history[0]!.loss) && r.imagesPerSecond > 0));
    for (const name of ['a', 'b']) assert.ok(existsSync(path.join(dir, name, 'model.lineage.json')), `model ${name} saved`);
    const local = await runTrainingJob({ ...jobs[1]!, options: { ...jobs[1]!.options, saveTo: path.join(dir, 'b-local') } });
    assert.equal(results[1]!.history[0]!.loss, local.history[0]!.loss, 'same job, same seed: same loss in a worker and here');

    const bad: TrainingJob = { ...job('bad', 3), data: { ...syntheticData(3), labels: new Int32Array(24).fill(7) } };
    await assert.rejects(runTrainingJobs([bad], { processes: 1 }), (e: unknown) =>
      e instanceof LineageError && /"bad"/.test(e.message) && /label 7/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A stub job: the worker reports progress 1, then does `action` (answering its pid when it lives to answer). */
interface StubJob {
  readonly name: string;
  readonly action: 'answer' | 'throw' | 'exit' | 'kill' | 'disconnect';
}

/** A worker script for StubJobs on the shared message loop. */
const STUB_WORKER = `
  import { LineageError } from ${JSON.stringify(path.resolve('src/errors.ts'))};
  import { serveJobs } from ${JSON.stringify(path.resolve('src/train/worker-pool.ts'))};
  serveJobs(async (job, progress) => {
    progress(1);
    if (job.action === 'throw') throw new LineageError('stub failure', 'stub hint');
    if (job.action === 'exit') process.exit(3);
    if (job.action === 'kill') process.kill(process.pid, 'SIGKILL');
    if (job.action === 'disconnect') {
      // Closes its channel but stays alive: the pool must not wait for it.
      process.removeAllListeners('disconnect');
      await new Promise((resolve) => setTimeout(resolve, 100)); // lets the progress message go first
      process.disconnect();
      setInterval(() => {}, 1000);
      return new Promise(() => {});
    }
    return process.pid;
  });`;

test('a worker dying or disconnecting mid-job fails that job clearly; the pool goes on with a fresh worker', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-worker-pool-'));
  const script = path.join(dir, 'stub-worker.mts');
  await writeFile(script, STUB_WORKER);
  const pool = new WorkerPool<StubJob, number, number>({ script, processes: 1, describe: (job) => `stub job "${job.name}"` });
  try {
    const progress: string[] = [];
    const run = (name: string, action: StubJob['action']) => pool.run({ name, action }, (p) => progress.push(`${name}:${p}`));
    const lost = (name: string, how: RegExp) => (e: unknown) =>
      e instanceof LineageError && new RegExp(`stub job "${name}" did not finish`).test(e.message) && how.test(e.message) && /rerun .* to resume/.test(e.hint ?? '');

    const first = await run('first', 'answer');
    // Queued behind the crashing job, on the one worker: it must get a replacement.
    const crashing = run('exit', 'exit');
    const queued = run('queued', 'answer');
    await assert.rejects(crashing, lost('exit', /exited \(code 3\)/));
    const second = await queued;
    assert.notEqual(second, first, 'a fresh worker ran the queued job');

    await assert.rejects(run('kill', 'kill'), lost('kill', /killed \(SIGKILL\)/));
    await assert.rejects(run('disconnect', 'disconnect'), lost('disconnect', /closed its IPC channel/));
    const third = await run('after', 'answer');
    assert.ok(![first, second].includes(third), 'the dead workers were not reused');

    // A job that fails by itself leaves its worker usable.
    await assert.rejects(run('throw', 'throw'), (e: unknown) =>
      e instanceof LineageError && e.message === 'stub job "throw" failed: stub failure' && e.hint === 'stub hint');
    assert.equal(await run('reused', 'answer'), third, 'the worker of a failed job is reused');
    assert.deepEqual(progress, ['first', 'exit', 'queued', 'kill', 'disconnect', 'after', 'throw', 'reused'].map((name) => `${name}:1`));

    pool.close();
    await assert.rejects(run('late', 'answer'), (e: unknown) => e instanceof LineageError && /stub job "late" did not start/.test(e.message));
  } finally {
    pool.close();
    await rm(dir, { recursive: true, force: true });
  }
});
