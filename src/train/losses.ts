/**
 * Training losses, all on raw logits (the architectures have no softmax layer). A loss sees one
 * batch: the model's outputs and whatever supervision the training data carries.
 */
import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../errors.js';

export interface LossInput {
  /** Model outputs [batch, classes] (logits, or an embedding for regression). */
  readonly logits: tf.Tensor2D;
  /** Class index per image (int32 [batch]), when the data has labels. */
  readonly labels?: tf.Tensor1D;
  /** Target rows [batch, k]: teacher logits (distillation) or target embeddings (regression). */
  readonly targets?: tf.Tensor2D;
}

export type Loss = (input: LossInput) => tf.Scalar;

function need<T>(value: T | undefined, loss: string, what: string): T {
  if (value === undefined) {
    throw new LineageError(`the ${loss} loss needs ${what} in the training data`, `give the training data ${what}, or pick another loss`);
  }
  return value;
}

/** Mean softmax cross-entropy of `logits` against class indices. */
function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Cross-entropy against the data's labels, or against the targets' argmax when there are no labels (Extract-L). */
export function crossEntropy(): Loss {
  return ({ logits, labels, targets }) =>
    softmaxCrossEntropy(logits, labels ?? tf.argMax(need(targets, 'cross-entropy', 'labels or targets'), 1));
}

export interface DistillationOptions {
  /** Weight of the soft (teacher) term; 1 − alpha weighs the hard-label term. SAC: 0.9, SAC-JC: 0.1. */
  readonly alpha: number;
  /** Softmax temperature (the reference recipes use 20). */
  readonly temperature: number;
}

/**
 * Knowledge distillation (Hinton et al. 2015; Extract-P): α·T²·KL(softmax(t/T) ‖ softmax(s/T)) +
 * (1 − α)·CE(s, y), KL averaged over the batch (PyTorch's KLDivLoss 'batchmean'), t = teacher logits
 * from the targets, y = the data's labels, else the teacher's argmax.
 */
export function distillation({ alpha, temperature: T }: DistillationOptions): Loss {
  if (!(alpha >= 0 && alpha <= 1) || !(T > 0)) {
    throw new LineageError(`invalid distillation settings alpha=${alpha}, temperature=${T}`, 'use 0 ≤ alpha ≤ 1 and temperature > 0');
  }
  return ({ logits, labels, targets }) => {
    const teacher = need(targets, 'distillation', 'teacher outputs (targets)');
    const logTeacher = tf.logSoftmax(tf.div(teacher, T));
    const logStudent = tf.logSoftmax(tf.div(logits, T));
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(logTeacher), tf.sub(logTeacher, logStudent)), 1));
    const hard = softmaxCrossEntropy(logits, labels ?? tf.argMax(teacher, 1));
    return tf.add(tf.mul(kl, alpha * T * T), tf.mul(hard, 1 - alpha)) as tf.Scalar;
  };
}

/**
 * Regression of the outputs onto target rows, for embedding models: 'mse' (mean squared error per
 * value) or 'cosine' (mean of 1 − cosine similarity per row).
 */
export function regression(kind: 'mse' | 'cosine'): Loss {
  return ({ logits, targets }) => {
    const target = need(targets, `${kind} regression`, 'target rows (targets)');
    if (kind === 'mse') return tf.mean(tf.squaredDifference(logits, target));
    const dot = tf.sum(tf.mul(logits, target), 1);
    const norms = tf.mul(tf.norm(logits, 2, 1), tf.norm(target, 2, 1));
    return tf.mean(tf.sub(1, tf.div(dot, tf.maximum(norms, 1e-12))));
  };
}

export interface CosFaceOptions {
  /** Scale s of the cosines (the paper: 30–64). */
  readonly scale: number;
  /** Additive cosine margin m subtracted from the true class (the paper: 0.35). */
  readonly margin: number;
}

/**
 * CosFace (Wang et al. 2018), the margin softmax of face recognition: cross-entropy on
 * s·(cos θ_y − m) for the true class and s·cos θ_j for the others. The "logits" must be cosines
 * between normalised embeddings and normalised class weights (a 'cosine' head, src/train/graph.ts).
 */
export function cosFace({ scale, margin }: CosFaceOptions): Loss {
  if (!(scale > 0) || !(margin >= 0 && margin < 1)) {
    throw new LineageError(`invalid CosFace settings scale=${scale}, margin=${margin}`, 'use scale > 0 and 0 ≤ margin < 1 (e.g. 30 and 0.35)');
  }
  return ({ logits, labels }) => {
    const y = need(labels, 'CosFace', 'labels');
    const margins = tf.mul(tf.oneHot(tf.cast(y, 'int32'), logits.shape[1]), margin);
    return softmaxCrossEntropy(tf.mul(tf.sub(logits, margins), scale) as tf.Tensor2D, y);
  };
}

/** A loss described as data, for jobs sent to worker processes (functions cannot cross). */
export type LossSpec =
  | { readonly kind: 'cross-entropy' }
  | ({ readonly kind: 'distillation' } & DistillationOptions)
  | { readonly kind: 'regression'; readonly metric: 'mse' | 'cosine' }
  | ({ readonly kind: 'cosface' } & CosFaceOptions);

export function lossFromSpec(spec: LossSpec): Loss {
  switch (spec.kind) {
    case 'cross-entropy': return crossEntropy();
    case 'distillation': return distillation(spec);
    case 'regression': return regression(spec.metric);
    case 'cosface': return cosFace(spec);
  }
}
