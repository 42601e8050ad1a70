import { LineageError } from '../errors.js';
import { quantile } from '../stats/describe.js';
import { P_VALUE_NULLS, rankPValue, singleVsGroupTTest } from '../stats/tests.js';
import { fitThreshold, ruleOfFit } from '../stats/threshold.js';
import type { ThresholdFit, ThresholdRule } from '../stats/threshold.js';
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
  const near = nearCopies(values).map((i) => models[i]!.source);
  return { createdAt: new Date().toISOString(), statistic, fit: fitThreshold(values, rule), models, ...(near.length > 0 ? { nearCopies: near } : {}) };
}

/**
 * The near-copy rule: a calibration model scoring below this fraction of the median of the other
 * calibration models is closer to the victim than independent models are, and as close as derived
 * ones. Measured on every zoo (results/bench, README SECURITY): no independent model of any zoo
 * scores below 0.17 × the *largest* other independent model on any method, so no choice of
 * calibration models from them can trip it, while 19 of cifar10-small's 52 derived models (SAC-JC)
 * and 7 of faces-builtin's 9 score below it. Each such model, kept, pulls the threshold down to
 * about half its value (stats/threshold.ts) and lets real copies pass as independent.
 */
export const NEAR_COPY_FRACTION = 0.1;

/** Indices of the values below NEAR_COPY_FRACTION × the median of the others (lower = closer to the victim). */
export function nearCopies(values: readonly number[]): number[] {
  const near: number[] = [];
  values.forEach((v, i) => {
    if (v < NEAR_COPY_FRACTION * quantile(values.filter((_, j) => j !== i), 0.5)) near.push(i);
  });
  return near;
}

/** Equal up to rounding (the fit is recomputed by the same code, so this is nearly exact). */
const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Refuse a calibration that does not follow from its own scores: the threshold re-derived from the
 * stored scores and rule must match the stored one, and the near-copies among the scores must be
 * exactly those the calibration admits to (kept with allowNearCopy). A bundle's SHA-256 sums only
 * catch damage: whoever edits the threshold can recompute them.
 */
export function checkCalibration<S extends string, M>(calibration: CalibrationOf<S, M>, valueOf: (scores: M) => number, bundle = 'the bundle'): void {
  const inconsistent = (why: string) => new LineageError(`${bundle}'s calibration is inconsistent: ${why}`,
    'do not use this bundle as evidence: its calibration was edited or damaged; re-run `lineage calibrate` on the original fingerprint');
  const stored = calibration.fit;
  let refit: ThresholdFit;
  try {
    // The stored rule names its version ('default: …' = version 1), so old bundles re-derive unchanged.
    refit = fitThreshold(calibration.models.map(valueOf), ruleOfFit(stored.rule));
  } catch (e) {
    throw inconsistent(`its scores and rule '${stored.rule}' give no threshold (${e instanceof Error ? e.message : String(e)})`);
  }
  const differs = (['threshold', 'n', 'mean', 'sd', 'min'] as const).filter((k) => !same(refit[k], stored[k]));
  if (differs.length > 0 || refit.rule !== stored.rule) {
    throw inconsistent(`the threshold ${stored.threshold} on ${calibration.statistic} (${stored.rule}) does not follow from its calibration scores, `
      + `which give ${refit.threshold} (${refit.rule}; ${[...differs, ...(refit.rule !== stored.rule ? ['rule'] : [])].join(', ')} differ${differs.length === 1 ? 's' : ''})`);
  }
  const near = nearCopies(calibration.models.map(valueOf)).map((i) => calibration.models[i]!.source);
  const admitted = calibration.nearCopies ?? [];
  if (near.length !== admitted.length || near.some((s) => !admitted.includes(s))) {
    throw inconsistent(`its calibration scores hold the near-copies [${near.join(', ')}] but it admits to [${admitted.join(', ')}] `
      + `(a near-copy scores below ${NEAR_COPY_FRACTION} × the median of the other calibration models)`);
  }
}

export interface Judgement<S extends string> {
  readonly statistic: S;
  readonly threshold: number;
  readonly verdict: 'stolen' | 'independent';
  readonly pValue: PValues;
}

/**
 * `stolen` at or below the threshold, else `independent`, with p-values against the calibration
 * models' values (the t-test only when they vary: discrete peer statistics often tie), each with its
 * null hypothesis, and the rank p-value's floor 1/(K + 1).
 */
export function judge<S extends string, M>(value: number, calibration: CalibrationOf<S, M>, valueOf: (scores: M) => number): Judgement<S> {
  const group = calibration.models.map(valueOf);
  const spread = group.some((g) => g !== group[0]);
  return {
    statistic: calibration.statistic,
    threshold: calibration.fit.threshold,
    verdict: value <= calibration.fit.threshold ? 'stolen' : 'independent',
    pValue: {
      ...(spread ? { t: singleVsGroupTTest(value, group).p } : {}),
      rank: rankPValue(value, group),
      floor: 1 / (group.length + 1),
      nulls: spread ? P_VALUE_NULLS : { rank: P_VALUE_NULLS.rank },
    },
  };
}
