import type { ImageBatch } from '../../data/types.js';
import type { Outputs } from '../../models/types.js';

/** The peer fingerprinting methods (METHODS.md §4) and DeepCore (§3). */
export type PeerMethodName = 'ipguard' | 'modeldiff' | 'deepjudge' | 'akh' | 'deepcore';

/** What making a peer fingerprint cost, and how it was made. */
export interface PeerMeta {
  /**
   * Victim evaluations spent: one per image per forward or gradient step while optimising, plus
   * the final query of the stored inputs (a black-box method counts only the queries it sent).
   */
  readonly queriesToBuild: number;
  readonly seconds: number;
  readonly params: Readonly<Record<string, number | string | boolean>>;
}

/**
 * A peer fingerprint: the exact 8-bit query inputs, the victim's outputs on them (raw, as `predict`
 * returns them, i.e. after the inputs were quantised to 8 bits), and, for methods that score
 * against them, reference labels (DeepJudge: the victim's labels on the clean seeds; DeepCore: each
 * core point's target class).
 */
export interface PeerFingerprint {
  readonly method: PeerMethodName;
  readonly inputs: ImageBatch;
  readonly victimOutputs: Outputs;
  readonly referenceLabels?: readonly number[];
  readonly meta: PeerMeta;
}

/** One score of a suspect, with which way means "stolen". */
export interface PeerScore {
  readonly name: string;
  readonly value: number;
  readonly stolenWhen: 'higher' | 'lower';
}
