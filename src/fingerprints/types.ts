import type { ImageBatch } from '../data/types.js';
import type { InputSpec, Outputs } from '../models/types.js';
import type { Kernel } from '../stats/correlation.js';
import type { ThresholdFit } from '../stats/threshold.js';

/** The fingerprinting methods of the SAC family (each = sample set × correlation matrix × mean |ΔC|). */
export type SacMethodName = 'sac-jc' | 'sac-w' | 'sac-m';
export const SAC_METHODS: readonly SacMethodName[] = ['sac-jc', 'sac-w', 'sac-m'];

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
  readonly warnings: readonly string[];
}

export interface FingerprintManifest {
  readonly lineageVersion: string;
  readonly createdAt: string;
  readonly params: SacParams;
  readonly victim: { readonly source: string; readonly spec: InputSpec; readonly outputDim: number };
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
}

/**
 * Which number the verdict is decided on: `distance` = mean |ΔC| (the SAC papers' statistic), or
 * `pearson` = 1 − Pearson correlation of the matrices' off-diagonal entries (ours; scale-free, so a
 * model whose outputs are flatter or sharper overall is not mistaken for a different one).
 */
export type Statistic = 'distance' | 'pearson';
export const STATISTICS: readonly Statistic[] = ['pearson', 'distance'];

/** Both statistics of one model against the fingerprint. */
export interface Scores {
  readonly distance: number;
  readonly pearsonDistance: number;
}

/** The value of `statistic` in `scores`. */
export const scoreOf = (scores: Scores, statistic: Statistic): number =>
  statistic === 'pearson' ? scores.pearsonDistance : scores.distance;

/** Scores of independent models, given by the owner, and the threshold fitted on them. */
export interface Calibration {
  readonly createdAt: string;
  readonly statistic: Statistic;
  readonly fit: ThresholdFit;
  readonly models: readonly (Scores & { readonly source: string })[];
}

/** Everything `verify` needs, frozen when the fingerprint is made. */
export interface Fingerprint {
  readonly manifest: FingerprintManifest;
  /** The exact 8-bit samples fed to every model. */
  readonly samples: ImageBatch;
  readonly victimOutputs: Outputs;
  readonly victimMatrix: Float64Array;
  readonly calibration?: Calibration;
}

export type Verdict = 'stolen' | 'independent' | 'inconclusive';

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
  readonly pValue?: { readonly t: number; readonly rank: number };
  readonly queries: number;
  /** The suspect's outputs on the samples, kept for reports. */
  readonly matrix: Float64Array;
}

/** Progress of a long step, for progress bars. */
export interface Progress {
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}
export type ProgressFn = (p: Progress) => void;
