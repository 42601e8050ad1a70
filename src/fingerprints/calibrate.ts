import { LineageError } from '../errors.js';
import { loadModel } from '../models/load.js';
import type { ModelOptions } from '../models/load.js';
import type { Model } from '../models/types.js';
import { fitThreshold } from '../stats/threshold.js';
import type { ThresholdRule } from '../stats/threshold.js';
import { compareWithFingerprint } from './compare.js';
import { scoreOf } from './types.js';
import type { Calibration, Fingerprint, ProgressFn, Scores, Statistic } from './types.js';

export interface CalibrateOptions {
  /** Threshold rule; the default suits the 3–10 independent models owners usually have (see stats/threshold.ts). */
  readonly rule?: ThresholdRule;
  /** Default `pearson`: measured to separate derived from independent models more widely (README). */
  readonly statistic?: Statistic;
  readonly model?: ModelOptions;
  readonly onProgress?: ProgressFn;
}

/**
 * Measure the distances of models the owner knows to be independent and fit the decision threshold
 * on them alone (never on stolen models). Returns the fingerprint with the calibration attached.
 */
export async function calibrate(fp: Fingerprint, independent: readonly (Model | string)[], options: CalibrateOptions = {}): Promise<Fingerprint> {
  if (independent.length < 2) {
    throw new LineageError(`calibration needs at least 2 independent models, got ${independent.length}`, 'pass several models trained without the victim (other authors, other data); 5 or more give useful p-values');
  }
  const models: (Scores & { source: string })[] = [];
  for (const item of independent) {
    await withModel(item, options.model, async (model) => {
      const { distance, pearsonDistance } = await compareWithFingerprint(fp, model, options.onProgress);
      models.push({ source: model.source, distance, pearsonDistance });
    });
  }
  return { ...fp, calibration: calibrationFrom(models, options) };
}

/** Fit the threshold on the scores of independent models. */
export function calibrationFrom(
  models: readonly (Scores & { source: string })[],
  options: { rule?: ThresholdRule; statistic?: Statistic } = {},
): Calibration {
  const statistic = options.statistic ?? DEFAULT_STATISTIC;
  return { createdAt: new Date().toISOString(), statistic, fit: fitThreshold(models.map((m) => scoreOf(m, statistic)), options.rule), models };
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
