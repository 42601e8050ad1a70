/**
 * A training job described as plain data (no functions), so that it can run in a worker process:
 * which model to start from, the data, the loss and the loop settings. `runTrainingJob` runs one in
 * this process; src/train/pool.ts spreads several over worker processes.
 */
import type * as tf from '@tensorflow/tfjs';
import { buildModel, type ArchitectureName } from './architectures.js';
import { initTrainingBackend } from './backend.js';
import type { TrainingData } from './data.js';
import { lossFromSpec, type LossSpec } from './losses.js';
import { trainModel, type TrainOptions, type TrainProgress, type TrainResult } from './loop.js';
import { loadTrainableModel } from './save.js';

/** A fresh seeded architecture, or a model saved by the loop (fine-tuning, distillation from a checkpoint). */
export type ModelSource =
  | { readonly architecture: ArchitectureName; readonly classes: number; readonly seed: number }
  | { readonly from: string };

export interface TrainingJob {
  /** Names the job in progress reports and errors. */
  readonly name: string;
  readonly model: ModelSource;
  readonly data: TrainingData;
  /** Default cross-entropy. */
  readonly loss?: LossSpec;
  /** The loop settings; the trained model is saved to `saveTo`. */
  readonly options: Omit<TrainOptions, 'loss' | 'onProgress' | 'spec' | 'saveTo'> & { readonly saveTo: string };
}

async function startingModel(job: TrainingJob): Promise<{ model: tf.LayersModel; spec?: TrainOptions['spec'] }> {
  const source = job.model;
  if ('from' in source) return loadTrainableModel(source.from);
  const { height, width, channels } = job.data.images;
  return { model: buildModel(source.architecture, { inputShape: [height, width, channels], classes: source.classes, seed: source.seed }) };
}

/** Run one job in this process. */
export async function runTrainingJob(job: TrainingJob, onProgress?: (progress: TrainProgress) => void): Promise<TrainResult> {
  await initTrainingBackend();
  const { model, spec } = await startingModel(job);
  try {
    return await trainModel(model, job.data, {
      ...job.options,
      ...(job.loss ? { loss: lossFromSpec(job.loss) } : {}),
      ...(spec ? { spec } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  } finally {
    model.dispose();
  }
}
