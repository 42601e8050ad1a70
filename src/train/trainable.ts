/**
 * What the one training loop trains: a tf.layers model built here, or a TF.js graph model loaded
 * from a file (src/train/graph.ts). Both expose the same few things — the forward pass, the
 * variables that learn, snapshots for keep-best, and saving — so the loop has one code path.
 */
import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../errors.js';
import type { InputSpec } from '../models/types.js';
import { fuseBatchNorm } from './fused-batch-norm.js';
import { trainingSpec } from './preprocess.js';
import { saveTrainedModel } from './save.js';

export interface Trainable {
  /** For messages. */
  readonly name: string;
  /**
   * Outputs [batch, k] for an input batch. `training`: batch norms of layers models use batch
   * statistics; graph models always run in inference mode (their batch norms are folded constants).
   */
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** The variables the optimiser updates. */
  readonly variables: readonly tf.Variable[];
  /** The variables under L2 weight decay (conv and dense kernels). */
  readonly decayed: readonly tf.Variable[];
  /** Width of the output (the number of classes for a classifier), when known. */
  readonly outputSize: number | undefined;
  /** The input spec to train with when the caller gives none. */
  defaultSpec(): InputSpec;
  /** Copies of every weight the loop may change (keep-best). */
  snapshot(): tf.Tensor[];
  restore(weights: readonly tf.Tensor[]): void;
  /** Write the model with its input spec to folder `dir` (atomically). */
  save(dir: string, spec: InputSpec): Promise<void>;
  /** A clearer error for one thrown by a training step (e.g. an op without a gradient), or undefined. */
  explain?(error: unknown): LineageError | undefined;
}

/** A tf.layers model as a Trainable (its batch norms switched to the fast training kernels). */
export function layersTrainable(model: tf.LayersModel): Trainable {
  fuseBatchNorm(model);
  return {
    name: model.name,
    apply: (x, training) => model.apply(x, { training }) as tf.Tensor2D,
    variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
    decayed: model.trainableWeights.filter((w) => /kernel$/.test(w.originalName)).map((w) => w.read() as tf.Variable),
    outputSize: model.outputs[0]!.shape[1] ?? undefined,
    defaultSpec() {
      const [, h, w, c] = model.inputs[0]!.shape;
      if (typeof h !== 'number' || typeof w !== 'number') {
        throw new LineageError(`model ${model.name} has no fixed input size`, 'give TrainOptions.spec with the size to train at');
      }
      return trainingSpec(h, w, c === 1 ? 1 : 3);
    },
    snapshot: () => model.getWeights().map((w) => tf.keep(w.clone())),
    restore: (weights) => model.setWeights([...weights]),
    save: (dir, spec) => saveTrainedModel(model, dir, spec),
  };
}
