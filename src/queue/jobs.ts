/** What the zoo, scan and bench queues share: opening a queue with its events, and retried jobs run to the end. */
import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import { errorMessage } from '../errors.js';
import { redisConnection } from './redis.js';

/** Tries of a job before it is reported as failed (a worker killed mid-job does not use one up: BullMQ re-queues stalled jobs). */
export const JOB_ATTEMPTS = 3;

/** A job's retries; `keepFailed` leaves a failed job in Redis (a zoo rerun looks it up by id). */
export const retriedJob = (keepFailed = false): JobsOptions =>
  ({ attempts: JOB_ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: true, removeOnFail: !keepFailed });

export interface OpenQueue {
  readonly queue: Queue;
  readonly events: QueueEvents;
  close(): Promise<void>;
}

/** Queue `name` and its events on Redis at `url`, ready; closed again if it cannot get ready. */
export async function openQueue(url: string, name: string): Promise<OpenQueue> {
  const connection = redisConnection(url);
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  // One waiter per job in flight listens on these: many at once is expected, not a leak.
  events.setMaxListeners(0);
  queue.setMaxListeners(0);
  const close = async () => {
    await events.close();
    await queue.close();
  };
  try {
    await events.waitUntilReady();
  } catch (e) {
    await close();
    throw e;
  }
  return { queue, events, close };
}

/** How a job ended: its return value, or the error of its last try. */
export type JobOutcome = { readonly value: unknown } | { readonly error: string };

/** Enqueue `jobs` and wait for every one; `settle` takes each job's outcome as soon as it ends (job k's, the `done`-th to end). */
export async function runJobs<T, R>({ queue, events }: OpenQueue, jobs: readonly { readonly name: string; readonly data: T }[], settle: (outcome: JobOutcome, k: number, done: number) => R): Promise<R[]> {
  const added = await queue.addBulk(jobs.map(({ name, data }) => ({ name, data, opts: retriedJob() })));
  let done = 0;
  return Promise.all(added.map(async (job, k) => {
    const outcome = await job.waitUntilFinished(events).then((value: unknown) => ({ value }), (e: unknown) => ({ error: errorMessage(e) }));
    return settle(outcome, k, ++done);
  }));
}
