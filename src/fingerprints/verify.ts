import type { ModelOptions } from '../models/load.js';
import type { Model } from '../models/types.js';
import { rankPValue, singleVsGroupTTest } from '../stats/tests.js';
import { withModel } from './calibrate.js';
import { compareWithFingerprint } from './compare.js';
import type { Comparison } from './compare.js';
import { scoreOf } from './types.js';
import type { Calibration, Fingerprint, ProgressFn, SuspectResult } from './types.js';

export interface VerifyOptions {
  readonly model?: ModelOptions;
  readonly onProgress?: ProgressFn;
}

/**
 * Compare each suspect with the fingerprint. With a calibration the verdict is `stolen` when the
 * distance is at or below the threshold, else `independent`, with p-values against the independent
 * models' distances; without one the verdict is `inconclusive` (a distance alone proves nothing).
 */
export async function verify(fp: Fingerprint, suspects: readonly (Model | string)[], options: VerifyOptions = {}): Promise<SuspectResult[]> {
  const results: SuspectResult[] = [];
  for (const item of suspects) {
    results.push(await withModel(item, options.model, async (model) => judge(fp, model, options.onProgress)));
  }
  return results;
}

async function judge(fp: Fingerprint, suspect: Model, onProgress?: ProgressFn): Promise<SuspectResult> {
  return decide(suspect.source, await compareWithFingerprint(fp, suspect, onProgress), fp.calibration);
}

/** The verdict and p-values for one comparison under a calibration (or none). */
export function decide(source: string, c: Comparison, cal: Calibration | undefined): SuspectResult {
  const base = { source, distance: c.distance, pearsonDistance: c.pearsonDistance, queries: c.queries, matrix: c.matrix };
  if (!cal) return { ...base, verdict: 'inconclusive' };
  const group = cal.models.map((m) => scoreOf(m, cal.statistic));
  const score = scoreOf(c, cal.statistic);
  return {
    ...base,
    statistic: cal.statistic,
    threshold: cal.fit.threshold,
    verdict: score <= cal.fit.threshold ? 'stolen' : 'independent',
    pValue: { t: singleVsGroupTTest(score, group).p, rank: rankPValue(score, group) },
  };
}
