import { LineageError } from '../errors.js';

/**
 * A batch of 8-bit images, row-major NHWC, all the same size. `channels` is 3 (RGB order) or 1 (grey).
 * This is the one currency between data loaders, fingerprint sample sets and models: every model
 * adapter converts it to its own input (resize, channel order, layout, normalisation).
 */
export interface ImageBatch {
  readonly data: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
}

/** A labelled image collection: a batch plus one label (class or identity) and one name per image. */
export interface ImageSet extends ImageBatch {
  /** Class or identity label per image; undefined when the source has none (flat folder). */
  readonly labels?: readonly string[];
  /** Source name per image (file path relative to the dataset root, or a row id). */
  readonly names: readonly string[];
  /**
   * Class names by class index, when the source defines the order (e.g. meta.json `label_ids`).
   * Absent: classes are the sorted distinct labels (the ImageFolder convention).
   */
  readonly classNames?: readonly string[];
}

/** Bytes of image `i` inside a batch. */
export function imageAt(batch: ImageBatch, i: number): Uint8Array {
  const size = batch.height * batch.width * batch.channels;
  return batch.data.subarray(i * size, (i + 1) * size);
}

/** One batch holding the images of `first` then those of `second` (same size and channels). */
export function concatImages(first: ImageBatch, second: ImageBatch): ImageBatch {
  if (first.height !== second.height || first.width !== second.width || first.channels !== second.channels) {
    throw new LineageError(`cannot join ${first.height}×${first.width}×${first.channels} and ${second.height}×${second.width}×${second.channels} images in one batch`, 'resize both batches to one size first');
  }
  const data = new Uint8Array(first.data.length + second.data.length);
  data.set(first.data);
  data.set(second.data, first.data.length);
  return { data, count: first.count + second.count, height: first.height, width: first.width, channels: first.channels };
}

/** A new batch holding the images at `indices`, in that order. */
export function selectImages<T extends ImageBatch>(batch: T, indices: readonly number[]): ImageBatch {
  const size = batch.height * batch.width * batch.channels;
  const data = new Uint8Array(indices.length * size);
  indices.forEach((src, dst) => data.set(imageAt(batch, src), dst * size));
  return { data, count: indices.length, height: batch.height, width: batch.width, channels: batch.channels };
}
