/**
 * `lineage scan --queue`: one queue job per suspect. The bundles go into the artefact store once
 * (under a key made from their contents), every worker loads them once, and each job returns the
 * suspect's rows. Suspects are named as for a local scan: URLs and builtin:<name> work anywhere,
 * file paths must be readable by the workers (a shared filesystem).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorRow, loadScanBundles, scanSuspect, type ScanBundle, type SuspectScan } from '../fingerprints/scan.js';
import type { ModelOptions } from '../models/load.js';
import { JOB_ATTEMPTS, openQueue, runJobs } from './jobs.js';
import { checkRedis } from './redis.js';
import { openStore } from './store.js';
import { DATA_MARKER } from './zoo-jobs.js';

export const SCAN_QUEUE = 'lineage-scan';

export interface QueuedScanJob {
  readonly store: string;
  /** Store key of the bundle folder. */
  readonly bundles: string;
  readonly suspect: string;
  /** Preprocessing and HTTP settings (plain data). */
  readonly model?: ModelOptions;
}

export interface QueueScanOptions {
  readonly queue: string;
  /** Artefact store URL (the bundles are put there for the workers). */
  readonly store: string;
  readonly bundlesDir: string;
  readonly bundles: readonly ScanBundle[];
  readonly suspects: readonly string[];
  readonly model?: ModelOptions;
  /** After each suspect is done. */
  readonly onSuspect?: (scan: SuspectScan) => void;
}

/** Scan every suspect as a queue job; results in the order of `suspects`. A suspect whose job failed gets `error` rows. */
export async function queueScan(options: QueueScanOptions): Promise<SuspectScan[]> {
  await checkRedis(options.queue);
  const store = openStore(options.store);
  const hash = createHash('sha256');
  for (const b of options.bundles) hash.update(b.name).update(await readFile(path.join(options.bundlesDir, b.name)));
  const bundlesKey = `.bundles/${hash.digest('hex').slice(0, 16)}`;
  await store.putFolder(options.bundlesDir, bundlesKey, DATA_MARKER);
  const open = await openQueue(options.queue, SCAN_QUEUE);
  try {
    const jobs = options.suspects.map((suspect) => ({
      name: 'scan-suspect',
      data: { store: store.url, bundles: bundlesKey, suspect, ...(options.model ? { model: options.model } : {}) } satisfies QueuedScanJob,
    }));
    return await runJobs(open, jobs, (outcome, k) => {
      const suspect = options.suspects[k]!;
      const scan = 'value' in outcome ? outcome.value as SuspectScan
        : { suspect, imagesSent: 0, seconds: 0, rows: options.bundles.map((b) => errorRow(suspect, b, `scan job failed (${JOB_ATTEMPTS} tries): ${outcome.error}`)) };
      options.onSuspect?.(scan);
      return scan;
    });
  } finally {
    await open.close();
  }
}

/** Bundles of a worker, by store and key: loaded (and hash-checked) once per worker process. */
const loaded = new Map<string, Promise<ScanBundle[]>>();

export async function processScanJob(job: QueuedScanJob, cache: string): Promise<SuspectScan> {
  const id = `${job.store}\n${job.bundles}`;
  let bundles = loaded.get(id);
  if (!bundles) {
    bundles = openStore(job.store).localFolder(job.bundles, DATA_MARKER, cache).then(loadScanBundles);
    bundles.catch(() => loaded.delete(id));
    loaded.set(id, bundles);
  }
  return scanSuspect(job.suspect, await bundles, job.model);
}
