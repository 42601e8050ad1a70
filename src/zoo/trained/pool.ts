/**
 * Worker processes for trained-zoo jobs (the tfjs wasm backend trains on one thread, so two
 * processes build two models at once on two cores). Workers start on first use and stay until close.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineageError } from '../../errors.js';
import type { TrainProgress } from '../../train/loop.js';
import type { ModelRecord, ZooJob } from './job.js';

export type ZooWorkerReply =
  | { readonly type: 'progress'; readonly progress: TrainProgress }
  | { readonly type: 'done'; readonly records: Record<string, ModelRecord> }
  | { readonly type: 'error'; readonly message: string; readonly hint?: string };

/** Start a worker; when running from .ts sources it gets the tsx loader too. */
function startWorker(): ChildProcess {
  const self = fileURLToPath(import.meta.url);
  const script = path.join(path.dirname(self), `worker${path.extname(self)}`);
  const fromSource = path.extname(self) === '.ts';
  const execArgv = fromSource && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
  return fork(script, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export class ZooWorkerPool {
  private readonly idle: ChildProcess[] = [];
  private readonly all: ChildProcess[] = [];
  private readonly waiting: { resolve: (worker: ChildProcess) => void; reject: (e: Error) => void }[] = [];
  private closed = false;

  constructor(private readonly processes: number) {}

  /** Run `job` on a free worker (starting one when fewer than `processes` exist); `onEpoch` after each training epoch. */
  async run(job: ZooJob, onEpoch?: (progress: TrainProgress) => void): Promise<Record<string, ModelRecord>> {
    const worker = await this.acquire();
    try {
      return await new Promise((resolve, reject) => {
        const onExit = (code: number | null): void => {
          cleanup();
          reject(new LineageError(`zoo worker building ${job.id} exited (code ${code})`, 'see the worker output above; rerun the same command to resume'));
        };
        const onMessage = (reply: ZooWorkerReply): void => {
          if (reply.type === 'progress') return onEpoch?.(reply.progress);
          cleanup();
          if (reply.type === 'done') resolve(reply.records);
          else reject(new LineageError(`zoo job ${job.id} failed: ${reply.message}`, reply.hint));
        };
        const cleanup = (): void => {
          worker.off('message', onMessage);
          worker.off('exit', onExit);
        };
        worker.on('message', onMessage);
        worker.on('exit', onExit);
        worker.send(job);
      });
    } finally {
      this.release(worker);
    }
  }

  /**
   * Stop every worker: a job still running is abandoned (killed: a training worker only reads its
   * IPC channel between jobs), jobs still waiting fail.
   */
  close(): void {
    this.closed = true;
    for (const worker of this.all) worker.kill();
    this.all.length = 0;
    this.idle.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new LineageError('the zoo build stopped before this job started', 'rerun the same command to resume'));
  }

  private acquire(): Promise<ChildProcess> {
    if (this.closed) return Promise.reject(new LineageError('the zoo build has stopped', 'rerun the same command to resume'));
    const worker = this.idle.pop();
    if (worker) return Promise.resolve(worker);
    if (this.all.length < this.processes) {
      const started = startWorker();
      this.all.push(started);
      return Promise.resolve(started);
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Hand the worker to the next waiting job; a worker that died is replaced for it. */
  private release(worker: ChildProcess): void {
    if (this.closed) return;
    const alive = worker.exitCode === null && worker.connected;
    if (!alive) this.all.splice(this.all.indexOf(worker), 1);
    const next = this.waiting.shift();
    if (!next) {
      if (alive) this.idle.push(worker);
      return;
    }
    if (alive) return next.resolve(worker);
    const replacement = startWorker();
    this.all.push(replacement);
    next.resolve(replacement);
  }
}
