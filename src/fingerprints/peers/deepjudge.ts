import type { ImageBatch } from '../../data/types.js';
import { LineageError } from '../../errors.js';
import type { Model, Outputs } from '../../models/types.js';
import { freezeFingerprint, victimLabels } from './build.js';
import { pgd } from './optimise.js';
import { agreement, hardLabels, jensenShannon, requireSameShape, softmaxRows } from './representation.js';
import type { PeerFingerprint, PeerScore } from './types.js';
import { pixelTensor, whiteBox } from './whitebox.js';

/**
 * DeepJudge, black-box part (Chen et al., S&P 2022): query set = the victim's adversarial examples ×
 * representation = labels and softmax outputs × decision = Rob (accuracy against the victim's clean
 * labels) and JSD (mean Jensen–Shannon divergence to the victim's softmax outputs).
 */
export interface DeepJudgeParams {
  readonly epsilon: number;
  readonly step: number;
  readonly steps: number;
  readonly seed: number;
}

/** Defaults (ours, after the Extract-Adv recipe of METHODS.md §5): ε = 8 levels, step 1, 20 steps. */
export const DEEPJUDGE_DEFAULTS: DeepJudgeParams = { epsilon: 8, step: 1, steps: 20, seed: 1 };

/** Untargeted PGD examples of the seeds; the victim's labels on the clean seeds are kept as reference. */
export async function deepJudgeFingerprint(victim: Model, seeds: ImageBatch, params: Partial<DeepJudgeParams> = {}): Promise<PeerFingerprint> {
  const p = { ...DEEPJUDGE_DEFAULTS, ...params };
  const started = performance.now();
  const box = await whiteBox(victim);
  const { labels } = await victimLabels(victim, seeds);
  const clean = pixelTensor(box, seeds);
  const adversarial = pgd(box, clean, { ...p, labels, targeted: false });
  clean.dispose();
  return freezeFingerprint('deepjudge', victim, adversarial, {
    optimiserQueries: seeds.count * (1 + p.steps),
    started,
    params: { ...p },
    referenceLabels: labels,
  });
}

/**
 * Rob: the suspect's accuracy on the adversarial examples, against the victim's clean labels (lower =
 * stolen: a copy shares the victim's adversarial weaknesses). JSD: lower = stolen.
 */
export function deepJudgeScore(fp: PeerFingerprint, suspect: Outputs): PeerScore[] {
  requireSameShape(fp.victimOutputs, suspect, 'DeepJudge');
  if (!fp.referenceLabels) {
    throw new LineageError('DeepJudge fingerprint has no reference labels', 'make the fingerprint with deepJudgeFingerprint');
  }
  const p = softmaxRows(fp.victimOutputs);
  const q = softmaxRows(suspect);
  const jsd = p.reduce((sum, row, i) => sum + jensenShannon(row, q[i]!), 0) / p.length;
  return [
    { name: 'Rob', value: agreement(hardLabels(suspect), fp.referenceLabels), stolenWhen: 'lower' },
    { name: 'JSD', value: jsd, stolenWhen: 'lower' },
  ];
}
