import type { Outputs } from '../../models/types.js';
import { agreement, cosine, hardLabels, requireSameShape, softmaxRows } from '../peers/representation.js';
import type { PeerFingerprint, PeerScore } from '../peers/types.js';

/**
 * DeepCore's two similarity rules between victim and suspect on the core points (ours, METHODS.md §3):
 * label agreement rate, and mean cosine of the softmax probability vectors. Higher = stolen for both.
 */
export function deepCoreScore(fp: PeerFingerprint, suspect: Outputs): PeerScore[] {
  requireSameShape(fp.victimOutputs, suspect, 'DeepCore');
  const p = softmaxRows(fp.victimOutputs);
  const q = softmaxRows(suspect);
  return [
    { name: 'label agreement', value: agreement(hardLabels(fp.victimOutputs), hardLabels(suspect)), stolenWhen: 'higher' },
    { name: 'probability cosine', value: p.reduce((sum, row, i) => sum + cosine(row, q[i]!), 0) / p.length, stolenWhen: 'higher' },
  ];
}
