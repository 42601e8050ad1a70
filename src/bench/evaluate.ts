import { DEFAULT_STATISTIC } from '../fingerprints/calibrate.js';
import { DEFAULT_PARAMS } from '../fingerprints/fingerprint.js';
import { SAC_METHODS } from '../fingerprints/types.js';
import type { ProgressFn, SacMethodName, SacParams } from '../fingerprints/types.js';
import type { ZooManifest } from '../zoo/manifest.js';
import { methodMetrics, splitIndependent } from './metrics.js';
import { scoreZoo, suspectsOf } from './score.js';
import type { ZooScores } from './score.js';
import type { BenchSettings, MethodResult } from './types.js';

export const DEFAULT_BENCH_SETTINGS: BenchSettings = {
  methods: SAC_METHODS,
  samples: DEFAULT_PARAMS.samples,
  seed: DEFAULT_PARAMS.seed,
  kernel: DEFAULT_PARAMS.kernel,
  outputMode: DEFAULT_PARAMS.outputMode,
  jpegSeverity: DEFAULT_PARAMS.jpegSeverity,
  statistic: DEFAULT_STATISTIC,
};

export interface EvaluateOptions {
  /** Ids of models whose matrices are kept for heatmaps. */
  readonly keep?: ReadonlySet<string>;
  readonly onProgress?: ProgressFn;
  readonly onWarning?: (message: string) => void;
}

export interface Evaluation {
  /** results[s][k]: method k of settings[s]. */
  readonly results: readonly (readonly MethodResult[])[];
  readonly scores: ZooScores;
}

/**
 * The core of `bench` and of every sweep: each setting × method is one fingerprint of the victim;
 * every zoo model is loaded once and compared with all of them, and the metrics of each come from
 * those comparisons alone.
 */
export async function evaluate(zoo: string, manifest: ZooManifest, settings: readonly BenchSettings[], options: EvaluateOptions = {}): Promise<Evaluation> {
  const params = settings.flatMap((s) => s.methods.map((method) => sacParams(s, method)));
  const scores = await scoreZoo(zoo, manifest, params, options);
  const independent = suspectsOf(zoo, manifest).filter((m) => m.role === 'independent').map((m) => m.id);
  let f = 0;
  const results = settings.map((s) => {
    const calibration = new Set(splitIndependent(independent, s.seed).calibration);
    return s.methods.map((method): MethodResult => {
      const { fp, seconds, victimQueries } = scores.fingerprints[f]!;
      const models = scores.scores[f++]!;
      return {
        method,
        params: fp.manifest.params,
        fingerprint: { seconds, victimQueries, quality: fp.manifest.quality },
        queriesPerVerification: Math.max(...models.map((m) => m.queries)),
        ...methodMetrics(models, s.statistic, calibration),
      };
    });
  });
  return { results, scores };
}

function sacParams(s: BenchSettings, method: SacMethodName): SacParams {
  return { method, samples: s.samples, seed: s.seed, kernel: s.kernel, outputMode: s.outputMode, jpegSeverity: s.jpegSeverity, transpose: DEFAULT_PARAMS.transpose };
}
