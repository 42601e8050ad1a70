/** Independent training jobs in parallel worker processes (see ./worker-pool.ts). */
import type { TrainingJob } from './job.js';
import type { TrainProgress, TrainResult } from './loop.js';
import { siblingScript, WorkerPool } from './worker-pool.js';

export interface PoolOptions {
  /** Worker processes; default 2. */
  readonly processes?: number;
  readonly onProgress?: (job: string, progress: TrainProgress) => void;
}

/** Run every job, at most `processes` at a time; results in job order. Fails with the first failing job, stopping the others. */
export async function runTrainingJobs(jobs: readonly TrainingJob[], options: PoolOptions = {}): Promise<TrainResult[]> {
  const pool = new WorkerPool<TrainingJob, TrainProgress, TrainResult>({
    script: siblingScript(import.meta.url, 'pool-worker'),
    processes: options.processes ?? 2,
    describe: (job) => `training job "${job.name}"`,
  });
  try {
    return await Promise.all(jobs.map((job) => pool.run(job, (progress) => options.onProgress?.(job.name, progress))));
  } finally {
    pool.close();
  }
}
