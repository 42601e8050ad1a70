import type { Model, Outputs } from '../../models/types.js';
import { deepCoreScore } from '../deepcore/similarity.js';
import { predictAll } from '../query.js';
import { akhScore } from './akh.js';
import { deepJudgeScore } from './deepjudge.js';
import { ipguardScore } from './ipguard.js';
import { modelDiffScore } from './modeldiff.js';
import type { PeerFingerprint, PeerMethodName, PeerScore } from './types.js';

/** Each method as a QuRD triple (query set × representation × decision), and its scoring. */
export interface PeerMethod {
  readonly query: string;
  readonly representation: string;
  readonly decision: string;
  /** Needs the victim's gradients (a TF.js victim) to build the fingerprint. */
  readonly whiteBox: boolean;
  readonly score: (fp: PeerFingerprint, suspect: Outputs) => PeerScore[];
}

export const PEER_METHODS: Readonly<Record<PeerMethodName, PeerMethod>> = {
  ipguard: { query: 'boundary points (Adam on the IPGuard loss)', representation: 'hard labels', decision: 'label-matching rate', whiteBox: true, score: ipguardScore },
  modeldiff: { query: 'seeds + PGD twins', representation: 'decision distance vector', decision: 'DDV cosine', whiteBox: true, score: modelDiffScore },
  deepjudge: { query: 'PGD adversarial examples', representation: 'labels, softmax', decision: 'Rob, mean JSD', whiteBox: true, score: deepJudgeScore },
  akh: { query: 'victim-misclassified inputs', representation: 'hard labels', decision: 'Hamming distance', whiteBox: false, score: akhScore },
  deepcore: { query: 'core points (confidence ascent)', representation: 'labels, softmax', decision: 'label agreement, probability cosine; k-means over suspects', whiteBox: true, score: deepCoreScore },
};

/** A suspect's outputs on a fingerprint's inputs. */
export const querySuspect = (fp: PeerFingerprint, suspect: Model): Promise<Outputs> => predictAll(suspect, fp.inputs);

/** The scores of a suspect's outputs under the fingerprint's own method. */
export const scorePeer = (fp: PeerFingerprint, suspect: Outputs): PeerScore[] => PEER_METHODS[fp.method].score(fp, suspect);
