/**
 * Trained-zoo jobs on a BullMQ queue: the producer side (`lineage zoo --queue`) turns each job of
 * the zoo's plan into a queue job whose folders are keys of a shared artefact store, and the
 * worker side (`lineage worker`) runs it there and stores the models it made.
 *
 * Dependencies (victim before its attacks, Extract-L before Extract-Adv) stay with the zoo's one
 * JobScheduler, which enqueues a job only once the jobs it needs have finished. BullMQ flows were
 * not used for them: a flow is a tree (one parent per job), and a zoo's dependencies are not (an
 * Extract-Adv student needs both its Extract-L parent and the victim).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LineageError, errorMessage } from '../errors.js';
import type { TrainProgress } from '../train/loop.js';
import { MODEL_RECORD, type ModelRecord, type ZooJob } from '../zoo/trained/job.js';
import { VICTIM_ID } from '../zoo/trained/plan.js';
import type { ZooJobRecords, ZooJobRunner } from '../zoo/trained/pool.js';
import { JOB_ATTEMPTS, openQueue, retriedJob } from './jobs.js';
import { checkRedis } from './redis.js';
import { openStore, type ArtefactStore } from './store.js';

export const ZOO_QUEUE = 'lineage-zoo';
/** Marks a dataset folder complete in a store (model folders use their MODEL_RECORD). */
export const DATA_MARKER = '.lineage-complete';

/** What travels through Redis: a zoo job whose folders (victim, source, outputs, data) are keys of `store`. */
export interface QueuedZooJob {
  readonly store: string;
  readonly job: ZooJob;
}

export interface QueueRunnerOptions {
  /** redis://host:port */
  readonly queue: string;
  /** Artefact store URL; default the zoo folder itself (workers share its filesystem). */
  readonly store?: string;
  /** The zoo folder (absolute). */
  readonly zoo: string;
  readonly log?: (line: string) => void;
}

const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

/** A ZooJobRunner that enqueues each job and waits for a `lineage worker` to finish it. */
export async function queueJobRunner(options: QueueRunnerOptions): Promise<ZooJobRunner> {
  await checkRedis(options.queue);
  const zoo = path.resolve(options.zoo);
  const store = openStore(options.store ?? zoo);
  const open = await openQueue(options.queue, ZOO_QUEUE);
  const { queue, events } = open;
  const cache = path.join(os.tmpdir(), 'lineage-queue-cache', String(process.pid));
  const keyOf = (dir: string): string => {
    const rel = path.relative(zoo, dir);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new LineageError(`zoo job folder ${dir} is outside the zoo ${zoo}`, 'this is a bug in the zoo plan');
    return rel.split(path.sep).join('/');
  };
  // Each dataset goes into the store once, so that workers need no copy of their own.
  const datasets = new Map<string, Promise<string>>();
  const dataKey = (dir: string): Promise<string> => {
    let key = datasets.get(dir);
    if (!key) {
      const k = `.data/${path.basename(dir)}-${shortHash(path.resolve(dir))}`;
      datasets.set(dir, (key = store.putFolder(dir, k, DATA_MARKER).then(() => k)));
    }
    return key;
  };
  // Job ids are the store's and the job's: a rerun finds the jobs of its earlier run.
  const namespace = shortHash(store.url);
  return {
    // Every job whose dependencies are done goes on the queue; the workers decide how many run.
    concurrency: 1000,
    async run(job: ZooJob, onProgress?: (progress: TrainProgress) => void): Promise<ZooJobRecords> {
      const queued: QueuedZooJob = {
        store: store.url,
        job: {
          ...job,
          victim: keyOf(job.victim),
          ...(job.source ? { source: keyOf(job.source) } : {}),
          data: { ...job.data, path: await dataKey(job.data.path) },
          outputs: job.outputs.map((o) => ({ id: o.id, dir: keyOf(o.dir) })),
          scratch: '',
        },
      };
      const id = `${namespace}.${job.id}`;
      const earlier = await queue.getJob(id);
      // A job of an earlier run that ended is replaced; its models, if stored, are not trained again.
      if (earlier && ((await earlier.isCompleted()) || (await earlier.isFailed()))) await earlier.remove();
      const added = await queue.add('zoo-job', queued, { jobId: id, ...retriedJob(true) });
      const relay = ({ jobId, data }: { jobId: string; data: unknown }) => {
        if (jobId === id && typeof data === 'object') onProgress?.(data as TrainProgress);
      };
      events.on('progress', relay);
      let records: ZooJobRecords;
      try {
        records = (await added.waitUntilFinished(events)) as ZooJobRecords;
      } catch (e) {
        throw new LineageError(`zoo job ${job.id} failed on the queue (${JOB_ATTEMPTS} tries): ${errorMessage(e)}`, 'see the worker output; rerun the same command to try it again');
      } finally {
        events.off('progress', relay);
      }
      for (const o of job.outputs) await store.fetchFolder(keyOf(o.dir), MODEL_RECORD, o.dir);
      return records;
    },
    async close() {
      await open.close();
      await rm(cache, { recursive: true, force: true });
    },
  };
}

/** Does the job read the victim's folder (extraction, PGD on the victim's labels)? Its dependencies say so. */
const usesVictim = (job: ZooJob) => job.after.includes(VICTIM_ID);

/**
 * Run one queued zoo job on this machine: fetch the folders it starts from, run it with `runner`
 * (local worker processes) in a folder under `work`, and store its models. A job whose models are
 * all stored already (a rerun, or a worker that died after storing) is not run again.
 */
export async function processZooJob(queued: QueuedZooJob, runner: ZooJobRunner, work: string, cache: string, onProgress?: (progress: TrainProgress) => void): Promise<ZooJobRecords> {
  const store = openStore(queued.store);
  const { job } = queued;
  if ((await Promise.all(job.outputs.map((o) => store.isComplete(o.dir, MODEL_RECORD)))).every(Boolean)) {
    return storedRecords(store, job, cache);
  }
  const dir = path.join(work, `${job.id}-${randomBytes(4).toString('hex')}`);
  await mkdir(path.join(dir, 'out'), { recursive: true });
  try {
    const local: ZooJob = {
      ...job,
      victim: usesVictim(job) ? await store.localFolder(job.victim, MODEL_RECORD, cache) : path.join(dir, 'victim-not-needed'),
      ...(job.source ? { source: await store.localFolder(job.source, MODEL_RECORD, cache) } : {}),
      data: { ...job.data, path: await store.localFolder(job.data.path, DATA_MARKER, cache) },
      outputs: job.outputs.map((o) => ({ id: o.id, dir: path.join(dir, 'out', o.id) })),
      scratch: path.join(dir, 'scratch'),
    };
    const records = await runner.run(local, onProgress);
    for (const [k, o] of job.outputs.entries()) await store.putFolder(local.outputs[k]!.dir, o.dir, MODEL_RECORD);
    return records;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function storedRecords(store: ArtefactStore, job: ZooJob, cache: string): Promise<ZooJobRecords> {
  const records: ZooJobRecords = {};
  for (const o of job.outputs) {
    const dir = await store.localFolder(o.dir, MODEL_RECORD, cache);
    records[o.id] = JSON.parse(await readFile(path.join(dir, MODEL_RECORD), 'utf8')) as ModelRecord;
  }
  return records;
}
