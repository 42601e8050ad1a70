/**
 * Independent training jobs in parallel worker processes. The tfjs wasm backend runs on one thread
 * in Node, so two processes train two models at about twice the aggregate speed on two cores.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineageError } from '../errors.js';
import type { TrainingJob } from './job.js';
import type { TrainProgress, TrainResult } from './loop.js';

/** What a worker sends back. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly progress: TrainProgress }
  | { readonly type: 'done'; readonly result: TrainResult }
  | { readonly type: 'error'; readonly message: string; readonly hint?: string };

export interface PoolOptions {
  /** Worker processes; default 2. */
  readonly processes?: number;
  readonly onProgress?: (job: string, progress: TrainProgress) => void;
}

/** Start a worker process; under tsx (running from .ts sources) it gets the tsx loader too. */
function startWorker(): ChildProcess {
  const self = fileURLToPath(import.meta.url);
  const script = path.join(path.dirname(self), `pool-worker${path.extname(self)}`);
  const fromSource = path.extname(self) === '.ts';
  const execArgv = fromSource && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
  return fork(script, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Run `job` on `worker`, resolving with its result. */
function runOn(worker: ChildProcess, job: TrainingJob, options: PoolOptions): Promise<TrainResult> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new LineageError(`training worker for job "${job.name}" exited (code ${code})`, 'see the worker output above; try fewer processes if memory ran out'));
    };
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'progress') {
        options.onProgress?.(job.name, message.progress);
        return;
      }
      cleanup();
      if (message.type === 'done') resolve(message.result);
      else reject(new LineageError(`training job "${job.name}" failed: ${message.message}`, message.hint));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    worker.send(job);
  });
}

/** Run every job, at most `processes` at a time; results in job order. Fails with the first failing job. */
export async function runTrainingJobs(jobs: readonly TrainingJob[], options: PoolOptions = {}): Promise<TrainResult[]> {
  const processes = options.processes ?? 2;
  if (!Number.isInteger(processes) || processes < 1) {
    throw new LineageError(`invalid number of training processes: ${processes}`, 'use a whole number ≥ 1');
  }
  const results: TrainResult[] = new Array(jobs.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(processes, jobs.length) }, startWorker);
  try {
    await Promise.all(workers.map(async (worker) => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await runOn(worker, jobs[index]!, options);
      }
    }));
  } finally {
    for (const worker of workers) if (worker.connected) worker.disconnect();
  }
  return results;
}
