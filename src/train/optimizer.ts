/** Optimisers and learning-rate schedules for the training loop. */
import * as tf from '@tensorflow/tfjs';

export type OptimizerName = 'sgd' | 'momentum' | 'adam';
/** constant; cosine: lr·½(1 + cos(π·step/steps)) per step; step: ×0.1 after 50 % and again after 75 % of the epochs. */
export type LrSchedule = 'constant' | 'cosine' | 'step';

export function makeOptimizer(name: OptimizerName, lr: number, momentum: number): tf.Optimizer {
  switch (name) {
    case 'sgd': return tf.train.sgd(lr);
    case 'momentum': return tf.train.momentum(lr, momentum);
    case 'adam': return tf.train.adam(lr);
  }
}

export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // Not `instanceof tf.SGDOptimizer`: tfjs optimizers override instanceof (an Adam passes it).
  const sgd = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(lr);
  // Adam reads its (protected) learningRate field on every update.
  else sgd.learningRate = lr;
}

/** Learning rate for optimisation step `step` (0-based) of `steps`, in epoch `epoch` of `epochs`. */
export function scheduledRate(schedule: LrSchedule, lr: number, step: number, steps: number, epoch: number, epochs: number): number {
  switch (schedule) {
    case 'constant': return lr;
    case 'cosine': return (lr * (1 + Math.cos((Math.PI * step) / steps))) / 2;
    case 'step': return lr * 0.1 ** ((epoch >= epochs * 0.5 ? 1 : 0) + (epoch >= epochs * 0.75 ? 1 : 0));
  }
}
