import type { ModelOptions } from '../models/load.js';
import type { Model } from '../models/types.js';
import { forEachModel } from './calibrate.js';
import { compareWithFingerprint } from './compare.js';
import type { Comparison } from './compare.js';
import { judge } from './decision.js';
import { peerStatistic, scoreSuspect } from './peer-fingerprint.js';
import type { PeerScore } from './peers/types.js';
import { scoreOf } from './types.js';
import type { AnyFingerprint, AnySuspectResult, Calibration, Fingerprint, PeerFingerprintBundle, PeerSuspectResult, ProgressFn, SuspectResult } from './types.js';

export interface VerifyOptions {
  readonly model?: ModelOptions;
  readonly onProgress?: ProgressFn;
}

/**
 * Compare each suspect with the fingerprint. With a calibration the verdict is `stolen` when the
 * calibrated statistic is at or below the threshold, else `independent`, with p-values against the
 * independent models; without one the verdict is `inconclusive` (a score alone proves nothing).
 */
export function verify(fp: Fingerprint, suspects: readonly (Model | string)[], options?: VerifyOptions): Promise<SuspectResult[]>;
export function verify(fp: PeerFingerprintBundle, suspects: readonly (Model | string)[], options?: VerifyOptions): Promise<PeerSuspectResult[]>;
export function verify(fp: AnyFingerprint, suspects: readonly (Model | string)[], options?: VerifyOptions): Promise<AnySuspectResult[]>;
export function verify(fp: AnyFingerprint, suspects: readonly (Model | string)[], options: VerifyOptions = {}): Promise<AnySuspectResult[]> {
  return forEachModel(suspects, options.model, async (model): Promise<AnySuspectResult> => fp.kind === 'peer'
    ? decidePeer(fp, model.source, await scoreSuspect(fp, model, options.onProgress))
    : decide(model.source, await compareWithFingerprint(fp, model, options.onProgress), fp.calibration));
}

/** The verdict and p-values for one SAC comparison under a calibration (or none). */
export function decide(source: string, c: Comparison, cal: Calibration | undefined): SuspectResult {
  const base = { source, distance: c.distance, pearsonDistance: c.pearsonDistance, queries: c.queries, matrix: c.matrix };
  if (!cal) return { ...base, verdict: 'inconclusive' };
  return { ...base, ...judge(scoreOf(c, cal.statistic), cal, (m) => scoreOf(m, cal.statistic)) };
}

/** The verdict and p-values for one suspect's peer scores under the fingerprint's calibration (or none). */
export function decidePeer(fp: PeerFingerprintBundle, source: string, scored: { readonly scores: readonly PeerScore[]; readonly queries: number }): PeerSuspectResult {
  const cal = fp.calibration;
  const { name, value } = peerStatistic(scored.scores, cal?.statistic);
  const base = { source, method: fp.method, scores: scored.scores, statistic: name, value, queries: scored.queries };
  if (!cal) return { ...base, verdict: 'inconclusive' };
  return { ...base, ...judge(value, cal, (m) => peerStatistic(m.scores, cal.statistic).value) };
}
