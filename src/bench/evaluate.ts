import { SHARED_ANCESTRY_GROUPS } from '../zoo/manifest.js';
import type { ZooManifest, ZooModel } from '../zoo/manifest.js';
import { identify } from './identification.js';
import { methodMetrics, splitIndependent } from './metrics.js';
import { scoreZoo, suspectsOf } from './score.js';
import type { FingerprintScores, ScoreOptions, ZooScorer } from './score.js';
import type { BenchSettings, MethodResult } from './types.js';

/** One method's result, and the scores it came from (for the report's heatmaps). */
export interface EvaluatedMethod {
  readonly result: MethodResult;
  readonly scored: FingerprintScores;
}

export interface EvaluateOptions extends ScoreOptions {
  /** Who fingerprints and scores the zoo: scoreZoo in this process (the default), or queue workers (`bench --queue`). */
  readonly scorer?: ZooScorer;
}

/**
 * The core of `bench` and of every sweep: each setting × method is one fingerprint of the victim;
 * every zoo model is loaded once and checked against all of them, and the metrics of each come from
 * those checks alone. results[s] lists the methods of settings[s] that could run on this zoo.
 */
export async function evaluate(zoo: string, manifest: ZooManifest, settings: readonly BenchSettings[], options: EvaluateOptions = {}): Promise<EvaluatedMethod[][]> {
  const plans = settings.flatMap((s) => s.methods.map((method) => ({ method, settings: s })));
  const { scorer = scoreZoo, ...scoreOptions } = options;
  const scored = await scorer(zoo, manifest, plans, scoreOptions);
  const independent = calibrationCandidates(suspectsOf(zoo, manifest));
  let k = 0;
  return settings.map((s) => {
    const calibration = new Set(splitIndependent(independent, s.seed).calibration);
    return s.methods.map(() => scored[k++]).filter((x): x is FingerprintScores => x !== undefined && comparable(x, options.onWarning))
      .map((x) => ({ result: methodResult(x, calibration), scored: x }));
  });
}

/** The independent models the threshold may be fitted on: all but siblings and the public parent (SHARED_ANCESTRY_GROUPS). */
export function calibrationCandidates(models: readonly Pick<ZooModel, 'id' | 'role' | 'group'>[]): string[] {
  return models.filter((m) => m.role === 'independent' && !SHARED_ANCESTRY_GROUPS.includes(m.group)).map((m) => m.id);
}

/** Whether a method scored at least one stolen and one independent model (else it has no AUC): warns when not. */
function comparable({ fingerprint, scores }: FingerprintScores, onWarning?: (message: string) => void): boolean {
  const missing = (['stolen', 'independent'] as const).filter((role) => !scores.some((m) => m.role === role));
  if (missing.length > 0) onWarning?.(`${fingerprint.method} left out of the results: no ${missing.join(' or ')} model of the zoo could be scored with it`);
  return missing.length === 0;
}

function methodResult({ fingerprint: fp, scores, outputs }: FingerprintScores, calibration: ReadonlySet<string>): MethodResult {
  const metrics = methodMetrics(scores, fp.statistics, fp.decisionStatistic, calibration);
  const identified = fp.cluster ? identify(metrics.models, fp.cluster(metrics.models.map((m) => outputs.get(m.id)!))) : undefined;
  return {
    method: fp.method,
    params: fp.params,
    fingerprint: { seconds: fp.seconds, victimQueries: fp.victimQueries, ...(fp.quality ? { quality: fp.quality } : {}) },
    queriesPerVerification: Math.max(0, ...scores.map((m) => m.queries)),
    ...metrics,
    ...identified,
  };
}
