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
