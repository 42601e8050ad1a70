/**
 * `lineage bench --queue`: the bench's fingerprints and checks as queue jobs, its metrics as in a
 * local run. One job per distinct fingerprint (a method at one setting) makes it on the victim
 * once — the expensive part for IPGuard or DeepJudge — and puts its bundle, with what it cost, into
 * the artefact store. Once all are made, one job per zoo model loads the model once and checks it
 * against every fingerprint, as a local bench does, and returns its scores. The submitting process
 * reads the bundles back and hands everything to the local bench's metrics (a ZooScorer in
 * scoreZoo's place), so the results are the local run's numbers.
 *
 * The zoo folder and its dataset must be readable by the workers at the same path (a shared
 * filesystem, as for `scan --queue` suspects); the fingerprints travel through the store, under a
 * key made from the zoo and the fingerprint's settings, so a rerun takes them from there.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isLineageError, LineageError } from '../errors.js';
import { benchFingerprintOf, fingerprintKey, makeBenchFingerprint, type BenchFingerprint, type BenchFingerprintCost } from '../bench/fingerprints.js';
import {
  checkZooModel, fingerprintOrSkip, gatherScores, requireSamples, requireSomeFingerprint, suspectsOf, withVictimPool, withZooBase,
  type FingerprintPlan, type FingerprintScores, type ModelCheck, type ScoreOptions, type ZooScorer,
} from '../bench/score.js';
import type { BenchSettings } from '../bench/types.js';
import { loadFingerprint, saveFingerprint } from '../fingerprints/bundle.js';
import type { AnyFingerprint, MethodName } from '../fingerprints/types.js';
import { LINEAGE_VERSION } from '../version.js';
import { readZooManifest, type ZooManifest } from '../zoo/manifest.js';
import { zooUtility } from '../zoo/utility.js';
import { JOB_ATTEMPTS, openQueue, runJobs as runQueued, type JobOutcome, type OpenQueue } from './jobs.js';
import { checkRedis } from './redis.js';
import { openStore, type ArtefactStore } from './store.js';

export const BENCH_QUEUE = 'lineage-bench';
/** A stored fingerprint folder: the bundle, and what making it cost — written last, so it marks the folder complete. */
const BUNDLE_FILE = 'fingerprint.lineage';
const COST_FILE = 'cost.json';

/** Make one fingerprint and store it under `key`. */
interface FingerprintJob {
  readonly kind: 'fingerprint';
  readonly store: string;
  /** The zoo folder, absolute: workers read it at this path. */
  readonly zoo: string;
  readonly key: string;
  readonly method: MethodName;
  readonly settings: BenchSettings;
}

/** Check zoo model `model` against every plan's stored fingerprint (`keys[k]`: plan k's, null where it has none). */
interface ModelJob {
  readonly kind: 'model';
  readonly store: string;
  readonly zoo: string;
  readonly model: string;
  readonly plans: readonly FingerprintPlan[];
  readonly keys: readonly (string | null)[];
  /** Send its SAC matrices back (the report draws them). */
  readonly keep: boolean;
}

export type QueuedBenchJob = FingerprintJob | ModelJob;

/** A fingerprint job's answer: its warnings; `skipped` when the method cannot run on this zoo; `refused` for input the whole bench must stop at (as a local run does). */
interface FingerprintOutcome {
  readonly warnings: readonly string[];
  readonly skipped?: boolean;
  readonly refused?: { readonly message: string; readonly hint?: string };
}

/** A model job's answer, before encoding. */
export interface ModelOutcome {
  readonly warnings: readonly string[];
  readonly checks: readonly (ModelCheck | undefined)[];
}

export interface BenchQueueOptions {
  /** redis://host:port */
  readonly queue: string;
  /** Artefact store URL (a folder the workers share, or s3://…): where the fingerprints go. */
  readonly store: string;
}

/** Fail now, in one line, when Redis cannot be reached; then a ZooScorer that runs on the queue's workers. */
export async function queueScorer(options: BenchQueueOptions): Promise<ZooScorer> {
  await checkRedis(options.queue);
  const store = openStore(options.store);
  return (zoo, manifest, plans, scoreOptions) => scoreOnQueue(options.queue, store, zoo, manifest, plans, scoreOptions);
}

/** Where a fingerprint of this zoo at this plan is stored: the same key for the same zoo, settings and Lineage. */
function storeKey(zoo: string, manifest: ZooManifest, plan: FingerprintPlan): string {
  const hash = createHash('sha256').update([LINEAGE_VERSION, zoo, JSON.stringify(manifest), fingerprintKey(plan.method, plan.settings)].join('\n'));
  return `.bench/${hash.digest('hex').slice(0, 24)}`;
}

async function scoreOnQueue(url: string, store: ArtefactStore, zoo: string, manifest: ZooManifest, plans: readonly FingerprintPlan[], options: ScoreOptions = {}): Promise<(FingerprintScores | undefined)[]> {
  const suspects = suspectsOf(zoo, manifest);
  const dir = path.resolve(zoo);
  const keys = plans.map((plan) => storeKey(dir, manifest, plan));
  // Plans that share a fingerprint (a defence sweep) share its job.
  const distinct = new Map<string, FingerprintPlan>();
  keys.forEach((key, k) => distinct.has(key) || distinct.set(key, plans[k]!));
  const firstOf = [...distinct];
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(w);
    options.onWarning?.(w);
  };
  const cache = await mkdtemp(path.join(os.tmpdir(), 'lineage-bench-queue-'));
  const open = await openQueue(url, BENCH_QUEUE);
  try {
    const made = await runJobs(open, 'fingerprints on the queue', options, firstOf.map(([key, { method, settings }]): FingerprintJob => ({ kind: 'fingerprint', store: store.url, zoo: dir, key, method, settings })));
    const fingerprints = new Map<string, BenchFingerprint | undefined>();
    for (const [k, [key, plan]] of firstOf.entries()) {
      const outcome = made[k]!;
      if ('error' in outcome) {
        warn(`${plan.method} skipped: its fingerprint job failed (${JOB_ATTEMPTS} tries): ${outcome.error}`);
        continue;
      }
      const { warnings: theirs, skipped, refused } = outcome.value as FingerprintOutcome;
      if (refused) throw new LineageError(refused.message, refused.hint);
      theirs.forEach(warn);
      if (!skipped) {
        const { fingerprint, cost } = await readStored(store, key, cache);
        fingerprints.set(key, benchFingerprintOf(fingerprint, cost, plan.settings));
      }
    }
    const perPlan = keys.map((key) => fingerprints.get(key));
    requireSomeFingerprint(zoo, perPlan, warnings);
    const stored = keys.map((key) => (fingerprints.has(key) ? key : null));
    const checked = await runJobs(open, 'zoo models on the queue', options, suspects.map((m): ModelJob => (
      { kind: 'model', store: store.url, zoo: dir, model: m.id, plans, keys: stored, keep: options.keep?.has(m.id) ?? false })));
    const checks = suspects.map((m, k) => {
      const outcome = checked[k]!;
      if ('error' in outcome) {
        const error = `its job failed (${JOB_ATTEMPTS} tries): ${outcome.error}`;
        warn(`${m.id} left out of every method: ${error}`);
        options.onFailure?.({ id: m.id, role: m.role, group: m.group, error });
        return [];
      }
      const { warnings: theirs, checks: its } = decodeModelOutcome(outcome.value as string);
      theirs.forEach(warn);
      return its;
    });
    return gatherScores(perPlan, checks);
  } finally {
    await open.close();
    await rm(cache, { recursive: true, force: true });
  }
}

/** Enqueue `jobs` and wait for every one, reporting progress as `stage`. */
async function runJobs(open: OpenQueue, stage: string, options: ScoreOptions, jobs: readonly QueuedBenchJob[]): Promise<JobOutcome[]> {
  options.onProgress?.({ stage, done: 0, total: jobs.length });
  return runQueued(open, jobs.map((data) => ({ name: `bench-${data.kind}`, data })), (outcome, _k, done) => {
    options.onProgress?.({ stage, done, total: jobs.length });
    return outcome;
  });
}

async function readStored(store: ArtefactStore, key: string, cache: string): Promise<{ fingerprint: AnyFingerprint; cost: BenchFingerprintCost }> {
  const dir = await store.localFolder(key, COST_FILE, cache);
  const cost = JSON.parse(await readFile(path.join(dir, COST_FILE), 'utf8')) as BenchFingerprintCost;
  return { fingerprint: await loadFingerprint(path.join(dir, BUNDLE_FILE)), cost };
}

/** Run one bench job on this worker; `cache` is the worker's folder for copies of stored fingerprints. */
export async function processBenchJob(job: QueuedBenchJob, cache: string): Promise<FingerprintOutcome | string> {
  return job.kind === 'fingerprint' ? makeFingerprint(job) : encodeModelOutcome(await checkModel(job, cache));
}

async function makeFingerprint(job: FingerprintJob): Promise<FingerprintOutcome> {
  const store = openStore(job.store);
  const warnings: string[] = [];
  // A retried job whose fingerprint was stored before its worker died is not made again.
  if (await store.isComplete(job.key, COST_FILE)) return { warnings };
  const warn = (w: string) => void warnings.push(w);
  try {
    const manifest = await readZooManifest(job.zoo);
    return await withVictimPool(job.zoo, manifest, warn, (victim, pool, dataPath) => withZooBase(job.zoo, manifest, warn, async (base) => {
      requireSamples(job.settings, pool, dataPath);
      const fp = await fingerprintOrSkip(() => makeBenchFingerprint(victim, pool, job.method, job.settings, undefined, base), job.method, warn);
      if (!fp) return { warnings, skipped: true };
      const dir = await mkdtemp(path.join(os.tmpdir(), 'lineage-bench-fingerprint-'));
      try {
        await saveFingerprint(path.join(dir, BUNDLE_FILE), fp.bundle);
        await writeFile(path.join(dir, COST_FILE), JSON.stringify({ seconds: fp.seconds, victimQueries: fp.victimQueries } satisfies BenchFingerprintCost));
        await store.putFolder(dir, job.key, COST_FILE);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return { warnings };
    }));
  } catch (e) {
    if (!isLineageError(e)) throw e;
    return { warnings, refused: { message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
  }
}

/** Stored fingerprints this worker has read, by store and key; only those of the latest model job are kept. */
const loaded = new Map<string, Promise<{ fingerprint: AnyFingerprint; cost: BenchFingerprintCost }>>();

async function checkModel(job: ModelJob, cache: string): Promise<ModelOutcome> {
  const store = openStore(job.store);
  const ids = job.keys.map((key) => key && `${store.url}\n${key}`);
  for (const id of loaded.keys()) if (!ids.includes(id)) loaded.delete(id);
  const fingerprints = await Promise.all(job.keys.map(async (key, k) => {
    if (key === null) return undefined;
    const id = ids[k]!;
    let stored = loaded.get(id);
    if (!stored) {
      stored = readStored(store, key, cache);
      stored.catch(() => loaded.delete(id));
      loaded.set(id, stored);
    }
    const { fingerprint, cost } = await stored;
    return benchFingerprintOf(fingerprint, cost, job.plans[k]!.settings);
  }));
  const manifest = await readZooManifest(job.zoo);
  const model = suspectsOf(job.zoo, manifest).find((m) => m.id === job.model);
  if (!model) throw new LineageError(`zoo ${job.zoo} has no model ${job.model}`, 'the zoo changed while the bench ran: run the bench again');
  const warnings: string[] = [];
  const checks = await checkZooModel(job.zoo, model, zooUtility(manifest), fingerprints, job.plans, {
    onWarning: (w) => void warnings.push(w),
    ...(job.keep ? { keep: new Set([model.id]) } : {}),
  });
  return { warnings, checks };
}

/**
 * A model job's answer as text for Redis, exactly: matrices and outputs as the bytes of their typed
 * arrays (base64), and numbers JSON cannot hold (NaN, ±Infinity) spelt out.
 */
export function encodeModelOutcome(outcome: ModelOutcome): string {
  const bytes = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const checks = outcome.checks.map((c) => c && {
    score: c.score,
    ...(c.matrix ? { matrix: bytes(c.matrix) } : {}),
    ...(c.outputs ? { outputs: { rows: c.outputs.rows, cols: c.outputs.cols, data: bytes(c.outputs.data) } } : {}),
  });
  return JSON.stringify({ warnings: outcome.warnings, checks }, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? { nonFinite: String(value) } : value));
}

export function decodeModelOutcome(text: string): ModelOutcome {
  const buffer = (base64: string) => {
    const b = Buffer.from(base64, 'base64');
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  const parsed = JSON.parse(text, (_key, value: unknown) => (value !== null && typeof value === 'object' && 'nonFinite' in value ? Number(value.nonFinite) : value)) as {
    warnings: string[];
    checks: ({ score: ModelCheck['score']; matrix?: string; outputs?: { rows: number; cols: number; data: string } } | null)[];
  };
  return {
    warnings: parsed.warnings,
    checks: parsed.checks.map((c) => c ?? undefined).map((c) => c && {
      score: c.score,
      ...(c.matrix ? { matrix: new Float64Array(buffer(c.matrix)) } : {}),
      ...(c.outputs ? { outputs: { rows: c.outputs.rows, cols: c.outputs.cols, data: new Float32Array(buffer(c.outputs.data)) } } : {}),
    }),
  };
}
