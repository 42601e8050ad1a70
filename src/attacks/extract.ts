import type { ImageBatch } from '../data/types.js';
import type { TrainingData } from '../train/data.js';
import { distillation, type DistillationOptions } from '../train/losses.js';
import { argmaxRows } from '../stats/correlation.js';
import { trainFromScratch, type FromScratchOptions } from './from-scratch.js';
import type { AttackRecord, ModelSource } from './types.js';
import { queryVictim } from './victim-outputs.js';

export type ExtractOptions = Omit<FromScratchOptions, 'classes'>;

/** The attacker's images (at the victim's input size) labelled with the victim's top-1 class, and the victim's class count. */
export async function labelWithVictim(victim: ModelSource, images: ImageBatch): Promise<{ data: TrainingData & { labels: Int32Array }; classes: number }> {
  const answers = await queryVictim(victim, images);
  return { data: { images: answers.images, labels: argmaxRows(answers.outputs) }, classes: answers.outputs.cols };
}

/**
 * Extract-L (METHODS.md §5): a student of `architecture` trained from scratch on the attacker's
 * images labelled with the victim's top-1 class (cross-entropy). The attacker's own labels are not used.
 */
export async function extractLabels(victim: ModelSource, images: ImageBatch, options: ExtractOptions): Promise<AttackRecord> {
  const started = performance.now();
  const { data, classes } = await labelWithVictim(victim, images);
  const record = await trainFromScratch(data, { ...options, classes }, 'extract-l');
  return { ...record, seconds: (performance.now() - started) / 1000 };
}

/**
 * Extract-P (knowledge distillation, METHODS.md §5): a student trained from scratch on
 * α·T²·KL(teacher ‖ student at temperature T) + (1 − α)·CE(student, teacher's top-1), the teacher
 * being the victim's logits for the attacker's images.
 */
export async function extractProbabilities(victim: ModelSource, images: ImageBatch, options: ExtractOptions & DistillationOptions): Promise<AttackRecord> {
  const started = performance.now();
  const { alpha, temperature, ...rest } = options;
  const answers = await queryVictim(victim, images);
  const record = await trainFromScratch({ images: answers.images, targets: answers.outputs }, { ...rest, classes: answers.outputs.cols }, 'extract-p', {
    loss: distillation({ alpha, temperature }), params: { alpha, temperature },
  });
  return { ...record, seconds: (performance.now() - started) / 1000 };
}
