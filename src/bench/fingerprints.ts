import type { ImageSet } from '../data/types.js';
import { selectImages } from '../data/types.js';
import { shareOf } from '../fingerprints/base.js';
import { compareWithFingerprint } from '../fingerprints/compare.js';
import { clusterSuspects } from '../fingerprints/deepcore/cluster.js';
import { DEFAULT_PARAMS, fingerprint } from '../fingerprints/fingerprint.js';
import { peerFingerprint, requirePeerVictim } from '../fingerprints/peer-fingerprint.js';
import { peerStatistics, querySuspect, scorePeer } from '../fingerprints/peers/methods.js';
import type { PeerFingerprint, PeerMethodName } from '../fingerprints/peers/types.js';
import { isPeerMethod, scoreOf, STATISTICS } from '../fingerprints/types.js';
import type { AnyFingerprint, Fingerprint, FingerprintQuality, MethodName, PeerFingerprintBundle, ProgressFn, SacMethodName, SacParams, Statistic } from '../fingerprints/types.js';
import type { Model, Outputs } from '../models/types.js';
import { SHARE } from './types.js';
import type { BenchSettings } from './types.js';

/** One suspect scored against a fingerprint. */
export interface SuspectCheck {
  /** Every statistic of the method, lower = stolen. */
  readonly values: Readonly<Record<string, number>>;
  readonly queries: number;
  /** SAC: the suspect's correlation matrix (kept for heatmaps). */
  readonly matrix?: Float64Array;
  /** Peer methods: the suspect's outputs on the fingerprint inputs (kept for a clustering rule). */
  readonly outputs?: Outputs;
}

/** Why a method cannot score a suspect (e.g. a transfer model with another label set). */
export interface SkippedSuspect {
  readonly skipped: string;
}

/**
 * A fingerprint of any method, seen the same way by the benchmark: named statistics (all lower =
 * stolen), what making it cost, and how a suspect is checked against it.
 */
export interface BenchFingerprint {
  readonly method: MethodName;
  readonly statistics: readonly string[];
  readonly decisionStatistic: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seconds: number;
  readonly victimQueries: number;
  readonly quality?: FingerprintQuality;
  /** SAC: the victim's N×N matrix. */
  readonly victimMatrix?: { readonly n: number; readonly data: Float64Array };
  /** The fingerprint itself, as a bundle holds it (a queued bench stores it for its workers: queue/bench-jobs.ts). */
  readonly bundle: AnyFingerprint;
  check(suspect: Model, onProgress?: ProgressFn): Promise<SuspectCheck | SkippedSuspect>;
  /** A rule that judges all suspects together from their outputs (DeepCore's k-means): true = stolen. */
  readonly cluster?: (suspects: readonly Outputs[]) => boolean[];
}

/**
 * The fingerprint of `method` at settings `s`, made from the victim and the zoo's held-out images.
 * A LineageError when this zoo cannot give it (an embedding victim for a peer method, a white-box
 * method without gradients, too few misclassified images for SAC-w): the bench skips the method.
 */
export async function makeBenchFingerprint(victim: Model, pool: ImageSet, method: MethodName, s: BenchSettings, onProgress?: ProgressFn, base?: Model): Promise<BenchFingerprint> {
  return isPeerMethod(method) ? peerBenchFingerprint(victim, pool, method, s) : sacBenchFingerprint(victim, pool, method, s, onProgress, base);
}

/** Fingerprints that would be identical share one key (a kernel sweep does not change a peer fingerprint). */
export function fingerprintKey(method: MethodName, s: BenchSettings): string {
  return JSON.stringify(isPeerMethod(method) ? { method, samples: s.samples, seed: s.seed } : { ...sacParams(s, method), statistic: s.statistic });
}

export function sacParams(s: BenchSettings, method: SacMethodName): SacParams {
  return { method, samples: s.samples, seed: s.seed, kernel: s.kernel, outputMode: s.outputMode, jpegSeverity: s.jpegSeverity, ...(method === 'sac-jc' && s.jpegScale && s.jpegScale !== 1 ? { jpegScale: s.jpegScale } : {}), transpose: DEFAULT_PARAMS.transpose };
}

/** What making a fingerprint cost: seconds, and victim queries (SAC-w's screening and peer optimisers included). */
export interface BenchFingerprintCost {
  readonly seconds: number;
  readonly victimQueries: number;
}

/** A SAC fingerprint; with the zoo's public base (ZooManifest.base) its view adds the base-aware 'share' statistic. */
async function sacBenchFingerprint(victim: Model, pool: ImageSet, method: SacMethodName, s: BenchSettings, onProgress?: ProgressFn, base?: Model): Promise<BenchFingerprint> {
  const params = sacParams(s, method);
  const { result: fp, seconds, queries } = await measured(victim, () => fingerprint(victim, { data: pool, ...params, ...(onProgress ? { onProgress } : {}), ...(base ? { base } : {}) }));
  return benchFingerprintOf(fp, { seconds, victimQueries: queries }, s);
}

async function peerBenchFingerprint(victim: Model, pool: ImageSet, method: PeerMethodName, s: BenchSettings): Promise<BenchFingerprint> {
  requirePeerVictim(victim, method);
  // DeepCore makes seeds × classes core points: ⌈N / classes⌉ seeds query about N points.
  const samples = method === 'deepcore' ? Math.ceil(s.samples / (await victim.predict(selectImages(pool, [0]))).cols) : s.samples;
  const { result: fp, seconds } = await measured(victim, () => peerFingerprint(victim, pool, method, { samples, seed: s.seed, origin: 'the zoo\'s data' }));
  return benchFingerprintOf(fp, { seconds, victimQueries: fp.meta.queriesToBuild }, s);
}

/** The settings a fingerprint's bench view depends on beyond the fingerprint itself. */
type ViewSettings = Pick<BenchSettings, 'samples' | 'seed' | 'statistic'>;

/**
 * The bench's view of a fingerprint made at settings `s` (or read back from its bundle), which
 * cost `cost`: SAC decides on `s.statistic`, a peer method on its first statistic.
 */
export function benchFingerprintOf(fp: AnyFingerprint, cost: BenchFingerprintCost, s: ViewSettings): BenchFingerprint {
  return fp.kind === 'peer' ? peerView(fp, cost, s) : sacView(fp, cost, s.statistic);
}

function sacView(fp: Fingerprint, cost: BenchFingerprintCost, statistic: Statistic): BenchFingerprint {
  return {
    method: fp.manifest.params.method,
    statistics: fp.base ? [...STATISTICS, SHARE] : STATISTICS,
    decisionStatistic: statistic,
    params: { ...fp.manifest.params },
    ...cost,
    quality: fp.manifest.quality,
    victimMatrix: { n: fp.samples.count, data: fp.victimMatrix },
    bundle: fp,
    async check(suspect, progress) {
      const c = await compareWithFingerprint(fp, suspect, progress);
      const share = shareOf(c, statistic);
      return { values: { ...Object.fromEntries(STATISTICS.map((st) => [st, scoreOf(c, st)])), ...(share !== undefined ? { [SHARE]: share } : {}) }, queries: c.queries, matrix: c.matrix };
    },
  };
}

function peerView(fp: PeerFingerprintBundle, cost: BenchFingerprintCost, s: ViewSettings): BenchFingerprint {
  const statistics = peerStatistics(scorePeer(fp, fp.victimOutputs)).map((st) => st.name);
  return {
    method: fp.method,
    statistics,
    decisionStatistic: statistics[0]!,
    params: { samples: s.samples, seed: s.seed, ...fp.meta.params },
    ...cost,
    bundle: fp,
    check: (suspect) => checkPeer(fp, suspect),
    ...(fp.method === 'deepcore' ? { cluster: (suspects: readonly Outputs[]) => clusterSuspects(fp.victimOutputs, suspects) } : {}),
  };
}

async function checkPeer(fp: PeerFingerprint, suspect: Model): Promise<SuspectCheck | SkippedSuspect> {
  const before = suspect.queries;
  const outputs = await querySuspect(fp, suspect);
  const width = fp.victimOutputs.cols;
  if (outputs.cols !== width) {
    return { skipped: `${fp.method} compares the victim's ${width} classes one to one, and this model gives ${outputs.cols} outputs per image` };
  }
  const values = Object.fromEntries(peerStatistics(scorePeer(fp, outputs)).map((st) => [st.name, st.value]));
  return { values, queries: suspect.queries - before, outputs };
}

/** Run `make`, timing it and counting the victim queries it sent. */
async function measured<T>(victim: Model, make: () => Promise<T>): Promise<{ result: T; seconds: number; queries: number }> {
  const start = performance.now();
  const before = victim.queries;
  const result = await make();
  return { result, seconds: (performance.now() - start) / 1000, queries: victim.queries - before };
}
