/**
 * `lineage worker`: takes jobs from the queue until stopped. Training runs in local worker
 * processes (the same pool as a local zoo build), so this process's event loop stays free to renew
 * the BullMQ job locks; a worker killed mid-job stops renewing them, and after `lockMs` another
 * worker takes the job over (BullMQ's stalled-job check).
 */
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker, type Job } from 'bullmq';
import { errorMessage } from '../errors.js';
import { isRunning } from '../util/atomic-write.js';
import { localJobRunner } from '../zoo/trained/pool.js';
import { BENCH_QUEUE, processBenchJob, type QueuedBenchJob } from './bench-jobs.js';
import { checkRedis, redisConnection } from './redis.js';
import { processScanJob, SCAN_QUEUE, type QueuedScanJob } from './scan-jobs.js';
import { processZooJob, ZOO_QUEUE, type QueuedZooJob } from './zoo-jobs.js';

export interface WorkerOptions {
  /** redis://host:port */
  readonly queue: string;
  /** Jobs run at once (training processes); default 1. */
  readonly processes?: number;
  /** How long a job's lock lasts without renewal: how soon a dead worker's job is taken over. Default 30 s. */
  readonly lockMs?: number;
  readonly log?: (line: string) => void;
}

export interface RunningWorker {
  /** Stop taking jobs; with `force`, abandon the ones running (another worker takes them over). */
  close(force?: boolean): Promise<void>;
}

/** Each worker process works under its own folder; those of workers that died are removed at start. */
const WORK_ROOT = path.join(os.tmpdir(), 'lineage-worker');

async function removeDeadWorkersFolders(): Promise<void> {
  const names = await readdir(WORK_ROOT).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    await rm(path.join(WORK_ROOT, name), { recursive: true, force: true });
  }
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  await checkRedis(options.queue);
  const log = options.log ?? (() => {});
  const processes = options.processes ?? 1;
  const lockMs = options.lockMs ?? 30_000;
  await removeDeadWorkersFolders();
  const own = path.join(WORK_ROOT, String(process.pid));
  const cache = path.join(own, 'cache');
  const runner = localJobRunner(processes);
  const connection = redisConnection(options.queue);
  const settings = { connection, concurrency: processes, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 2 };
  const describe = (job: Job | undefined) => `${job?.queueName ?? '?'} job ${job?.id ?? '?'}`;
  const zoo = new Worker<QueuedZooJob>(ZOO_QUEUE, async (job) => {
    log(`${describe(job)}: started (try ${job.attemptsMade + 1})`);
    return processZooJob(job.data, runner, path.join(own, 'jobs'), cache, (progress) => void job.updateProgress(progress as object));
  }, settings);
  const scan = new Worker<QueuedScanJob>(SCAN_QUEUE, async (job) => processScanJob(job.data, cache), settings);
  const bench = new Worker<QueuedBenchJob>(BENCH_QUEUE, async (job) => processBenchJob(job.data, cache), settings);
  const workers = [zoo, scan, bench];
  for (const worker of workers) {
    worker.on('completed', (job) => log(`${describe(job)}: done`));
    worker.on('failed', (job, e) => log(`${describe(job)}: failed: ${errorMessage(e)}`));
    worker.on('error', (e) => log(`queue error: ${errorMessage(e)}`));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log(`worker ${process.pid}: taking jobs from ${options.queue} (${processes} at once)`);
  return {
    async close(force = false) {
      await Promise.all(workers.map((w) => w.close(force)));
      await runner.close();
      await rm(own, { recursive: true, force: true });
    },
  };
}
