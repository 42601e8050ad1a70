import type * as tf from '@tensorflow/tfjs';
import { LineageError } from '../errors.js';
import type { InputSpec } from '../models/types.js';
import { buildModel, type ArchitectureName } from '../train/architectures.js';
import { initTrainingBackend } from '../train/backend.js';
import type { TrainingData } from '../train/data.js';
import type { Loss } from '../train/losses.js';
import type { TrainOptions } from '../train/loop.js';
import { trainingSpec } from '../train/preprocess.js';
import { trainableCopy } from './model-source.js';
import { saveAttackResult, trainWith } from './run.js';
import type { AttackOptions, AttackRecord, ModelSource } from './types.js';

export interface FromScratchOptions extends AttackOptions {
  readonly architecture: ArchitectureName;
  readonly classes: number;
}

/**
 * A fresh seeded network of `architecture` trained on `data` (at the images' size and channels),
 * saved and recorded as `attack`. The victim, the negatives (irrelevant: attacker data; homologous:
 * the victim's architecture and data, another seed) and every extraction student start here.
 */
export interface FromScratchExtras {
  readonly loss?: Loss;
  readonly params?: Readonly<Record<string, unknown>>;
  /** What the saved model outputs (default logits; embedding students say so). */
  readonly outputKind?: InputSpec['outputKind'];
  /** Answers every augmented batch afresh (online distillation; see TrainOptions.teacher). */
  readonly teacher?: TrainOptions['teacher'];
}

export async function trainFromScratch(data: TrainingData, options: FromScratchOptions, attack: string, extra: FromScratchExtras = {}): Promise<AttackRecord> {
  const started = performance.now();
  await initTrainingBackend();
  const { height, width, channels } = data.images;
  const model: tf.LayersModel = buildModel(options.architecture, { inputShape: [height, width, channels], classes: options.classes, seed: options.seed });
  const spec = trainingSpec(height, width, channels, extra.outputKind);
  return trainAndSave(model, spec, data, options, attack, { architecture: options.architecture, classes: options.classes }, extra, started);
}

/**
 * `start` — a trained model, e.g. a public one of the same task — trained further on `data` with
 * every layer learning, at its own input spec, and saved as `attack`: the students that start from
 * a public model instead of a fresh network.
 */
export async function trainFromModel(
  start: ModelSource, data: TrainingData, options: AttackOptions & { readonly classes: number }, attack: string, extra: FromScratchExtras = {},
): Promise<AttackRecord> {
  const started = performance.now();
  const { model, spec } = await trainableCopy(start);
  const startedFrom = typeof start === 'string' ? start : start.model.name;
  const outputs = model.outputs[0]!.shape.at(-1) ?? 0;
  if (outputs !== options.classes) {
    model.dispose();
    throw new LineageError(`${startedFrom} gives ${outputs} outputs, the training targets have ${options.classes} classes`, 'start from a model of the same task (the same classes, in the same order)');
  }
  return trainAndSave(model, spec, data, options, attack, { start: startedFrom }, extra, started);
}

/** Train `model` (owned: disposed after), save it and record what was done. */
async function trainAndSave(
  model: tf.LayersModel, spec: InputSpec, data: TrainingData, options: AttackOptions, attack: string,
  student: Readonly<Record<string, unknown>>, extra: FromScratchExtras, started: number,
): Promise<AttackRecord> {
  try {
    await trainWith(model, spec, data, options, extra);
    return await saveAttackResult(model, spec, options.saveTo, { attack, params: { ...student, ...options.training, ...extra.params }, seed: options.seed, started });
  } finally {
    model.dispose();
  }
}
