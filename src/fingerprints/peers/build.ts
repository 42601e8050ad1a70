import type * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from '../../data/types.js';
import type { Model, Outputs } from '../../models/types.js';
import { predictAll } from '../query.js';
import { hardLabels } from './representation.js';
import type { PeerFingerprint, PeerMeta, PeerMethodName } from './types.js';
import { toImageBatch } from './whitebox.js';

/** Shared last step of every generator: freeze the optimised pixels as 8-bit images, query the victim on them. */
export async function freezeFingerprint(
  method: PeerMethodName,
  victim: Model,
  pixels: tf.Tensor4D,
  build: { readonly optimiserQueries: number; readonly started: number; readonly params: PeerMeta['params']; readonly referenceLabels?: readonly number[] },
): Promise<PeerFingerprint> {
  const inputs = toImageBatch(pixels);
  pixels.dispose();
  return fingerprintOf(method, victim, inputs, build);
}

/** A fingerprint of ready-made inputs: the victim's outputs on them, and what building it cost. */
export async function fingerprintOf(
  method: PeerMethodName,
  victim: Model,
  inputs: ImageBatch,
  build: { readonly optimiserQueries: number; readonly started: number; readonly params: PeerMeta['params']; readonly referenceLabels?: readonly number[] },
): Promise<PeerFingerprint> {
  const victimOutputs = await predictAll(victim, inputs);
  return {
    method,
    inputs,
    victimOutputs,
    ...(build.referenceLabels ? { referenceLabels: build.referenceLabels } : {}),
    meta: {
      queriesToBuild: build.optimiserQueries + inputs.count,
      seconds: (performance.now() - build.started) / 1000,
      params: build.params,
    },
  };
}

/** The victim's predicted class for each seed (one query per seed). */
export async function victimLabels(victim: Model, seeds: ImageBatch): Promise<{ labels: number[]; outputs: Outputs }> {
  const outputs = await predictAll(victim, seeds);
  return { labels: hardLabels(outputs), outputs };
}
