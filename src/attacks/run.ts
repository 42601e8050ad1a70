/** The two steps every training attack ends with: train with the one loop, then save and record. */
import type * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../models/types.js';
import type { TrainingData } from '../train/data.js';
import type { Loss } from '../train/losses.js';
import { trainModel, type TrainOptions, type TrainProgress } from '../train/loop.js';
import { saveTrainedModel } from '../train/save.js';
import type { AttackOptions, AttackRecord } from './types.js';

/** Train `model` in place with the attack's loop settings (and `afterStep` after every optimisation step). */
export async function trainWith(
  model: tf.LayersModel, spec: InputSpec, data: TrainingData, options: Omit<AttackOptions, 'saveTo'>,
  extra: { readonly loss?: Loss; readonly teacher?: TrainOptions['teacher']; readonly afterStep?: () => void } = {},
): Promise<void> {
  const onProgress = (progress: TrainProgress): void => {
    if (progress.phase === 'batch') extra.afterStep?.();
    options.onProgress?.(progress);
  };
  await trainModel(model, data, {
    ...options.training, seed: options.seed, spec, onProgress,
    ...(extra.loss ? { loss: extra.loss } : {}), ...(extra.teacher ? { teacher: extra.teacher } : {}),
  });
}

/** Save `model` to `saveTo` and describe it; `started` is performance.now() at the attack's start. */
export async function saveAttackResult(
  model: tf.LayersModel, spec: InputSpec, saveTo: string,
  what: { readonly attack: string; readonly params: Readonly<Record<string, unknown>>; readonly seed: number; readonly started: number },
): Promise<AttackRecord> {
  await saveTrainedModel(model, saveTo, spec);
  return { attack: what.attack, output: saveTo, params: what.params, seed: what.seed, seconds: (performance.now() - what.started) / 1000 };
}
