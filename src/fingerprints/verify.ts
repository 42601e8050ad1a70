import { errorMessage, isLineageError, LineageError } from '../errors.js';
import { sampleBootstrap, shareBootstrap } from '../stats/bootstrap.js';
import type { ModelOptions } from '../models/load.js';
import type { Model } from '../models/types.js';
import { checkShareCalibration, judgeShare, shareOf } from './base.js';
import { DEFAULT_STATISTIC, withModel } from './calibrate.js';
import { compareWithFingerprint } from './compare.js';
import type { Comparison } from './compare.js';
import { checkCalibration, judge } from './decision.js';
import { peerStatistic, scoreSuspect } from './peer-fingerprint.js';
import { compareSequentially } from './sequential.js';
import type { SequentialOptions, SequentialRecord } from './sequential.js';
import type { PeerScore } from './peers/types.js';
import { degenerateOutputs } from './quality.js';
import { scoreOf, STATISTICS } from './types.js';
import type { AnyFingerprint, AnySuspectResult, Calibration, Fingerprint, PeerFingerprintBundle, PeerSuspectResult, ProgressFn, SuspectFailure, SuspectResult } from './types.js';

export interface VerifyOptions {
  readonly model?: ModelOptions;
  readonly onProgress?: ProgressFn;
  /** Query in rounds and stop when the verdict is settled at error rate α (SAC bundles with a calibration; sequential.ts). */
  readonly sequential?: SequentialOptions;
}

/**
 * Compare each suspect with the fingerprint. With a calibration the verdict is `stolen` when the
 * calibrated statistic is at or below the threshold, else `independent`, with p-values against the
 * independent models; without one the verdict is `inconclusive` (a score alone proves nothing), and
 * so it is, with a `reason`, for a suspect whose outputs are degenerate (quality.ts).
 *
 * Every suspect gets its own result, in order: one that cannot be judged (unreadable file,
 * unreachable URL, wrong output shape, non-finite outputs) gets a SuspectFailure (`verdict: 'error'`
 * and the `error` message) while the others are still judged. A calibration that does not follow
 * from its own scores (decision.ts checkCalibration) is refused before any suspect is queried.
 */
export function verify(fp: Fingerprint, suspects: readonly (Model | string)[], options?: VerifyOptions): Promise<(SuspectResult | SuspectFailure)[]>;
export function verify(fp: PeerFingerprintBundle, suspects: readonly (Model | string)[], options?: VerifyOptions): Promise<(PeerSuspectResult | SuspectFailure)[]>;
export function verify(fp: AnyFingerprint, suspects: readonly (Model | string)[], options?: VerifyOptions): Promise<(AnySuspectResult | SuspectFailure)[]>;
export async function verify(fp: AnyFingerprint, suspects: readonly (Model | string)[], options: VerifyOptions = {}): Promise<(AnySuspectResult | SuspectFailure)[]> {
  checkFingerprintCalibration(fp);
  const results: (AnySuspectResult | SuspectFailure)[] = [];
  for (const suspect of suspects) {
    try {
      results.push(await withModel(suspect, options.model, async (model): Promise<AnySuspectResult> => fp.kind === 'peer'
        ? decidePeer(fp, model.source, await scoreSuspect(fp, model, options.onProgress))
        : decideSacWith(fp, model, options)));
    } catch (e) {
      const source = typeof suspect === 'string' ? suspect : suspect.source;
      const message = errorMessage(e);
      results.push({
        source,
        verdict: 'error',
        error: message.includes(source) ? message : `${source}: ${message}`,
        ...(isLineageError(e) && e.hint ? { hint: e.hint } : {}),
      });
    }
  }
  return results;
}

/** One SAC suspect: compared on every sample, or sequentially (the settled decision is the verdict). */
export async function decideSacWith(fp: Fingerprint, model: Model, options: VerifyOptions): Promise<SuspectResult> {
  const cal = fp.calibration;
  if (!options.sequential) return decide(model.source, await compareWithFingerprint(fp, model, options.onProgress), cal);
  if (fp.base) throw new LineageError('sequential verification (--max-queries) does not support bundles with a base (--base) yet: it settles the plain statistic only', 'drop --max-queries for this bundle');
  if (!cal) throw new LineageError('sequential verification (--max-queries) needs a calibrated bundle: it stops when the verdict is settled against the threshold', 'run `lineage calibrate` first, or drop --max-queries');
  const { sequential, ...c } = await compareSequentially(fp, cal, model, options.sequential, options.onProgress);
  return decideSequential(model.source, c, cal, sequential);
}

/** The verdict of a sequential comparison: the settled decision, else the fixed rule on the samples queried (inconclusive stays). */
export function decideSequential(source: string, c: Comparison, cal: Calibration, sequential: SequentialRecord): SuspectResult {
  const result = decide(source, c, cal);
  return { ...result, ...(sequential.settled && result.verdict !== 'inconclusive' ? { verdict: sequential.settled } : {}), sequential };
}

/** Refuse a bundle whose calibration was edited: its threshold must follow from its stored scores and rule. */
function checkFingerprintCalibration(fp: AnyFingerprint): void {
  if (fp.kind === 'peer') {
    const cal = fp.calibration;
    if (cal) checkCalibration(cal, (m) => peerStatistic(m.scores, cal.statistic).value);
    return;
  }
  const cal = fp.calibration;
  if (!cal) return;
  checkShareCalibration(fp, cal);
  if (!STATISTICS.includes(cal.statistic)) {
    throw new LineageError(`the bundle's calibration decides on '${cal.statistic}', which is not a statistic (${STATISTICS.join(', ')})`,
      'do not use this bundle as evidence: its calibration was edited or damaged; re-run `lineage calibrate` on the original fingerprint');
  }
  checkCalibration(cal, (m) => scoreOf(m, cal.statistic));
}

/**
 * The verdict, p-values and bootstrap intervals (seeded, 1000 resamples of the samples) for one SAC
 * comparison under a calibration (or none); `inconclusive` with a reason for degenerate outputs.
 * With a base (base.ts): the share and its interval beside, and the verdict base-aware.
 */
export function decide(source: string, c: Comparison, cal: Calibration | undefined): SuspectResult {
  const n = Math.round(Math.sqrt(c.matrix.length));
  const statistic = cal?.statistic ?? DEFAULT_STATISTIC;
  const share = shareOf(c, statistic);
  const intervals = {
    ...sampleBootstrap(c.victimMatrix, c.matrix, n),
    ...(c.baseMatrix ? { share: shareBootstrap(c.victimMatrix, c.baseMatrix, c.matrix, n, statistic === 'pearson' ? 'pearsonDistance' : 'distance') } : {}),
  };
  const scores = { source, distance: c.distance, pearsonDistance: c.pearsonDistance, ...(c.base ? { base: c.base, share } : {}), intervals, queries: c.queries, matrix: c.matrix };
  const degenerate = degenerateOutputs(c.matrix, n, 'its');
  const shareThreshold = cal?.share ? { shareThreshold: cal.share.threshold } : {};
  if (!cal || degenerate) return { ...scores, ...(cal ? { statistic: cal.statistic, threshold: cal.fit.threshold, ...shareThreshold } : {}), verdict: 'inconclusive', ...(degenerate ? { reason: degenerate } : {}) };
  const plain = judge(scoreOf(c, cal.statistic), cal, (m) => scoreOf(m, cal.statistic));
  if (!cal.share) return { ...scores, ...plain };
  if (share === undefined) throw new LineageError(`${source} was compared without the base this bundle's calibration decides with`, 'verify with the bundle itself (lineage verify), which holds the base');
  return { ...scores, ...plain, ...shareThreshold, ...judgeShare(plain.verdict, share, cal.share) };
}

/** The verdict and p-values for one suspect's peer scores under the fingerprint's calibration (or none); `inconclusive` with a reason for degenerate outputs. */
export function decidePeer(fp: PeerFingerprintBundle, source: string, scored: { readonly scores: readonly PeerScore[]; readonly queries: number; readonly degenerate?: string }): PeerSuspectResult {
  const cal = fp.calibration;
  const { name, value } = peerStatistic(scored.scores, cal?.statistic);
  const base = { source, method: fp.method, scores: scored.scores, statistic: name, value, queries: scored.queries };
  if (!cal || scored.degenerate) return { ...base, ...(cal ? { threshold: cal.fit.threshold } : {}), verdict: 'inconclusive', ...(scored.degenerate ? { reason: scored.degenerate } : {}) };
  return { ...base, ...judge(value, cal, (m) => peerStatistic(m.scores, cal.statistic).value) };
}
