/** Inference-mode passes over a data set: raw outputs, and loss / accuracy for the training loop. */
import * as tf from '@tensorflow/tfjs';
import { selectImages, type ImageBatch } from '../data/types.js';
import { normalise } from '../models/preprocess.js';
import type { InputSpec, Outputs } from '../models/types.js';
import { supervision, type TrainingData } from './data.js';
import type { Loss } from './losses.js';

/** Batches of image indices [start, end). */
function* chunks(count: number, size: number): Generator<[number, number]> {
  for (let start = 0; start < count; start += size) yield [start, Math.min(count, start + size)];
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/** The model's input tensor for a batch already at the spec's size. */
export function inputTensor(batch: ImageBatch, spec: InputSpec): tf.Tensor4D {
  const channels = spec.channels === 'gray' ? 1 : 3;
  return tf.tensor4d(normalise(batch, spec), [batch.count, spec.height, spec.width, channels]);
}

/** Outputs of `model` (inference mode) for every image: one row per image. */
export function predictOutputs(model: tf.LayersModel, images: ImageBatch, spec: InputSpec, batchSize = 128): Outputs {
  let out: Float32Array | undefined;
  let cols = 0;
  for (const [start, end] of chunks(images.count, batchSize)) {
    const rows = tf.tidy(() => (model.predict(inputTensor(selectImages(images, range(start, end)), spec)) as tf.Tensor2D).dataSync());
    cols = rows.length / (end - start);
    out ??= new Float32Array(images.count * cols);
    out.set(rows, start * cols);
  }
  return { data: out!, rows: images.count, cols };
}

export interface Evaluation {
  /** Mean loss per image. */
  readonly loss: number;
  /** Share of images whose top output is their label (when the data has labels). */
  readonly accuracy?: number;
}

/** Loss and accuracy of `predict` (a model's inference-mode pass) on `data`, images already at the spec's size. */
export function evaluate(predict: (x: tf.Tensor4D) => tf.Tensor2D, data: TrainingData, spec: InputSpec, loss: Loss, batchSize = 128): Evaluation {
  let lossSum = 0;
  let correct = 0;
  for (const [start, end] of chunks(data.images.count, batchSize)) {
    const [batchLoss, batchCorrect] = tf.tidy(() => {
      const indices = range(start, end);
      const logits = predict(inputTensor(selectImages(data.images, indices), spec));
      const { labels, targets } = supervision(data, indices);
      const value = loss({ logits, labels, targets }).dataSync()[0]!;
      const hits = labels ? tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32')).dataSync()[0]! : 0;
      return [value, hits];
    });
    lossSum += batchLoss * (end - start);
    correct += batchCorrect;
  }
  const count = data.images.count;
  return { loss: lossSum / count, ...(data.labels ? { accuracy: correct / count } : {}) };
}
