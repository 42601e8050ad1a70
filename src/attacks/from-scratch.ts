import type * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../models/types.js';
import { buildModel, type ArchitectureName } from '../train/architectures.js';
import { initTrainingBackend } from '../train/backend.js';
import type { TrainingData } from '../train/data.js';
import type { Loss } from '../train/losses.js';
import type { TrainOptions } from '../train/loop.js';
import { trainingSpec } from '../train/preprocess.js';
import { saveAttackResult, trainWith } from './run.js';
import type { AttackOptions, AttackRecord } from './types.js';

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
  try {
    await trainWith(model, spec, data, options, extra);
    return await saveAttackResult(model, spec, options.saveTo, {
      attack, params: { architecture: options.architecture, classes: options.classes, ...options.training, ...extra.params }, seed: options.seed, started,
    });
  } finally {
    model.dispose();
  }
}
