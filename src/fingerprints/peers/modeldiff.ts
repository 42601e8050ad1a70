import * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from '../../data/types.js';
import { LineageError } from '../../errors.js';
import type { Model, Outputs } from '../../models/types.js';
import { freezeFingerprint, victimLabels } from './build.js';
import { pgd } from './optimise.js';
import { cosine, rowOf } from './representation.js';
import type { PeerFingerprint, PeerScore } from './types.js';
import { pixelTensor, whiteBox } from './whitebox.js';

/**
 * ModelDiff (Li et al., ISSTA 2021): query set = seeds and one adversarial twin each × representation
 * = decision distance vector (DDV) × decision = cosine of the two DDVs.
 */
export interface ModelDiffParams {
  /** PGD L∞ radius, step (pixel levels) and steps of the untargeted twin. */
  readonly epsilon: number;
  readonly step: number;
  readonly steps: number;
  readonly seed: number;
}

/** Defaults (ours): the usual 8/255 ball, 10 steps of 2 levels — enough to flip most of the victim's labels. */
export const MODELDIFF_DEFAULTS: ModelDiffParams = { epsilon: 8, step: 2, steps: 10, seed: 1 };

/** Inputs = the N seeds followed by their N twins (twin i = PGD away from the victim's label on seed i). */
export async function modelDiffFingerprint(victim: Model, seeds: ImageBatch, params: Partial<ModelDiffParams> = {}): Promise<PeerFingerprint> {
  const p = { ...MODELDIFF_DEFAULTS, ...params };
  const started = performance.now();
  const box = await whiteBox(victim);
  const { labels } = await victimLabels(victim, seeds);
  const clean = pixelTensor(box, seeds);
  const twins = pgd(box, clean, { ...p, labels, targeted: false });
  const pairs = tf.concat([clean, twins]);
  tf.dispose([clean, twins]);
  return freezeFingerprint('modeldiff', victim, pairs, { optimiserQueries: seeds.count * (1 + p.steps), started, params: { ...p } });
}

/** DDV_i = 1 − cos(f(x_i), f(x'_i)) over the pairs (rows i and N + i), L2-normalised. */
export function decisionDistanceVector(outputs: Outputs): Float64Array {
  if (outputs.rows % 2 !== 0) {
    throw new LineageError(`ModelDiff outputs have ${outputs.rows} rows; seeds and twins come in pairs`, 'query the model on the fingerprint inputs exactly');
  }
  const n = outputs.rows / 2;
  const ddv = Float64Array.from({ length: n }, (_, i) => 1 - cosine(rowOf(outputs, i), rowOf(outputs, n + i)));
  const norm = Math.hypot(...ddv);
  return norm > 0 ? ddv.map((d) => d / norm) : ddv;
}

/** cos(DDV_victim, DDV_suspect) (higher = stolen). */
export function modelDiffScore(fp: PeerFingerprint, suspect: Outputs): PeerScore[] {
  if (suspect.rows !== fp.victimOutputs.rows) {
    throw new LineageError(`ModelDiff: the suspect gave ${suspect.rows} outputs for ${fp.victimOutputs.rows} inputs`, 'query the suspect on exactly the fingerprint inputs');
  }
  return [{ name: 'DDV cosine', value: cosine(decisionDistanceVector(fp.victimOutputs), decisionDistanceVector(suspect)), stolenWhen: 'higher' }];
}
