import type { FingerprintQuality, MethodName, OutputMode, ShareCalibration, Statistic, Verdict } from '../fingerprints/types.js';
import type { Interval } from '../stats/bootstrap.js';
import type { Kernel } from '../stats/correlation.js';
import type { F1, ThresholdFit } from '../stats/threshold.js';
import type { ZooManifest } from '../zoo/manifest.js';
import type { Spread } from '../zoo/summary.js';

/** One point of the parameter space a benchmark runs at (a sweep varies one of these). */
export interface BenchSettings {
  readonly methods: readonly MethodName[];
  /** Fingerprint size N: SAC samples, peer seeds (DeepCore: ⌈N / classes⌉ seeds, so about N core points). */
  readonly samples: number;
  /** Seed of the sample choice and of the calibration/test split of the independent models. */
  readonly seed: number;
  readonly kernel: Kernel;
  readonly outputMode: OutputMode;
  readonly jpegSeverity: number;
  /** SAC-JC: compress at this many times the sample size and shrink back (absent = 1). */
  readonly jpegScale?: number;
  /** SAC's decision statistic: the threshold, F1 and p-values use it (AUCs are given for both). */
  readonly statistic: Statistic;
  /** A suspect-side defence every zoo model answers through (a spec of models/defences, e.g. `topk=3,round=2`); absent = none. */
  readonly defence?: string;
}

/** One zoo model's scores against one fingerprint. */
export interface ModelScore {
  readonly id: string;
  readonly role: 'stolen' | 'independent';
  readonly group: string;
  /** Every statistic of the method by name, each oriented so that lower means "stolen". */
  readonly values: Readonly<Record<string, number>>;
  /** Images the verification asked the model for. */
  readonly queries: number;
  readonly seconds: number;
  /** The model's utility as the zoo manifest records it (zoo/utility.ts), when it does. */
  readonly utility?: number;
  /** A stolen model below the utility floor: reported in the BROKEN_COPY group, out of 'all'. */
  readonly broken?: boolean;
}

export type BinaryVerdict = 'stolen' | 'independent';

/**
 * The base-aware statistic's name among a SAC method's values when the zoo names a public base
 * (ZooManifest.base): d(S,V) / (d(S,V) + d(S,P)) on the decision statistic (fingerprints/base.ts).
 */
export const SHARE = 'share';

export interface JudgedModel extends ModelScore {
  /** Independent models: in the half the threshold was fitted on, or in the held-out half. */
  readonly split?: 'calibration' | 'test';
  /** At the threshold on the decision statistic; none for the calibration half (it would judge itself). */
  readonly verdict?: BinaryVerdict;
  /** Stolen models: one-sided p-values against all independent models (prediction-interval t-test; rank). */
  readonly pValue?: { readonly t?: number; readonly rank: number };
  /** DeepCore: the clustering rule's verdict (the victim's k-means cluster = stolen). */
  readonly clusterVerdict?: BinaryVerdict;
  /** With a base: the verdict verify gives (fingerprints/base.ts judgeShare): stolen only when the plain verdict is and the share is at or below its threshold. */
  readonly baseAwareVerdict?: Verdict;
}

/** A group's share of models called stolen at the threshold: by the plain rule alone, and by the base-aware rule (and the share it leaves inconclusive). */
export interface CalledStolen {
  readonly group: string;
  readonly judged: number;
  readonly plain: number;
  readonly baseAware: number;
  /** Plain-close but with a share between the share threshold and 1/2: verify's `inconclusive`. */
  readonly inconclusive: number;
}

/** The base-aware decision on a zoo with a public base, beside the plain one (same calibration half). */
export interface BaseAwareMetrics {
  /** The share threshold fitted on the calibration half's shares (fingerprints/base.ts fitShare). */
  readonly share: ShareCalibration;
  /** Per group of held-out independent models (e.g. 'sibling'): the false-positive rate without and with the base. */
  readonly falsePositives: readonly CalledStolen[];
  /** Per stolen row: the true-positive rate without and with the base (what the base-aware rule costs). */
  readonly truePositives: readonly CalledStolen[];
}

/** A group of independent models judged at the threshold: how many were judged, and the share called stolen. */
export interface FalsePositives {
  readonly group: string;
  readonly judged: number;
  readonly fpr: number;
}

/** Realised false-positive rates of one kind of p-value: the share of independent models below each nominal level. */
export interface RealisedRates {
  readonly below: readonly { readonly level: number; readonly rate: number }[];
  readonly min: number;
}

/** P-values of independent models, each judged against a calibration without it (bench/p-values.ts). */
export interface PValueCheck {
  /** The held-out models' independent group. */
  readonly group: string;
  /** `leave-one-out`: every other independent model; `other groups`: the other groups' models only. */
  readonly calibration: 'leave-one-out' | 'other groups';
  readonly judged: number;
  /** K, the calibration models each was judged against. */
  readonly calibrationModels: { readonly min: number; readonly max: number };
  readonly rank: RealisedRates;
  readonly t?: RealisedRates;
}

/** An attack group against one group of independent models (irrelevant, homologous…), per statistic. */
export interface NegativeComparison {
  readonly group: string;
  readonly count: number;
  readonly auc: Readonly<Record<string, number>>;
  /** Bootstrap interval of each AUC over models (stats/bootstrap.ts aucBootstrap, seeded with the bench seed). */
  readonly aucInterval?: Readonly<Record<string, Interval>>;
  /** True-positive rate at a false-positive rate ≤ 1 %. */
  readonly tprAt1pct: Readonly<Record<string, number>>;
}

export interface GroupMetrics {
  /** Attack group, 'broken copy' for the stolen models below the utility floor, or 'all' for every other stolen model together. */
  readonly group: string;
  readonly count: number;
  /** The group's utility (verification AUC or test accuracy), over the models the manifest records it of. */
  readonly utility?: Spread;
  readonly against: readonly NegativeComparison[];
  /** Verdicts at the threshold on this group's models plus the held-out independent models. */
  readonly f1?: F1;
  /** Group-level one-sided tests "stolen scores are smaller than independent ones" (all independent models). */
  readonly welch?: { readonly t: number; readonly df: number; readonly p: number };
  readonly mannWhitney: { readonly u: number; readonly z: number; readonly p: number };
}

export interface MethodMetrics {
  /** The statistics every model has a value of (lower = stolen). */
  readonly statistics: readonly string[];
  /** The one the threshold, verdicts, F1 and p-values use. */
  readonly decisionStatistic: string;
  /** Fitted on the calibration half only; absent with fewer than 2 independent models. */
  readonly threshold?: ThresholdFit;
  /** The decision statistic's p-values on independent models, each against a calibration without it: realised vs nominal false-positive rate. */
  readonly pValueChecks?: readonly PValueCheck[];
  /** Per group of independent models: the share called stolen at the threshold (held-out models only). */
  readonly falsePositives?: readonly FalsePositives[];
  /** With a public base (statistic SHARE among the statistics) and a threshold: the base-aware decision beside the plain one. */
  readonly baseAware?: BaseAwareMetrics;
  readonly models: readonly JudgedModel[];
  readonly groups: readonly GroupMetrics[];
}

/** DeepCore's missed identification rate (stolen called independent) and false identification rate (independent called stolen). */
export interface IdentificationRates {
  readonly missed: number;
  readonly falseIdentification: number;
}

/** A rule's rates over every model it judged, and over the stolen and homologous models only (absent without homologous models). */
export interface RuleRates {
  readonly overall: IdentificationRates;
  readonly homologous?: IdentificationRates;
}

export interface Identification {
  /** k-means over all scored suspects (every model; verdicts in models[].clusterVerdict). */
  readonly clustering: RuleRates;
  /** The decision statistic at the calibrated threshold (stolen and held-out independent models); absent without a threshold. */
  readonly similarity?: RuleRates;
}

export interface MethodResult extends MethodMetrics {
  readonly method: MethodName;
  /** How the fingerprint was made: SAC parameters, or the peer generator's (with samples and seed). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly fingerprint: {
    readonly seconds: number;
    /** Victim queries to build it (optimiser steps included; SAC-w also screens candidates). */
    readonly victimQueries: number;
    /** SAC only: the spread of the victim's matrix. */
    readonly quality?: FingerprintQuality;
  };
  readonly queriesPerVerification: number;
  /** Methods with a clustering rule (DeepCore): MIR/FIR of both rules. */
  readonly identification?: Identification;
}

export interface BenchResult {
  readonly lineageVersion: string;
  readonly createdAt: string;
  readonly zoo: { readonly path: string; readonly name: string; readonly task: ZooManifest['task']; readonly data: ZooManifest['data']; readonly victim: string };
  readonly settings: BenchSettings;
  /** The methods that ran, in the order asked for (a method that cannot run on this zoo is left out, with a warning). */
  readonly methods: readonly MethodResult[];
  readonly wallSeconds: number;
  readonly warnings: readonly string[];
  /** Zoo models that could not be checked at all (`bench --queue`: their job failed every try), left out of every method's metrics. */
  readonly failed?: readonly FailedModel[];
}

/** A zoo model the bench could not check, and why. */
export interface FailedModel {
  readonly id: string;
  readonly role: 'stolen' | 'independent';
  readonly group: string;
  readonly error: string;
}

/** A correlation matrix kept for the report's heatmaps. */
export interface KeptMatrix {
  readonly label: string;
  readonly n: number;
  readonly data: Float64Array;
}
