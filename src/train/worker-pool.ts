/**
 * Jobs run in forked worker processes, both sides of the protocol: the parent's pool (WorkerPool)
 * and the worker's message loop (serveJobs). The tfjs wasm backend trains on one thread in Node, so
 * N processes train N models at about N times the aggregate speed on N cores.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, isLineageError, LineageError } from '../errors.js';

/** What a worker sends back for a job: any number of progress messages, then done or error. */
export type WorkerReply<Progress, Result> =
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'done'; readonly result: Result }
  | { readonly type: 'error'; readonly message: string; readonly hint?: string };

export interface WorkerPoolOptions<Job> {
  /** The worker's entry script (see siblingScript); a .ts script gets the tsx loader. */
  readonly script: string;
  /** Most worker processes at once, a whole number ≥ 1. */
  readonly processes: number;
  /** The job as errors name it, e.g. `training job "a"`. */
  readonly describe: (job: Job) => string;
}

/** How long a worker that closed its IPC channel mid-job gets to exit by itself (its exit code says more) before it is killed. */
const DISCONNECT_GRACE_MS = 1000;

const RESUME_HINT = 'see the worker output above (a worker killed for lack of memory: use fewer processes); rerun the same command to resume';

function stopped(what: string): LineageError {
  return new LineageError(`${what}: the worker pool was closed`, 'rerun the same command to resume');
}

/** The worker script `name` beside the module at `moduleUrl`, with that module's extension (.ts under tsx, .js when built). */
export function siblingScript(moduleUrl: string, name: string): string {
  const self = fileURLToPath(moduleUrl);
  return path.join(path.dirname(self), `${name}${path.extname(self)}`);
}

/**
 * Runs jobs in up to `processes` worker processes, started on first use and reused while idle.
 * A job that fails in its worker rejects with the worker's error; a worker that dies or disconnects
 * mid-job rejects its job and is replaced for the next one.
 */
export class WorkerPool<Job, Progress, Result> {
  private readonly workers = new Set<ChildProcess>();
  private readonly idle: ChildProcess[] = [];
  private readonly waiting: { readonly name: string; readonly resolve: (worker: ChildProcess) => void; readonly reject: (e: Error) => void }[] = [];
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions<Job>) {
    if (!Number.isInteger(options.processes) || options.processes < 1) {
      throw new LineageError(`invalid number of worker processes: ${options.processes}`, 'use a whole number ≥ 1');
    }
  }

  /** Run `job` on a free worker (waiting for one when all `processes` are busy); `onProgress` for each progress message. */
  async run(job: Job, onProgress?: (progress: Progress) => void): Promise<Result> {
    const name = this.options.describe(job);
    const worker = await this.acquire(name);
    try {
      return await this.runOn(worker, job, name, onProgress);
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
    for (const worker of this.workers) worker.kill();
    this.workers.clear();
    this.idle.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter.reject(stopped(`${waiter.name} did not start`));
  }

  private start(): ChildProcess {
    const { script } = this.options;
    const fromSource = /\.[mc]?ts$/.test(script);
    const execArgv = fromSource && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
    const worker = fork(script, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.workers.add(worker);
    // An idle worker that dies is forgotten here; a busy one also through release().
    worker.once('exit', () => this.forget(worker));
    return worker;
  }

  private forget(worker: ChildProcess): void {
    this.workers.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
  }

  private acquire(name: string): Promise<ChildProcess> {
    if (this.closed) return Promise.reject(stopped(`${name} did not start`));
    const worker = this.idle.pop();
    if (worker) return Promise.resolve(worker);
    if (this.workers.size < this.options.processes) return Promise.resolve(this.start());
    return new Promise((resolve, reject) => this.waiting.push({ name, resolve, reject }));
  }

  /** Hand the worker to the next waiting job, or park it; a worker that died or disconnected is replaced. */
  private release(worker: ChildProcess): void {
    if (this.closed) return;
    const alive = worker.exitCode === null && worker.signalCode === null && worker.connected;
    if (!alive) {
      this.forget(worker);
      worker.kill();
    }
    const next = this.waiting.shift();
    if (!next) {
      if (alive) this.idle.push(worker);
      return;
    }
    next.resolve(alive ? worker : this.start());
  }

  private runOn(worker: ChildProcess, job: Job, name: string, onProgress?: (progress: Progress) => void): Promise<Result> {
    return new Promise((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined;
      const lost = (how: string): void => {
        cleanup();
        if (this.closed) reject(stopped(`${name} was abandoned`));
        else reject(new LineageError(`${name} did not finish: its worker ${how}`, RESUME_HINT));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => lost(signal ? `was killed (${signal})` : `exited (code ${code})`);
      const onDisconnect = (): void => {
        grace = setTimeout(() => {
          worker.kill();
          lost('closed its IPC channel');
        }, DISCONNECT_GRACE_MS);
      };
      const onMessage = (reply: WorkerReply<Progress, Result>): void => {
        if (reply.type === 'progress') return onProgress?.(reply.progress);
        cleanup();
        if (reply.type === 'done') resolve(reply.result);
        else reject(new LineageError(`${name} failed: ${reply.message}`, reply.hint));
      };
      const cleanup = (): void => {
        clearTimeout(grace);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        worker.off('disconnect', onDisconnect);
      };
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      worker.on('disconnect', onDisconnect);
      worker.send(job as object, (e) => {
        if (e) lost(`could not be sent the job (${e.message})`);
      });
    });
  }
}

/** The parent's pid as the kernel sees it now (process.ppid is fixed at start-up); undefined off Linux. */
function currentParent(): number | undefined {
  try {
    return Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * The message loop of a worker process started by WorkerPool: runs each job it is sent with `run`,
 * one at a time, relaying its progress (what `relay` accepts; all by default), then the result or
 * the error. Exits when the pool disconnects or its process is gone.
 */
export function serveJobs<Job, Progress, Result>(
  run: (job: Job, progress: (progress: Progress) => void) => Promise<Result>,
  relay: (progress: Progress) => boolean = () => true,
): void {
  const reply = (message: WorkerReply<Progress, Result>): void => {
    process.send!(message);
  };
  const parent = currentParent();
  process.on('message', (job: Job) => {
    run(job, (progress) => {
      // Training chains promises that settle at once and never lets 'disconnect' through: a parent
      // that was killed is noticed here, at every progress step, by this process having been re-parented.
      if (parent !== undefined && currentParent() !== parent) process.exit(0);
      if (relay(progress)) reply({ type: 'progress', progress });
    }).then(
      (result) => reply({ type: 'done', result }),
      (e: unknown) => reply({ type: 'error', message: errorMessage(e), ...(isLineageError(e) && e.hint !== undefined ? { hint: e.hint } : {}) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
