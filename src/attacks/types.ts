/**
 * The shared shape of the stealing attacks that train: each takes the model it starts from (a
 * folder written by the training loop, or a live tf.layers model with its input spec), the
 * attacker's data and its options, trains with the one training loop (src/train/loop.ts), saves
 * the result as a model folder and returns what it did.
 */
import type * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../models/types.js';
import type { TrainOptions, TrainProgress } from '../train/loop.js';

/** A folder saved by the training loop, or a model in memory (never changed by an attack). */
export type ModelSource = string | { readonly model: tf.LayersModel; readonly spec: InputSpec };

/** The loop settings an attack passes through to trainModel. */
export type TrainSettings = Pick<TrainOptions, 'epochs' | 'batchSize' | 'optimizer' | 'lr' | 'momentum' | 'schedule' | 'weightDecay' | 'augment'>;

export interface AttackOptions {
  /** Folder the trained model is saved to (replaced atomically). */
  readonly saveTo: string;
  /** Seeds initialisation, shuffling, augmentation and any sampling the attack does. */
  readonly seed: number;
  readonly training: TrainSettings;
  readonly onProgress?: (progress: TrainProgress) => void;
}

/** What an attack did, for zoo manifests. */
export interface AttackRecord {
  /** Attack name, e.g. 'fine-tune-all', 'extract-l'. */
  readonly attack: string;
  /** The saved model folder. */
  readonly output: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  /** Wall-clock seconds of the attack (training, labelling, pruning, PGD). */
  readonly seconds: number;
}
