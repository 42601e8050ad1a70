import type { ImageSet } from '../../data/types.js';
import { selectImages } from '../../data/types.js';
import type { SampleSet } from '../types.js';

/** The samples at `indices` of a pool, with their names and labels. */
export function pickSamples(pool: ImageSet, indices: readonly number[]): SampleSet {
  return {
    images: selectImages(pool, indices),
    names: indices.map((i) => pool.names[i]!),
    ...(pool.labels ? { labels: indices.map((i) => pool.labels![i]!) } : {}),
  };
}

/** Class index of every image: by `classNames` when the source defines them, else sorted distinct labels. */
export function classIndices(pool: ImageSet): number[] | undefined {
  if (!pool.labels) return undefined;
  const names = pool.classNames ?? [...new Set(pool.labels)].sort();
  const index = new Map(names.map((name, i) => [name, i]));
  return pool.labels.map((label) => index.get(label) ?? -1);
}
