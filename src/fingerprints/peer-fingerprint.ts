import type { ImageSet } from '../data/types.js';
import { LineageError } from '../errors.js';
import type { Model } from '../models/types.js';
import { LINEAGE_VERSION } from '../version.js';
import { PEER_METHODS, peerStatistics, peerVictimProblem, scorePeer } from './peers/methods.js';
import type { PeerBuildOptions, PeerStatistic } from './peers/methods.js';
import type { PeerFingerprint, PeerMethodName, PeerScore } from './peers/types.js';
import { degenerateOutputs } from './quality.js';
import { predictAll } from './query.js';
import { sacMatrix } from './representation.js';
import type { PeerFingerprintBundle, ProgressFn } from './types.js';

/**
 * Refuse a victim the method cannot fingerprint (an embedding model; a white-box method on a victim
 * without gradients) before any data is loaded; never fall back to another method silently.
 */
export function requirePeerVictim(victim: Model, method: PeerMethodName): void {
  const problem = peerVictimProblem(victim, method);
  if (problem) {
    throw new LineageError(`cannot build a ${method} fingerprint: ${problem}`,
      victim.spec.outputKind === 'embedding'
        ? 'fingerprint embedding models with --method sac-jc, sac-w or sac-m'
        : 'give the victim as a TF.js model (model.json or its folder, or builtin:emotion), or use a black-box method: --method akh, sac-jc, sac-w or sac-m');
  }
}

/** Build the `method` fingerprint of `victim` from seed images of `pool`, with what its bundle records. */
export async function peerFingerprint(
  victim: Model,
  pool: ImageSet,
  method: PeerMethodName,
  options: PeerBuildOptions & { readonly origin: string },
): Promise<PeerFingerprintBundle> {
  requirePeerVictim(victim, method);
  const built = await PEER_METHODS[method].build(victim, pool, { samples: options.samples, seed: options.seed });
  return {
    kind: 'peer',
    ...built,
    manifest: {
      lineageVersion: LINEAGE_VERSION,
      createdAt: new Date().toISOString(),
      victim: { source: victim.source, spec: victim.spec, outputDim: built.victimOutputs.cols },
      pool: { origin: options.origin, samples: options.samples, seed: options.seed },
    },
  };
}

/**
 * Query `suspect` on the fingerprint's inputs and score it with the fingerprint's own method.
 * `degenerate` says why its outputs carry no evidence (nearly the same for every input: quality.ts).
 */
export async function scoreSuspect(fp: PeerFingerprint, suspect: Model, onProgress?: ProgressFn): Promise<{ scores: PeerScore[]; queries: number; degenerate?: string }> {
  const before = suspect.queries;
  const outputs = await predictAll(suspect, fp.inputs, onProgress, `querying ${suspect.source}`);
  const degenerate = degenerateOutputs(sacMatrix(outputs, 'cosine', 'raw'), outputs.rows, 'its');
  return { scores: scorePeer(fp, outputs), queries: suspect.queries - before, ...(degenerate ? { degenerate } : {}) };
}

/** The statistic `name` (lower = stolen) of a model's scores; without a name, the method's decision statistic (the first). */
export function peerStatistic(scores: readonly PeerScore[], name?: string): PeerStatistic {
  const all = peerStatistics(scores);
  const found = name === undefined ? all[0] : all.find((s) => s.name === name);
  if (!found) {
    throw new LineageError(`the scores have no statistic '${name ?? '(any)'}' (they have: ${all.map((s) => s.name).join(', ') || 'none'})`,
      're-calibrate the bundle with `lineage calibrate`, using this version of Lineage');
  }
  return found;
}
