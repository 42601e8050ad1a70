/**
 * Worker processes for trained-zoo jobs (see ../../train/worker-pool.ts): two processes build two
 * models at once on two cores. Workers start on first use and stay until close.
 */
import type { TrainProgress } from '../../train/loop.js';
import { siblingScript, WorkerPool } from '../../train/worker-pool.js';
import type { ModelRecord, ZooJob } from './job.js';

/** A job's result: the record of each model it built, by model id. */
export type ZooJobRecords = Record<string, ModelRecord>;

/** Progress comes back once per training epoch. */
export type ZooWorkerPool = WorkerPool<ZooJob, TrainProgress, ZooJobRecords>;

export function zooWorkerPool(processes: number): ZooWorkerPool {
  return new WorkerPool({ script: siblingScript(import.meta.url, 'worker'), processes, describe: (job) => `zoo job ${job.id}` });
}

/**
 * Where a trained zoo's jobs run: in local worker processes (the default, localJobRunner) or as
 * jobs on a queue that workers on other machines take (src/queue). Whoever makes a runner closes it.
 */
export interface ZooJobRunner {
  /** How many jobs to keep in flight. */
  readonly concurrency: number;
  run(job: ZooJob, onProgress?: (progress: TrainProgress) => void): Promise<ZooJobRecords>;
  close(): Promise<void>;
}

export function localJobRunner(processes: number): ZooJobRunner {
  const pool = zooWorkerPool(processes);
  return { concurrency: processes, run: (job, onProgress) => pool.run(job, onProgress), close: async () => pool.close() };
}
