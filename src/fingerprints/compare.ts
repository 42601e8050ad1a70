import type { Model } from '../models/types.js';
import { matrixDistance, matrixPearsonDistance } from '../stats/correlation.js';
import { predictAll } from './query.js';
import { sacMatrix } from './representation.js';
import type { Fingerprint, OutputMode, ProgressFn } from './types.js';

export interface Comparison {
  readonly distance: number;
  readonly pearsonDistance: number;
  readonly matrix: Float64Array;
  readonly queries: number;
}

/**
 * Query `suspect` on the fingerprint's frozen samples and compare its matrix with the victim's.
 * A suspect that only returns labels forces label mode on both sides, so that like is compared
 * with like.
 */
export async function compareWithFingerprint(fp: Fingerprint, suspect: Model, onProgress?: ProgressFn): Promise<Comparison> {
  const { params } = fp.manifest;
  const before = suspect.queries;
  const outputs = await predictAll(suspect, fp.samples, onProgress, `querying ${suspect.source}`);
  const mode: OutputMode = suspect.spec.outputKind === 'label' ? 'label' : params.outputMode;
  const classes = fp.victimOutputs.cols;
  const victimMatrix = mode === params.outputMode ? fp.victimMatrix : sacMatrix(fp.victimOutputs, params.kernel, mode, classes);
  const matrix = sacMatrix(outputs, params.kernel, mode, classes);
  const n = fp.samples.count;
  return {
    distance: matrixDistance(victimMatrix, matrix),
    pearsonDistance: matrixPearsonDistance(victimMatrix, matrix, n),
    matrix,
    queries: suspect.queries - before,
  };
}
