/**
 * The base-aware decision (`fingerprint --base`): when the victim is the owner's fine-tune of a
 * public model P, other people's fine-tunes of P ("siblings") and P itself sit nearly as close to
 * the victim as real copies do (measured on faces-real-ft: Pearson 0.03–0.05 against 0.73–0.86 for
 * unrelated models), so a threshold fitted on unrelated models calls every sibling stolen. The
 * bundle therefore keeps P's matrix, and a suspect is called stolen only when it is also closer to
 * the victim than to P: share = d(S,V) / (d(S,V) + d(S,P)) (stats/share.ts) at or below a threshold.
 *
 * The share threshold is fitted on the calibration models' shares with the calibration's own rule
 * and capped at 1/2. Unrelated models sit near 1/2 (far from V and P alike), so their spread is the
 * noise of a model that is no closer to V than to P: the fit lands just below 1/2 by that noise,
 * and the cap keeps a suspect closer to P than to V from ever being called stolen, whatever the
 * calibration models are. It does not collapse with few or tightly packed models: they can only
 * move it below 1/2, never above.
 */
import { createHash } from 'node:crypto';
import { LineageError } from '../errors.js';
import type { Model } from '../models/types.js';
import { matrixDistance, matrixPearsonDistance } from '../stats/correlation.js';
import { share } from '../stats/share.js';
import type { ThresholdFit, ThresholdRule } from '../stats/threshold.js';
import { checkCalibration, fitCalibration } from './decision.js';
import { degenerateOutputs } from './quality.js';
import { predictAll } from './query.js';
import { sacMatrix } from './representation.js';
import { scoreOf } from './types.js';
import type { BaseInfo, BaseMatrices, Calibration, Fingerprint, PlainScores, ProgressFn, SacParams, SampleSet, Scores, ShareCalibration, Statistic, Verdict } from './types.js';

/** The share at which a suspect is as close to the base as to the victim: the threshold never exceeds it. */
export const SHARE_CEILING = 0.5;

/** The share threshold a fit on independent models' shares gives: never above 1/2 (see the header). */
export const shareThreshold = (fit: ThresholdFit): number => Math.min(SHARE_CEILING, fit.threshold);

/** Both statistics of matrix `b` against reference matrix `a` (n×n). */
export const plainScores = (a: Float64Array, b: Float64Array, n: number): PlainScores =>
  ({ distance: matrixDistance(a, b), pearsonDistance: matrixPearsonDistance(a, b, n) });

/** A model's share on `statistic`; undefined without scores against a base. */
export function shareOf(scores: Scores, statistic: Statistic): number | undefined {
  return scores.base ? share(scoreOf(scores, statistic), scoreOf(scores.base, statistic)) : undefined;
}

/** Query the base on the fingerprint's samples: its outputs, matrix and what the bundle records of it. */
export async function baseOf(base: Model, samples: SampleSet, params: SacParams, victimMatrix: Float64Array, onProgress?: ProgressFn): Promise<{ matrices: BaseMatrices; info: BaseInfo }> {
  const outputs = await predictAll(base, samples.images, onProgress, `querying the base ${base.source}`);
  const matrix = sacMatrix(outputs, params.kernel, params.outputMode);
  const n = samples.images.count;
  const degenerate = degenerateOutputs(matrix, n, 'its');
  if (degenerate) throw new LineageError(`the base ${base.source} is unusable: ${degenerate}`, 'check the base model and its preprocessing (a sidecar <model>.lineage.json or --spec), or fingerprint without --base');
  const victimScores = plainScores(victimMatrix, matrix, n);
  if (victimScores.distance === 0) {
    throw new LineageError(`the victim gives the same matrix as its base ${base.source}: nothing tells the owner's model from the public one`,
      'name the public model the victim was fine-tuned FROM as --base, not the victim itself');
  }
  const bytes = new Uint8Array(outputs.data.buffer, outputs.data.byteOffset, outputs.data.byteLength);
  return {
    matrices: { outputs, matrix },
    info: { source: base.source, spec: base.spec, outputDim: outputs.cols, outputsSha256: createHash('sha256').update(bytes).digest('hex'), victimScores },
  };
}

/** Each calibration model's share; a model without base scores is refused. */
const sharesOf = (statistic: Statistic) => (m: Scores & { readonly source: string }): number => {
  const value = shareOf(m, statistic);
  if (value === undefined) throw new LineageError(`calibration model ${m.source} has no scores against the base`, 're-run `lineage calibrate` on the bundle made with --base');
  return value;
};

/** Fit the share threshold on the independent models' shares (see the header): the calibration's rule, capped at 1/2. */
export function shareCalibrationFrom(models: readonly (Scores & { readonly source: string })[], statistic: Statistic, rule?: ThresholdRule): ShareCalibration {
  const { fit, nearCopies } = fitCalibration(models, shareName(statistic), sharesOf(statistic), rule);
  return { fit, threshold: shareThreshold(fit), ...(nearCopies ? { nearCopies } : {}) };
}

const shareName = (statistic: Statistic) => `share (${statistic})`;

/**
 * Refuse a bundle whose base-aware rule does not follow from it: a base without a share threshold
 * (or the reverse), or a share threshold that its stored scores and rule do not re-derive.
 */
export function checkShareCalibration(fp: Fingerprint, cal: Calibration): void {
  const inconsistent = (why: string) => new LineageError(`the bundle's calibration is inconsistent: ${why}`,
    'do not use this bundle as evidence: it was edited or damaged; re-run `lineage calibrate` on the original fingerprint');
  if (!fp.base !== !cal.share) throw inconsistent(fp.base ? 'the fingerprint has a base but its calibration no share threshold' : 'it has a share threshold but the fingerprint no base');
  if (!cal.share) return;
  const { fit, threshold, nearCopies } = cal.share;
  checkCalibration({ createdAt: cal.createdAt, statistic: shareName(cal.statistic), fit, models: cal.models, ...(nearCopies ? { nearCopies } : {}) }, sharesOf(cal.statistic));
  if (threshold !== shareThreshold(fit)) throw inconsistent(`the share threshold ${threshold} is not min(1/2, ${fit.threshold})`);
}

/**
 * The base-aware verdict of a suspect the plain rule judged: a plain `stolen` stays stolen only when
 * its share is at or below the share threshold; closer to the base than to the victim, it is
 * `independent` (an independent descendant of the base looks like that); in between, `inconclusive`.
 */
export function judgeShare(plain: 'stolen' | 'independent', value: number, cal: ShareCalibration): { verdict: Verdict; reason?: string } {
  if (plain === 'independent') return { verdict: 'independent' };
  const s = value.toPrecision(3);
  if (value >= SHARE_CEILING) {
    return { verdict: 'independent', reason: `closer to the public base than to the victim (share ${s} ≥ 0.5): consistent with an independent descendant of the public base` };
  }
  if (value > cal.threshold) {
    return { verdict: 'inconclusive', reason: `close to the victim, but not closer to it than to the public base beyond what independent models vary (share ${s} > threshold ${cal.threshold.toPrecision(3)})` };
  }
  return { verdict: 'stolen' };
}
