import { LineageError } from '../errors.js';
import { rankPValue, singleVsGroupTTest } from '../stats/tests.js';
import { fitThreshold } from '../stats/threshold.js';
import type { ThresholdRule } from '../stats/threshold.js';
import type { CalibrationOf, PValues } from './types.js';

/**
 * The decision shared by every method: a threshold fitted on one named statistic (lower = stolen)
 * of independent models only, and a suspect's value held to it. `valueOf` reads that statistic from
 * a model's scores, whatever the method stores (SAC: distance / pearson; peers: their named scores).
 */
export function fitCalibration<S extends string, M>(
  models: readonly (M & { readonly source: string })[],
  statistic: S,
  valueOf: (scores: M) => number,
  rule?: ThresholdRule,
): CalibrationOf<S, M> {
  const values = models.map(valueOf);
  // Every statistic is ≥ 0 with 0 = the victim's own score: no threshold can set such a model apart.
  const best = values.findIndex((v) => v <= 0);
  if (best >= 0) {
    throw new LineageError(`the independent model ${models[best]!.source} scores ${values[best]} on ${statistic}, as close as the victim itself: the fingerprint cannot tell it from the victim`,
      'check that the model really is independent; otherwise make the fingerprint with more inputs (--samples) or another method');
  }
  return { createdAt: new Date().toISOString(), statistic, fit: fitThreshold(values, rule), models };
}

export interface Judgement<S extends string> {
  readonly statistic: S;
  readonly threshold: number;
  readonly verdict: 'stolen' | 'independent';
  readonly pValue: PValues;
}

/**
 * `stolen` at or below the threshold, else `independent`, with p-values against the calibration
 * models' values (the t-test only when they vary: discrete peer statistics often tie).
 */
export function judge<S extends string, M>(value: number, calibration: CalibrationOf<S, M>, valueOf: (scores: M) => number): Judgement<S> {
  const group = calibration.models.map(valueOf);
  const spread = group.some((g) => g !== group[0]);
  return {
    statistic: calibration.statistic,
    threshold: calibration.fit.threshold,
    verdict: value <= calibration.fit.threshold ? 'stolen' : 'independent',
    pValue: { ...(spread ? { t: singleVsGroupTTest(value, group).p } : {}), rank: rankPValue(value, group) },
  };
}
