/** What a training run learns from, and how it is checked and fitted to a model's input. */
import * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from '../data/types.js';
import { LineageError } from '../errors.js';
import { resizeBatch } from '../models/preprocess.js';
import type { InputSpec, Outputs } from '../models/types.js';

export interface TrainingData {
  /** 8-bit images, NHWC. */
  readonly images: ImageBatch;
  /** Class index per image (0-based), for cross-entropy. */
  readonly labels?: ArrayLike<number>;
  /** One row per image: teacher outputs (distillation, Extract-L) or target embeddings (regression). */
  readonly targets?: Outputs;
}

/** Class indices for string labels, classes in order of first appearance unless `classes` is given. */
export function classIndices(labels: readonly string[], classes?: readonly string[]): { indices: Int32Array; classes: string[] } {
  const list = classes ? [...classes] : [...new Set(labels)];
  const index = new Map(list.map((name, i) => [name, i]));
  const indices = Int32Array.from(labels, (label) => {
    const i = index.get(label);
    if (i === undefined) throw new LineageError(`label "${label}" is not one of the classes ${list.join(', ')}`, 'pass the full class list');
    return i;
  });
  return { indices, classes: list };
}

/** Check counts and ranges; `what` names the data set in messages. */
export function checkTrainingData(data: TrainingData, what: string, classes?: number): void {
  const { count } = data.images;
  if (count === 0) throw new LineageError(`${what} has no images`, 'give at least one image');
  if (data.images.data.length !== count * data.images.height * data.images.width * data.images.channels) {
    throw new LineageError(`${what}: pixel buffer size does not match ${count} images of ${data.images.height}×${data.images.width}×${data.images.channels}`, 'check how the images were loaded');
  }
  if (data.labels) {
    if (data.labels.length !== count) throw new LineageError(`${what} has ${data.labels.length} labels for ${count} images`, 'give one label per image');
    for (let i = 0; i < count; i++) {
      const label = data.labels[i]!;
      if (!Number.isInteger(label) || label < 0 || (classes !== undefined && label >= classes)) {
        throw new LineageError(`${what}: label ${label} of image ${i} is not a class index${classes !== undefined ? ` in 0..${classes - 1}` : ''}`, 'map labels to 0-based class indices (classIndices)');
      }
    }
  }
  if (data.targets && data.targets.rows !== count) {
    throw new LineageError(`${what} has ${data.targets.rows} target rows for ${count} images`, 'give one target row per image');
  }
}

/** The data with its images resized to the spec's size (unchanged when they already fit). */
export async function fitToSpec(data: TrainingData, spec: InputSpec): Promise<TrainingData> {
  const images = await resizeBatch(data.images, spec.height, spec.width);
  return images === data.images ? data : { ...data, images };
}

/**
 * Labels and target rows of images `indices`, as tensors (those the data has); `answered` (a
 * teacher's rows for exactly these images, in this order) replaces the data's targets.
 */
export function supervision(data: TrainingData, indices: readonly number[], answered?: Outputs): { labels?: tf.Tensor1D; targets?: tf.Tensor2D } {
  const out: { labels?: tf.Tensor1D; targets?: tf.Tensor2D } = {};
  if (data.labels) {
    const labels = data.labels;
    out.labels = tf.tensor1d(Int32Array.from(indices, (i) => labels[i]!), 'int32');
  }
  if (answered) {
    if (answered.rows !== indices.length) throw new LineageError(`the teacher answered ${answered.rows} rows for a batch of ${indices.length} images`, 'answer one row per image');
    out.targets = tf.tensor2d(answered.data, [answered.rows, answered.cols]);
  } else if (data.targets) {
    const { data: values, cols } = data.targets;
    const rows = new Float32Array(indices.length * cols);
    indices.forEach((i, k) => rows.set(values.subarray(i * cols, (i + 1) * cols), k * cols));
    out.targets = tf.tensor2d(rows, [indices.length, cols]);
  }
  return out;
}
