import { selectImages, type ImageBatch } from '../data/types.js';
import { resizeBatch } from '../models/preprocess.js';
import type { TrainingData } from '../train/data.js';
import { distillation, type DistillationOptions, type Loss } from '../train/losses.js';
import { argmaxRows } from '../stats/correlation.js';
import { trainFromScratch, type FromScratchOptions } from './from-scratch.js';
import type { AttackRecord, ModelSource } from './types.js';
import { queryVictim, withVictim } from './victim-outputs.js';

/**
 * How the thief queries the victim: 'once' labels the attacker's images once (one query each);
 * 'every-batch' sends the victim every augmented image the student trains on (one query per image
 * per epoch), which makes a far more faithful student for the same attacker images.
 */
export type VictimQueries = 'once' | 'every-batch';

export interface ExtractOptions extends Omit<FromScratchOptions, 'classes'> {
  /** Default 'once'. */
  readonly queries?: VictimQueries;
}

/** The attacker's images (at the victim's input size) labelled with the victim's top-1 class, and the victim's class count. */
export async function labelWithVictim(victim: ModelSource, images: ImageBatch): Promise<{ data: TrainingData & { labels: Int32Array }; classes: number }> {
  const answers = await queryVictim(victim, images);
  return { data: { images: answers.images, labels: argmaxRows(answers.outputs) }, classes: answers.outputs.cols };
}

/** A student trained from scratch on the victim's answers for the attacker's images, learning from them through `loss`. */
async function extract(
  victim: ModelSource, images: ImageBatch, options: ExtractOptions, attack: string,
  how: { readonly loss?: Loss; readonly params?: Readonly<Record<string, unknown>> },
): Promise<AttackRecord> {
  const started = performance.now();
  const { queries = 'once', ...rest } = options;
  return withVictim(victim, async (answer, spec) => {
    const resized = await resizeBatch(images, spec.height, spec.width);
    const everyBatch = queries === 'every-batch';
    // Every batch is answered afresh in 'every-batch' mode: one image tells the class count.
    const outputs = answer(everyBatch ? selectImages(resized, [0]) : resized);
    const data: TrainingData = everyBatch ? { images: resized } : { images: resized, targets: outputs };
    const victimQueries = everyBatch ? 1 + rest.training.epochs * resized.count : resized.count;
    const record = await trainFromScratch(data, { ...rest, classes: outputs.cols }, attack, {
      ...(how.loss ? { loss: how.loss } : {}),
      ...(everyBatch ? { teacher: answer } : {}),
      params: { ...how.params, queries, victimQueries },
    });
    return { ...record, seconds: (performance.now() - started) / 1000 };
  });
}

/**
 * Extract-L (METHODS.md §5): a student of `architecture` trained from scratch on the attacker's
 * images labelled with the victim's top-1 class (cross-entropy). The attacker's own labels are not used.
 */
export async function extractLabels(victim: ModelSource, images: ImageBatch, options: ExtractOptions): Promise<AttackRecord> {
  return extract(victim, images, options, 'extract-l', {});
}

/**
 * Extract-P (knowledge distillation, METHODS.md §5): a student trained from scratch on
 * α·T²·KL(teacher ‖ student at temperature T) + (1 − α)·CE(student, teacher's top-1), the teacher
 * being the victim's logits for the attacker's images.
 */
export async function extractProbabilities(victim: ModelSource, images: ImageBatch, options: ExtractOptions & DistillationOptions): Promise<AttackRecord> {
  const { alpha, temperature, ...rest } = options;
  return extract(victim, images, rest, 'extract-p', { loss: distillation({ alpha, temperature }), params: { alpha, temperature } });
}
