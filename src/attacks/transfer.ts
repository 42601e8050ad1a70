import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../errors.js';
import type { TrainingData } from '../train/data.js';
import { trainableCopy } from './model-source.js';
import { saveAttackResult, trainWith } from './run.js';
import type { AttackOptions, AttackRecord, ModelSource } from './types.js';

export interface TransferOptions extends AttackOptions {
  /** Classes of the new task; `data.labels` are indices into them. */
  readonly classes: number;
}

/**
 * Transfer learning (METHODS.md §5): the victim's feature extractor under a new, seeded classifier
 * head for another label set, then every layer fine-tuned on the new task's labelled data.
 */
export async function transferLearning(victim: ModelSource, data: TrainingData, options: TransferOptions): Promise<AttackRecord> {
  const started = performance.now();
  const { model: source, spec } = await trainableCopy(victim);
  const head = source.layers.at(-1)!;
  if (head.getClassName() !== 'Dense') {
    source.dispose();
    throw new LineageError(`the last layer of ${typeof victim === 'string' ? victim : source.name} is a ${head.getClassName()}, not a dense classifier head`, 'transfer a classifier whose last layer is Dense');
  }
  const features = head.input as tf.SymbolicTensor;
  const logits = tf.layers.dense({
    name: head.name, units: options.classes,
    kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed }), biasInitializer: 'zeros',
  }).apply(features) as tf.SymbolicTensor;
  const model = tf.model({ name: `${source.name}_transfer`, inputs: source.inputs, outputs: logits });
  try {
    await trainWith(model, spec, data, options);
    return await saveAttackResult(model, spec, options.saveTo, { attack: 'transfer', params: { classes: options.classes, ...options.training }, seed: options.seed, started });
  } finally {
    model.dispose(); // the source's layers, except its old head
    head.dispose();
  }
}
