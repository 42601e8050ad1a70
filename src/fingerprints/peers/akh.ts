import type { ImageSet } from '../../data/types.js';
import type { Model, Outputs } from '../../models/types.js';
import { wrongSamples } from '../samples/sac-w.js';
import { fingerprintOf } from './build.js';
import { agreement, hardLabels, requireSameShape } from './representation.js';
import type { PeerFingerprint, PeerScore } from './types.js';

/**
 * AKH (black-box): query set = held-out inputs the victim misclassifies (the SAC-w choice) ×
 * representation = hard labels × decision = Hamming distance. No gradients: any victim qualifies.
 */
export interface AkhParams {
  readonly samples: number;
  readonly seed: number;
}

export const AKH_DEFAULTS: AkhParams = { samples: 100, seed: 1 };

/** The first `samples` images of `pool` (seeded order) that the victim gets wrong. */
export async function akhFingerprint(victim: Model, pool: ImageSet, params: Partial<AkhParams> = {}): Promise<PeerFingerprint> {
  const p = { ...AKH_DEFAULTS, ...params };
  const started = performance.now();
  const before = victim.queries;
  const chosen = await wrongSamples(pool, victim, p.samples, p.seed);
  return fingerprintOf('akh', victim, chosen.images, { optimiserQueries: victim.queries - before, started, params: { ...p } });
}

/** Normalised Hamming distance between the victim's and the suspect's labels (lower = stolen). */
export function akhScore(fp: PeerFingerprint, suspect: Outputs): PeerScore[] {
  requireSameShape(fp.victimOutputs, suspect, 'AKH');
  return [{ name: 'Hamming distance', value: 1 - agreement(hardLabels(fp.victimOutputs), hardLabels(suspect)), stolenWhen: 'lower' }];
}
