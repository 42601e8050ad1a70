import { sampleIndices } from '../../data/load.js';
import { selectImages, type ImageSet } from '../../data/types.js';
import type { Model, Outputs } from '../../models/types.js';
import { deepCoreFingerprint } from '../deepcore/core-points.js';
import { deepCoreScore } from '../deepcore/similarity.js';
import { predictAll } from '../query.js';
import { akhFingerprint, akhScore } from './akh.js';
import { deepJudgeFingerprint, deepJudgeScore } from './deepjudge.js';
import { ipguardFingerprint, ipguardScore } from './ipguard.js';
import { modelDiffFingerprint, modelDiffScore } from './modeldiff.js';
import type { PeerFingerprint, PeerMethodName, PeerScore } from './types.js';
import { gradientProblem } from './whitebox.js';

/** What every generator is given: how many fingerprint inputs to make, and the seed of every choice. */
export interface PeerBuildOptions {
  readonly samples: number;
  readonly seed: number;
}

/** Each method as a QuRD triple (query set × representation × decision), how it is built and scored. */
export interface PeerMethod {
  readonly query: string;
  readonly representation: string;
  readonly decision: string;
  /** Needs the victim's gradients (a TF.js victim) to build the fingerprint. */
  readonly whiteBox: boolean;
  /** The fingerprint of `victim`, made from images of `pool` (the owner's held-out data). */
  readonly build: (victim: Model, pool: ImageSet, options: PeerBuildOptions) => Promise<PeerFingerprint>;
  readonly score: (fp: PeerFingerprint, suspect: Outputs) => PeerScore[];
}

/** A seeded, class-balanced choice of `samples` seed images from the pool (white-box generators start from these). */
const seedsOf = (pool: ImageSet, { samples, seed }: PeerBuildOptions) => selectImages(pool, sampleIndices(pool, samples, seed));

export const PEER_METHODS: Readonly<Record<PeerMethodName, PeerMethod>> = {
  ipguard: {
    query: 'boundary points (Adam on the IPGuard loss)', representation: 'hard labels', decision: 'label-matching rate', whiteBox: true,
    build: (victim, pool, o) => ipguardFingerprint(victim, seedsOf(pool, o), { seed: o.seed }), score: ipguardScore,
  },
  modeldiff: {
    query: 'seeds + PGD twins', representation: 'decision distance vector', decision: 'DDV cosine', whiteBox: true,
    build: (victim, pool, o) => modelDiffFingerprint(victim, seedsOf(pool, o), { seed: o.seed }), score: modelDiffScore,
  },
  deepjudge: {
    query: 'PGD adversarial examples', representation: 'labels, softmax', decision: 'Rob, mean JSD', whiteBox: true,
    build: (victim, pool, o) => deepJudgeFingerprint(victim, seedsOf(pool, o), { seed: o.seed }), score: deepJudgeScore,
  },
  akh: {
    query: 'victim-misclassified inputs', representation: 'hard labels', decision: 'Hamming distance', whiteBox: false,
    build: (victim, pool, o) => akhFingerprint(victim, pool, o), score: akhScore,
  },
  deepcore: {
    query: 'core points (confidence ascent)', representation: 'labels, softmax', decision: 'label agreement, probability cosine; k-means over suspects', whiteBox: true,
    build: (victim, pool, o) => deepCoreFingerprint(victim, seedsOf(pool, o)), score: deepCoreScore,
  },
};

export const PEER_METHOD_NAMES = Object.keys(PEER_METHODS) as PeerMethodName[];

/**
 * Why `method` cannot fingerprint `victim`, or undefined when it can. Every peer method compares
 * class decisions, so an embedding model (face verification) has none to compare; the white-box
 * ones also need the victim's gradients.
 */
export function peerVictimProblem(victim: Model, method: PeerMethodName): string | undefined {
  if (victim.spec.outputKind === 'embedding') return `${method} compares class decisions, and ${victim.source} outputs embeddings (use sac-jc, sac-w or sac-m)`;
  if (!PEER_METHODS[method].whiteBox) return undefined;
  const problem = gradientProblem(victim);
  return problem && `${method} takes the victim's gradients, so it needs a TF.js victim: ${problem}`;
}

/** A suspect's outputs on a fingerprint's inputs. */
export const querySuspect = (fp: PeerFingerprint, suspect: Model): Promise<Outputs> => predictAll(suspect, fp.inputs);

/** The scores of a suspect's outputs under the fingerprint's own method. */
export const scorePeer = (fp: PeerFingerprint, suspect: Outputs): PeerScore[] => PEER_METHODS[fp.method].score(fp, suspect);

/** A score turned so that, like SAC's distances, lower means "stolen". */
export interface PeerStatistic {
  readonly name: string;
  readonly value: number;
}

/**
 * Scores as "lower = stolen" statistics, so that thresholds, AUCs and p-values treat every method
 * alike: a similarity in [0, 1] or [−1, 1] (matching rate, agreement, cosine) becomes 1 − value.
 */
export const peerStatistics = (scores: readonly PeerScore[]): PeerStatistic[] =>
  scores.map((s) => (s.stolenWhen === 'lower' ? { name: s.name, value: s.value } : { name: `1 − ${s.name}`, value: 1 - s.value }));
