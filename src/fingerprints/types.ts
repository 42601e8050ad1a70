import type { ImageBatch } from '../data/types.js';
import type { InputSpec, Outputs } from '../models/types.js';
import type { Interval } from '../stats/bootstrap.js';
import type { Kernel } from '../stats/correlation.js';
import type { ThresholdFit } from '../stats/threshold.js';
import type { PeerFingerprint, PeerMethodName, PeerScore } from './peers/types.js';
import type { SequentialRecord } from './sequential.js';

/** The fingerprinting methods of the SAC family (each = sample set × correlation matrix × mean |ΔC|). */
export type SacMethodName = 'sac-jc' | 'sac-w' | 'sac-m';
export const SAC_METHODS: readonly SacMethodName[] = ['sac-jc', 'sac-w', 'sac-m'];

/** Every method `fingerprint` makes: the SAC family, then the peer methods (METHODS.md §3–4). */
export type MethodName = SacMethodName | PeerMethodName;

/**
 * One line per method, for help texts. A Record, so that a method added to either family does not
 * compile until it is described here; light to import (no model code), which keeps `lineage --help` fast.
 */
export const METHOD_SUMMARIES: Readonly<Record<MethodName, string>> = {
  'sac-jc': 'JPEG-compressed clean images, correlation matrix (default)',
  'sac-w': 'images the victim gets wrong, correlation matrix',
  'sac-m': 'CutMix images, correlation matrix',
  ipguard: 'boundary points, label-matching rate (white-box)',
  modeldiff: 'seeds and PGD twins, decision-distance-vector cosine (white-box)',
  deepjudge: 'PGD adversarial examples, Rob and JSD (white-box)',
  akh: 'images the victim gets wrong, Hamming distance of labels (black-box)',
  deepcore: 'core points far from the boundary, label agreement and probability cosine (white-box)',
};
export const FINGERPRINT_METHODS = Object.keys(METHOD_SUMMARIES) as MethodName[];

export const isPeerMethod = (method: MethodName): method is PeerMethodName => !(SAC_METHODS as readonly string[]).includes(method);

/** How model outputs are read: raw vectors (logits / embeddings) or the predicted class only. */
export type OutputMode = 'raw' | 'label';

export interface SacParams {
  readonly method: SacMethodName;
  /** Number of fingerprint samples N. */
  readonly samples: number;
  readonly seed: number;
  readonly kernel: Kernel;
  readonly outputMode: OutputMode;
  /** SAC-JC: JPEG severity 1..5 (quality 25/18/15/10/7). */
  readonly jpegSeverity: number;
  /** SAC-JC: compress at this many times the sample size and shrink back (absent = 1; 2 hides the 8×8 JPEG blocks). */
  readonly jpegScale?: number;
  /** SAC-m: store the mixed images transposed (H↔W), as the reference code did. */
  readonly transpose: boolean;
}

/** The images a fingerprint is made of, with where each came from. */
export interface SampleSet {
  readonly images: ImageBatch;
  readonly names: readonly string[];
  readonly labels?: readonly string[];
}

/** How trustworthy the victim's own matrix is (see METHODS.md "degenerate fingerprints"). */
export interface FingerprintQuality {
  /** Off-diagonal entries of the victim's correlation matrix. */
  readonly spread: { mean: number; sd: number; min: number; max: number };
  /** Same- vs different-label separation of the victim's outputs on the samples (AUC), when labels allow. */
  readonly sameDifferentAuc?: number;
  /** Samples without image content: near-constant ones, and byte-for-byte duplicates of an earlier one (quality.ts). */
  readonly content?: { readonly samples: number; readonly nearConstant: number; readonly duplicates: number };
  readonly warnings: readonly string[];
}

/** The victim a fingerprint was made of. */
export interface VictimInfo {
  readonly source: string;
  readonly spec: InputSpec;
  readonly outputDim: number;
}

/** What making a fingerprint cost the owner. */
export interface FingerprintCost {
  readonly seconds: number;
  /** Victim evaluations: images queried, plus forward/gradient passes while optimising inputs (white-box methods). */
  readonly victimQueries: number;
}

export interface FingerprintManifest {
  readonly lineageVersion: string;
  readonly createdAt: string;
  readonly params: SacParams;
  readonly victim: VictimInfo;
  readonly samples: {
    readonly count: number;
    readonly height: number;
    readonly width: number;
    readonly channels: 1 | 3;
    readonly origin: string;
    readonly names: readonly string[];
    readonly labels?: readonly string[];
  };
  readonly quality: FingerprintQuality;
  /** Absent in bundles made before it was recorded. */
  readonly cost?: FingerprintCost;
  /** The public model the victim descends from, when the owner named one (fingerprint --base; base.ts). */
  readonly base?: BaseInfo;
}

/** The public base model a victim was fine-tuned from, as a bundle records it. */
export interface BaseInfo {
  readonly source: string;
  readonly spec: InputSpec;
  readonly outputDim: number;
  /** SHA-256 of the base's outputs on the samples (float32, little-endian): re-query the named base to check it is the same model. */
  readonly outputsSha256: string;
  /** The victim's own scores against its base: how far the owner's fine-tune moved away from it. */
  readonly victimScores: PlainScores;
}

/**
 * Which number the verdict is decided on: `distance` = mean |ΔC| (the SAC papers' statistic), or
 * `pearson` = 1 − Pearson correlation of the matrices' off-diagonal entries (ours; scale-free, so a
 * model whose outputs are flatter or sharper overall is not mistaken for a different one).
 */
export type Statistic = 'distance' | 'pearson';
export const STATISTICS: readonly Statistic[] = ['pearson', 'distance'];

/** Both statistics of one model against one reference matrix. */
export interface PlainScores {
  readonly distance: number;
  readonly pearsonDistance: number;
}

/** Both statistics of one model against the fingerprint (the victim), and against the public base when the bundle has one. */
export interface Scores extends PlainScores {
  readonly base?: PlainScores;
}

/** The value of `statistic` in `scores`. */
export const scoreOf = (scores: Scores, statistic: Statistic): number =>
  statistic === 'pearson' ? scores.pearsonDistance : scores.distance;

/**
 * Scores of independent models, given by the owner, and the threshold fitted on one named statistic
 * of them (lower = stolen; never fitted on stolen models). `M` is what each model's scores are.
 */
export interface CalibrationOf<S extends string, M> {
  readonly createdAt: string;
  readonly statistic: S;
  readonly fit: ThresholdFit;
  readonly models: readonly (M & { readonly source: string })[];
  /** Models kept although closer to the victim than the near-copy rule allows (decision.ts), by source; only with allowNearCopy. */
  readonly nearCopies?: readonly string[];
}

/** The base-aware threshold (base.ts): half the smallest share of the independent models. */
export interface ShareCalibration {
  /** The rule in words (base.ts SHARE_RULE). */
  readonly rule: string;
  /** Independent models it was fitted on. */
  readonly n: number;
  /** The smallest share among them. */
  readonly min: number;
  readonly threshold: number;
}

/** A SAC calibration: both statistics of every independent model, the threshold on one of them; with a base, also the share threshold. */
export type Calibration = CalibrationOf<Statistic, Scores> & { readonly share?: ShareCalibration };

/** A peer calibration: every score of every independent model, the threshold on the method's decision statistic. */
export type PeerCalibration = CalibrationOf<string, { readonly scores: readonly PeerScore[] }>;

/** Everything `verify` needs, frozen when the fingerprint is made. */
export interface Fingerprint {
  readonly kind: 'sac';
  readonly manifest: FingerprintManifest;
  /** The exact 8-bit samples fed to every model. */
  readonly samples: ImageBatch;
  readonly victimOutputs: Outputs;
  readonly victimMatrix: Float64Array;
  /** The public base's outputs and matrix on the samples (fingerprint --base). */
  readonly base?: BaseMatrices;
  readonly calibration?: Calibration;
}

export interface BaseMatrices {
  readonly outputs: Outputs;
  readonly matrix: Float64Array;
}

/** What a peer bundle records beside the peer fingerprint itself. */
export interface PeerManifest {
  readonly lineageVersion: string;
  readonly createdAt: string;
  readonly victim: VictimInfo;
  /** Where the seed images came from, and how many were drawn with which seed. */
  readonly pool: { readonly origin: string; readonly samples: number; readonly seed: number };
}

/** A peer fingerprint (IPGuard, ModelDiff, DeepJudge, AKH, DeepCore) as a bundle holds it. */
export interface PeerFingerprintBundle extends PeerFingerprint {
  readonly kind: 'peer';
  readonly manifest: PeerManifest;
  readonly calibration?: PeerCalibration;
}

/** What `fingerprint` makes and `loadFingerprint` returns, told apart by `kind`. */
export type AnyFingerprint = Fingerprint | PeerFingerprintBundle;

/** What making the fingerprint cost; undefined for SAC bundles made before the cost was recorded. */
export const costOf = (fp: AnyFingerprint): FingerprintCost | undefined =>
  fp.kind === 'peer' ? { seconds: fp.meta.seconds, victimQueries: fp.meta.queriesToBuild } : fp.manifest.cost;

export type Verdict = 'stolen' | 'independent' | 'inconclusive';

/** One-sided p-values of "this statistic comes from the independent models' distribution" (small ⇒ evidence of theft). */
export interface PValues {
  /** t-test of the one value against the calibration models' values; absent when those have no spread (the test is undefined). */
  readonly t?: number;
  /** Conformal rank p-value, the headline one (stats/tests.ts rankPValue): exact under exchangeability, never below `floor`. */
  readonly rank: number;
  /** 1/(K + 1) for K calibration models: the smallest rank p-value this calibration can give (absent in older results). */
  readonly floor?: number;
  /** The null hypothesis of each p-value, in words (stats/tests.ts P_VALUE_NULLS). */
  readonly nulls?: { readonly rank: string; readonly t?: string };
}

export interface SuspectResult extends Scores {
  readonly source: string;
  /** The statistic the verdict was decided on (with a calibration), and the threshold it was held to. */
  readonly statistic?: Statistic;
  readonly threshold?: number;
  readonly verdict: Verdict;
  /**
   * One-sided p-values of "this statistic comes from the independent models' distribution"
   * (small ⇒ evidence of theft): a t-test on the calibration distances and a rank test.
   */
  readonly pValue?: PValues;
  /** Bootstrap intervals of both statistics over the fingerprint samples (stats/bootstrap.ts sampleBootstrap); with a base, of the share too. */
  readonly intervals?: { readonly distance: Interval; readonly pearsonDistance: Interval; readonly share?: Interval };
  /**
   * With a base: d(S,V) / (d(S,V) + d(S,P)) on the decision statistic (base.ts) — below 1/2 the
   * suspect is closer to the victim than to the public base — and the threshold it was held to.
   */
  readonly share?: number;
  readonly shareThreshold?: number;
  /** Sequential verification: the looks, queries used and the settled verdict (sequential.ts). */
  readonly sequential?: SequentialRecord;
  readonly queries: number;
  /** Why the verdict is `inconclusive` although the bundle is calibrated (e.g. the suspect's outputs are degenerate). */
  readonly reason?: string;
  /** The suspect's outputs on the samples, kept for reports. */
  readonly matrix: Float64Array;
}

/** One suspect judged with a peer fingerprint. */
export interface PeerSuspectResult {
  readonly source: string;
  readonly method: PeerMethodName;
  /** Every score of the method, each with which way means stolen. */
  readonly scores: readonly PeerScore[];
  /** The decision statistic (lower = stolen; the first of peerStatistics) and its value. */
  readonly statistic: string;
  readonly value: number;
  readonly threshold?: number;
  readonly verdict: Verdict;
  readonly pValue?: PValues;
  readonly queries: number;
  /** Why the verdict is `inconclusive` although the bundle is calibrated. */
  readonly reason?: string;
}

export type AnySuspectResult = SuspectResult | PeerSuspectResult;

/**
 * A suspect that could not be judged (unreadable file, unreachable URL, wrong output shape,
 * non-finite outputs): `verify` gives it this row and goes on with the other suspects.
 */
export interface SuspectFailure {
  readonly source: string;
  readonly verdict: 'error';
  /** What went wrong, naming the suspect. */
  readonly error: string;
  /** What the user can do about it, when known. */
  readonly hint?: string;
}

/** Progress of a long step, for progress bars. */
export interface Progress {
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}
export type ProgressFn = (p: Progress) => void;
