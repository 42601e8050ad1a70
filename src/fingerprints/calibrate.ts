import path from 'node:path';
import { LineageError } from '../errors.js';
import { BUILTIN_MODELS, resolveBuiltin } from '../models/builtin.js';
import type { BuiltinModel, BuiltinPanel } from '../models/builtin.js';
import { loadModel } from '../models/load.js';
import type { ModelOptions } from '../models/load.js';
import type { Model } from '../models/types.js';
import type { ThresholdRule } from '../stats/threshold.js';
import { compareWithFingerprint } from './compare.js';
import { shareCalibrationFrom } from './base.js';
import { fitCalibration, NEAR_COPY_FRACTION } from './decision.js';
import { peerStatistic, scoreSuspect } from './peer-fingerprint.js';
import type { PeerScore } from './peers/types.js';
import { degenerateOutputs } from './quality.js';
import { scoreOf } from './types.js';
import type { AnyFingerprint, Calibration, Fingerprint, PeerCalibration, PeerFingerprintBundle, ProgressFn, Scores, Statistic } from './types.js';

export interface CalibrateOptions {
  /** Threshold rule; the default suits the 3–10 independent models owners usually have (see stats/threshold.ts). */
  readonly rule?: ThresholdRule;
  /**
   * SAC fingerprints only; default `pearson`: measured to separate derived from independent models
   * more widely (README). Peer fingerprints decide on their method's decision statistic.
   */
  readonly statistic?: Statistic;
  /** Model options for the models passed in; the panel's built-ins keep their own specs (only `onWarning` applies). */
  readonly model?: ModelOptions;
  /** Also calibrate on this task's built-in models independent of the victim (see panelModels). */
  readonly panel?: BuiltinPanel;
  /**
   * Keep calibration models that score like near-copies of the victim (decision.ts NEAR_COPY_FRACTION),
   * recorded in `calibration.nearCopies`; normally they are refused, since they make copies pass as independent.
   */
  readonly allowNearCopy?: boolean;
  readonly onProgress?: ProgressFn;
}

/**
 * Measure the scores of models the owner knows to be independent and fit the decision threshold
 * on them alone (never on stolen models). Returns the fingerprint with the calibration attached.
 */
export function calibrate(fp: Fingerprint, independent: readonly (Model | string)[], options?: CalibrateOptions): Promise<Fingerprint>;
export function calibrate(fp: PeerFingerprintBundle, independent: readonly (Model | string)[], options?: CalibrateOptions): Promise<PeerFingerprintBundle>;
export function calibrate(fp: AnyFingerprint, independent: readonly (Model | string)[], options?: CalibrateOptions): Promise<AnyFingerprint>;
export async function calibrate(fp: AnyFingerprint, independent: readonly (Model | string)[], options: CalibrateOptions = {}): Promise<AnyFingerprint> {
  const panel = options.panel ? panelModels(options.panel, fp.manifest.victim.source).filter((m) => !independent.includes(m)) : [];
  if (independent.length + panel.length < 2) {
    throw new LineageError(`calibration needs at least 2 independent models, got ${independent.length + panel.length}`, 'pass several models trained without the victim (other authors, other data), or --panel faces|emotion for the built-in ones; 5 or more give useful p-values');
  }
  const panelOptions: ModelOptions | undefined = options.model?.onWarning ? { onWarning: options.model.onWarning } : undefined;
  const forEachIndependent = async <T>(use: (m: Model) => Promise<T>): Promise<T[]> =>
    [...(await forEachModel(independent, options.model, use)), ...(await forEachModel(panel, panelOptions, use))];
  if (fp.kind === 'peer') {
    if (options.statistic !== undefined) {
      throw new LineageError(`the statistic '${options.statistic}' applies to SAC fingerprints only; this ${fp.method} fingerprint decides on its method's own statistic`, 'drop --statistic for this bundle');
    }
    const models = await forEachIndependent(async (model) => {
      const { scores, degenerate } = await scoreSuspect(fp, model, options.onProgress);
      requireUsable(model.source, degenerate);
      return { source: model.source, scores };
    });
    return { ...fp, calibration: withoutNearCopies(peerCalibrationFrom(models, options.rule), options) };
  }
  const models = await forEachIndependent(async (model) => {
    const { distance, pearsonDistance, matrix, base } = await compareWithFingerprint(fp, model, options.onProgress);
    requireUsable(model.source, degenerateOutputs(matrix, fp.samples.count, 'its'));
    return { source: model.source, distance, pearsonDistance, ...(base ? { base } : {}) };
  });
  const calibration = withoutNearCopies(calibrationFrom(models, options), options);
  if (!fp.base) return { ...fp, calibration };
  // With a base: the share threshold on the same models and statistic (base.ts).
  return { ...fp, calibration: { ...calibration, share: shareCalibrationFrom(models, calibration.statistic) } };
}

/** Refuse a calibration model whose outputs carry no evidence: the check that refuses a degenerate victim. */
function requireUsable(source: string, degenerate: string | undefined): void {
  if (degenerate) {
    throw new LineageError(`calibration model ${source} is unusable: ${degenerate}`, 'check its preprocessing flags (--range, --mean, --std), or leave it out of the calibration');
  }
}

/** Refuse near-copies of the victim among the calibration models, unless the owner keeps them knowingly. */
function withoutNearCopies<C extends { readonly statistic: string; readonly nearCopies?: readonly string[] }>(calibration: C, options: CalibrateOptions): C {
  const near = calibration.nearCopies ?? [];
  if (near.length > 0 && !options.allowNearCopy) {
    throw new LineageError(`calibration model${near.length === 1 ? '' : 's'} ${near.join(', ')} ${near.length === 1 ? 'is a near-copy' : 'are near-copies'} of the victim: `
      + `below ${NEAR_COPY_FRACTION} × the median ${calibration.statistic} of the other calibration models, closer to the victim than independent models are and as close as derived ones`,
    'leave it out (a copy of the victim among the independent models makes real copies pass as independent), or pass --allow-near-copy to keep it anyway');
  }
  return calibration;
}

/**
 * The default calibration panel of a task for a victim: every built-in model of `panel` that is
 * independent of it, as `builtin:<name>` sources. The victim itself (named `builtin:<name>`, or the
 * path of a built-in's file) and every built-in from the same upstream are left out: two conversions
 * of one network are not independent models. So are built-ins with a known problem (a caveat, e.g.
 * mobilefacenet's degenerate embeddings, which calibration refuses).
 */
export function panelModels(panel: BuiltinPanel, victimSource: string): string[] {
  const victim = builtinOf(victimSource);
  return BUILTIN_MODELS
    .filter((m) => m.panel === panel && m.upstream !== victim?.upstream && !m.caveat)
    .map((m) => `builtin:${m.name}`);
}

/** The built-in a source stands for: `builtin:<name>`, or the path of a built-in's model file. */
function builtinOf(source: string): BuiltinModel | undefined {
  if (source.startsWith('builtin:')) return BUILTIN_MODELS.find((m) => `builtin:${m.name}` === source);
  const file = path.resolve(source);
  return BUILTIN_MODELS.find((m) => {
    try {
      return file === resolveBuiltin(m.name).path;
    } catch {
      return false; // its package is not installed: it cannot be the victim's file
    }
  });
}

/** Fit the SAC threshold on the scores of independent models. */
export function calibrationFrom(
  models: readonly (Scores & { source: string })[],
  options: { rule?: ThresholdRule; statistic?: Statistic } = {},
): Calibration {
  const statistic = options.statistic ?? DEFAULT_STATISTIC;
  return fitCalibration(models, statistic, (m) => scoreOf(m, statistic), options.rule);
}

/** Fit a peer method's threshold on its decision statistic (the first of peerStatistics) of independent models. */
export function peerCalibrationFrom(models: readonly { source: string; scores: readonly PeerScore[] }[], rule?: ThresholdRule): PeerCalibration {
  const statistic = peerStatistic(models[0]?.scores ?? []).name;
  return fitCalibration(models, statistic, (m) => peerStatistic(m.scores, statistic).value, rule);
}

export const DEFAULT_STATISTIC: Statistic = 'pearson';

/** Run `use` on a model given as a Model or a source, disposing it afterwards only if we loaded it. */
export async function withModel<T>(item: Model | string, options: ModelOptions | undefined, use: (m: Model) => Promise<T>): Promise<T> {
  const model = typeof item === 'string' ? await loadModel(item, options) : item;
  try {
    return await use(model);
  } finally {
    if (typeof item === 'string') await model.dispose();
  }
}

/** `use` on every model in turn (one loaded at a time), collecting the results in order. */
export async function forEachModel<T>(items: readonly (Model | string)[], options: ModelOptions | undefined, use: (m: Model) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const item of items) results.push(await withModel(item, options, use));
  return results;
}
