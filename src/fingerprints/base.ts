/**
 * The base-aware decision (`fingerprint --base`): when the victim is the owner's fine-tune of a
 * public model P, other people's fine-tunes of P ("siblings") and P itself sit nearly as close to
 * the victim as real copies do (measured on faces-real-ft: Pearson 0.05–0.11 against 0.58–0.88 for
 * unrelated models), so a threshold fitted on unrelated models calls every sibling stolen. The
 * bundle therefore keeps P's matrix, and a suspect is called stolen only when it is also closer to
 * the victim than to P: share = d(S,V) / (d(S,V) + d(S,P)) (stats/share.ts) at or below a threshold.
 *
 * The share threshold has its own rule: half the smallest share of the independent calibration
 * models, i.e. halfway between the victim (share 0) and the independent model nearest to it on this
 * scale. Unrelated models all sit near 1/2 (far from V and P alike), so this is about 1/4: a suspect
 * must be about three times closer to the victim than to the base. Why not a spread rule (mean − k·sd,
 * or 1/2 − k·RMS): the unrelated models' shares are packed within ±0.01–0.03 of 1/2, so such a rule
 * collapses onto ≈ 1/2 and only separates models that are equally far from V and P. Siblings are not:
 * fine-tuned with the same kind of recipe on the same kind of data, they share part of the owner's
 * move away from P (measured on faces-real-ft, SAC-JC: siblings at shares 0.34–0.49, unrelated models
 * at 0.46–0.52, fine-tune thefts at 0.16–0.26, fine-pruned ones at 0.33–0.37), and a threshold near
 * 1/2 calls them stolen. Halfway to
 * the victim is the rule the plain default falls back on for the same reason (stats/threshold.ts);
 * it needs 2 models, never exceeds 1/2 (a suspect closer to P than to V is never called stolen), and
 * does not collapse however tightly the unrelated models pack. Chosen after seeing one sibling (at
 * 0.39) on a partial build; on the full build it calls no sibling stolen and misses the fine-pruned
 * copies (BENCHMARKS.md compares other rules).
 */
import { createHash } from 'node:crypto';
import { LineageError } from '../errors.js';
import type { Model } from '../models/types.js';
import { matrixDistance, matrixPearsonDistance } from '../stats/correlation.js';
import { share } from '../stats/share.js';
import { degenerateOutputs } from './quality.js';
import { predictAll } from './query.js';
import { sacMatrix } from './representation.js';
import { scoreOf } from './types.js';
import type { BaseInfo, BaseMatrices, Calibration, Fingerprint, PlainScores, ProgressFn, SacParams, SampleSet, Scores, ShareCalibration, Statistic, Verdict } from './types.js';

/** The share at which a suspect is as close to the base as to the victim: the threshold never exceeds it. */
export const SHARE_CEILING = 0.5;

export const SHARE_RULE = 'half the smallest share of the independent models';

/** The share threshold of independent models' shares (see the header), with the smallest share it came from. */
export function fitShare(shares: readonly number[]): ShareCalibration {
  if (shares.length < 2) throw new LineageError(`the share threshold needs at least 2 independent models, got ${shares.length}`, 'calibrate with more independent models (5 or more)');
  const min = Math.min(...shares);
  return { rule: SHARE_RULE, n: shares.length, min, threshold: min / 2 };
}

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

/** The share threshold of the calibration models (see the header). */
export function shareCalibrationFrom(models: readonly (Scores & { readonly source: string })[], statistic: Statistic): ShareCalibration {
  return fitShare(models.map(sharesOf(statistic)));
}

/**
 * Refuse a bundle whose base-aware rule does not follow from it: a base without a share threshold
 * (or the reverse), or a share threshold that its stored scores and rule do not re-derive.
 */
export function checkShareCalibration(fp: Fingerprint, cal: Calibration): void {
  const inconsistent = (why: string) => new LineageError(`the bundle's calibration is inconsistent: ${why}`,
    'do not use this bundle as evidence: it was edited or damaged; re-run `lineage calibrate` on the original fingerprint');
  if (!fp.base !== !cal.share) throw inconsistent(fp.base ? 'the fingerprint has a base but its calibration no share threshold' : 'it has a share threshold but the fingerprint no base');
  if (!cal.share) return;
  let refit: ShareCalibration;
  try {
    refit = fitShare(cal.models.map(sharesOf(cal.statistic)));
  } catch (e) {
    throw inconsistent(`its scores give no share threshold (${e instanceof Error ? e.message : String(e)})`);
  }
  const differs = (['rule', 'n', 'min', 'threshold'] as const).filter((k) => refit[k] !== cal.share![k]);
  if (differs.length > 0) {
    throw inconsistent(`the share threshold ${cal.share.threshold} (${cal.share.rule}) does not follow from its calibration scores, which give ${refit.threshold} (${differs.join(', ')} differ)`);
  }
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
    return { verdict: 'inconclusive', reason: `close to the victim, but not clearly closer to it than to the public base (share ${s} > threshold ${cal.threshold.toPrecision(3)}, `
      + `${SHARE_RULE}): a copy and an independent descendant of the base cannot be told apart here` };
  }
  return { verdict: 'stolen' };
}
