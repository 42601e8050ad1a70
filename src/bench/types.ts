import type { FingerprintQuality, OutputMode, SacMethodName, SacParams, Scores, Statistic } from '../fingerprints/types.js';
import type { Kernel } from '../stats/correlation.js';
import type { F1, ThresholdFit } from '../stats/threshold.js';
import type { ZooManifest } from '../zoo/manifest.js';

/** One point of the parameter space a benchmark runs at (a sweep varies one of these). */
export interface BenchSettings {
  readonly methods: readonly SacMethodName[];
  readonly samples: number;
  /** Seed of the sample choice and of the calibration/test split of the independent models. */
  readonly seed: number;
  readonly kernel: Kernel;
  readonly outputMode: OutputMode;
  readonly jpegSeverity: number;
  /** The statistic the threshold, F1 and p-values use (AUCs are given for both). */
  readonly statistic: Statistic;
}

/** One zoo model's scores against one fingerprint. */
export interface ModelScore extends Scores {
  readonly id: string;
  readonly role: 'stolen' | 'independent';
  readonly group: string;
  /** Images the verification asked the model for. */
  readonly queries: number;
  readonly seconds: number;
}

export interface JudgedModel extends ModelScore {
  /** Independent models: in the half the threshold was fitted on, or in the held-out half. */
  readonly split?: 'calibration' | 'test';
  /** At the threshold; none for the calibration half (it would judge itself). */
  readonly verdict?: 'stolen' | 'independent';
  /** Stolen models: one-sided p-values against all independent models (prediction-interval t-test; rank). */
  readonly pValue?: { readonly t?: number; readonly rank: number };
}

/** An attack group against one group of independent models (irrelevant, homologous…). */
export interface NegativeComparison {
  readonly group: string;
  readonly count: number;
  readonly auc: Readonly<Record<Statistic, number>>;
  /** True-positive rate at a false-positive rate ≤ 1 %. */
  readonly tprAt1pct: Readonly<Record<Statistic, number>>;
}

export interface GroupMetrics {
  /** Attack group, or 'all' for every stolen model together. */
  readonly group: string;
  readonly count: number;
  readonly against: readonly NegativeComparison[];
  /** Verdicts at the threshold on this group's models plus the held-out independent models. */
  readonly f1?: F1;
  /** Group-level one-sided tests "stolen scores are smaller than independent ones" (all independent models). */
  readonly welch?: { readonly t: number; readonly df: number; readonly p: number };
  readonly mannWhitney: { readonly u: number; readonly z: number; readonly p: number };
}

export interface MethodMetrics {
  readonly statistic: Statistic;
  /** Fitted on the calibration half only; absent with fewer than 2 independent models. */
  readonly threshold?: ThresholdFit;
  readonly models: readonly JudgedModel[];
  readonly groups: readonly GroupMetrics[];
}

export interface MethodResult extends MethodMetrics {
  readonly method: SacMethodName;
  readonly params: SacParams;
  readonly fingerprint: {
    readonly seconds: number;
    /** Images the victim was asked for while the fingerprint was made (SAC-w also screens candidates). */
    readonly victimQueries: number;
    readonly quality: FingerprintQuality;
  };
  readonly queriesPerVerification: number;
}

export interface BenchResult {
  readonly lineageVersion: string;
  readonly createdAt: string;
  readonly zoo: { readonly path: string; readonly name: string; readonly task: ZooManifest['task']; readonly data: ZooManifest['data']; readonly victim: string };
  readonly settings: BenchSettings;
  readonly methods: readonly MethodResult[];
  readonly wallSeconds: number;
  readonly warnings: readonly string[];
}

/** A correlation matrix kept for the report's heatmaps. */
export interface KeptMatrix {
  readonly label: string;
  readonly n: number;
  readonly data: Float64Array;
}
