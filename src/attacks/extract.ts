import { selectImages, type ImageBatch } from '../data/types.js';
import { LineageError } from '../errors.js';
import { predictAll } from '../fingerprints/query.js';
import { resizeBatch } from '../models/preprocess.js';
import type { Model } from '../models/types.js';
import type { TrainingData } from '../train/data.js';
import { distillation, type DistillationOptions, type Loss } from '../train/losses.js';
import { argmaxRows } from '../stats/correlation.js';
import type { ArchitectureName } from '../train/architectures.js';
import { readTrainedSpec } from '../train/save.js';
import { trainFromModel, trainFromScratch, type FromScratchOptions } from './from-scratch.js';
import type { AttackRecord, ModelSource } from './types.js';
import { queryVictim, withVictim, type VictimAnswer } from './victim-outputs.js';

/**
 * How the thief queries the victim: 'once' labels the attacker's images once (one query each);
 * 'every-batch' sends the victim every augmented image the student trains on (one query per image
 * per epoch), which makes a far more faithful student for the same attacker images.
 */
export type VictimQueries = 'once' | 'every-batch';

/**
 * Who answers the thief: a trainable model (a folder or a live tf.layers model), or any loaded
 * Model — an ONNX file, a TF.js graph model, an HTTP endpoint — which answers asynchronously, so it
 * labels the attacker's images once.
 */
export type ExtractVictim = ModelSource | Model;

/**
 * The student: a fresh seeded network of `architecture`, or `start`, a trained model (e.g. a public
 * one of the same task) whose layers, weights and input spec the student starts from; its output
 * size must be the victim's.
 */
export type StudentInit = { readonly architecture: ArchitectureName; readonly start?: never } | { readonly start: ModelSource; readonly architecture?: never };

export type ExtractOptions = Omit<FromScratchOptions, 'classes' | 'architecture'> & StudentInit & ExtractQueries;

interface ExtractQueries {
  /** Default 'once'. */
  readonly queries?: VictimQueries;
  /**
   * The student's input side in pixels (square); default the victim's input size. The victim
   * answers at its own size first, so a different side needs 'once' queries. A `start` model trains at its own input size.
   */
  readonly size?: number;
}

/** The attacker's images (at the victim's input size) labelled with the victim's top-1 class, and the victim's class count. */
export async function labelWithVictim(victim: ModelSource, images: ImageBatch): Promise<{ data: TrainingData & { labels: Int32Array }; classes: number }> {
  const answers = await queryVictim(victim, images);
  return { data: { images: answers.images, labels: argmaxRows(answers.outputs) }, classes: answers.outputs.cols };
}

const isModel = (victim: ExtractVictim): victim is Model => typeof victim !== 'string' && 'predict' in victim;

/** A student trained from scratch on the victim's answers for the attacker's images, learning from them through `loss`. */
async function extract(
  victim: ExtractVictim, images: ImageBatch, options: ExtractOptions, attack: string,
  how: { readonly loss?: Loss; readonly params?: Readonly<Record<string, unknown>> },
): Promise<AttackRecord> {
  const started = performance.now();
  const { queries = 'once', architecture, start, size: side, ...rest } = options;
  if (start && side !== undefined) throw new LineageError('a student that starts from a trained model trains at that model\'s input size', 'drop size');
  // The student's input size: the start model's own, or `size` (square); undefined: the victim's.
  const startSpec = start && (typeof start === 'string' ? await readTrainedSpec(start) : start.spec);
  const size = startSpec ? { height: startSpec.height, width: startSpec.width } : side !== undefined ? { height: side, width: side } : undefined;
  const everyBatch = queries === 'every-batch';
  const train = async (data: TrainingData, classes: number, victimQueries: number, teacher?: VictimAnswer): Promise<AttackRecord> => {
    const extras = {
      ...(how.loss ? { loss: how.loss } : {}),
      ...(teacher ? { teacher } : {}),
      params: { ...how.params, queries, victimQueries, ...(size ? { size: size.height } : {}) },
    };
    const record = start ? await trainFromModel(start, data, { ...rest, classes }, attack, extras) : await trainFromScratch(data, { ...rest, architecture: architecture!, classes }, attack, extras);
    return { ...record, seconds: (performance.now() - started) / 1000 };
  };
  const studentImages = (resized: ImageBatch) => (size ? resizeBatch(resized, size.height, size.width) : resized);
  if (isModel(victim)) {
    if (everyBatch) {
      throw new LineageError(`extraction from ${victim.source} cannot query it on every batch: it answers asynchronously`, "use queries 'once', or give the victim as a trainable model folder");
    }
    const outputs = await predictAll(victim, images, undefined, `querying ${victim.source}`);
    return train({ images: await studentImages(images), targets: outputs }, outputs.cols, images.count);
  }
  return withVictim(victim, async (answer, spec) => {
    const resized = await resizeBatch(images, spec.height, spec.width);
    if (everyBatch && size && (size.height !== spec.height || size.width !== spec.width)) {
      throw new LineageError(`an every-batch student must train at the victim's input size (${spec.height}×${spec.width}), not ${size.height}×${size.width}`, start ? "use queries 'once': a start model trains at its own input size" : "drop size, or use queries 'once'");
    }
    // Every batch is answered afresh in 'every-batch' mode: one image tells the class count.
    const outputs = answer(everyBatch ? selectImages(resized, [0]) : resized);
    const data: TrainingData = everyBatch ? { images: resized } : { images: await studentImages(resized), targets: outputs };
    return train(data, outputs.cols, everyBatch ? 1 + rest.training.epochs * resized.count : resized.count, everyBatch ? answer : undefined);
  });
}

/**
 * Extract-L (METHODS.md §5): a student of `architecture` trained from scratch on the attacker's
 * images labelled with the victim's top-1 class (cross-entropy). The attacker's own labels are not used.
 */
export async function extractLabels(victim: ExtractVictim, images: ImageBatch, options: ExtractOptions): Promise<AttackRecord> {
  return extract(victim, images, options, 'extract-l', {});
}

/**
 * Extract-P (knowledge distillation, METHODS.md §5): a student trained from scratch on
 * α·T²·KL(teacher ‖ student at temperature T) + (1 − α)·CE(student, teacher's top-1), the teacher
 * being the victim's logits for the attacker's images.
 */
export async function extractProbabilities(victim: ExtractVictim, images: ImageBatch, options: ExtractOptions & DistillationOptions): Promise<AttackRecord> {
  const { alpha, temperature, ...rest } = options;
  return extract(victim, images, rest, 'extract-p', { loss: distillation({ alpha, temperature }), params: { alpha, temperature } });
}
