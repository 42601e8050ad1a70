import type { Model, Outputs } from '../models/types.js';
import { plainScores } from './base.js';
import { predictAll } from './query.js';
import { sacMatrix } from './representation.js';
import type { Fingerprint, OutputMode, PlainScores, ProgressFn, SacParams } from './types.js';

export interface Comparison {
  readonly distance: number;
  readonly pearsonDistance: number;
  readonly matrix: Float64Array;
  /** The victim's matrix it was compared with (label mode for a label-only suspect). */
  readonly victimMatrix: Float64Array;
  /** With a base (fingerprint --base): the suspect's scores against the base's matrix, and that matrix (label mode for a label-only suspect). */
  readonly base?: PlainScores;
  readonly baseMatrix?: Float64Array;
  readonly queries: number;
}

/**
 * Query `suspect` on the fingerprint's frozen samples and compare its matrix with the victim's.
 * A suspect that only returns labels forces label mode on both sides, so that like is compared
 * with like.
 */
export async function compareWithFingerprint(fp: Fingerprint, suspect: Model, onProgress?: ProgressFn): Promise<Comparison> {
  const before = suspect.queries;
  const outputs = await predictAll(suspect, fp.samples, onProgress, `querying ${suspect.source}`);
  return { ...compareOutputs(fp, outputs, suspect.spec.outputKind === 'label'), queries: suspect.queries - before };
}

/** What compareOutputs needs of a fingerprint: its parameters, the victim's outputs and matrix (an evidence log holds them too), and the base's when it has one. */
export type ComparisonBasis = Pick<Fingerprint, 'victimOutputs' | 'victimMatrix' | 'base'> & { readonly manifest: { readonly params: SacParams } };

/** The comparison of a suspect's outputs on all N samples (in sample order) with the victim's; label mode when `labelsOnly`. */
export function compareOutputs(fp: ComparisonBasis, outputs: Outputs, labelsOnly: boolean): Omit<Comparison, 'queries'> {
  const { params } = fp.manifest;
  const mode: OutputMode = labelsOnly ? 'label' : params.outputMode;
  const classes = fp.victimOutputs.cols;
  const victimMatrix = mode === params.outputMode ? fp.victimMatrix : sacMatrix(fp.victimOutputs, params.kernel, mode, classes);
  const matrix = sacMatrix(outputs, params.kernel, mode, classes);
  const n = outputs.rows;
  const baseMatrix = fp.base && (mode === params.outputMode ? fp.base.matrix : sacMatrix(fp.base.outputs, params.kernel, mode));
  return {
    ...plainScores(victimMatrix, matrix, n),
    matrix,
    victimMatrix,
    ...(baseMatrix ? { base: plainScores(baseMatrix, matrix, n), baseMatrix } : {}),
  };
}
