import type { ImageSet } from '../../data/types.js';
import { LineageError } from '../../errors.js';
import type { Model } from '../../models/types.js';
import { argmaxRows, normalizeRows } from '../../stats/correlation.js';
import { Random } from '../../util/random.js';
import { predictAll } from '../query.js';
import type { ProgressFn, SampleSet } from '../types.js';
import { classIndices, pickSamples } from './pool.js';

/**
 * SAC-w: N normal images the victim gets wrong. Classifiers: the first N (in seeded order) whose
 * argmax differs from the true class. Embedding models (ours): the first N probe images whose
 * nearest gallery identity (cosine, one gallery image per identity) is not their own.
 */
export async function wrongSamples(pool: ImageSet, victim: Model, n: number, seed: number, onProgress?: ProgressFn): Promise<SampleSet> {
  if (!pool.labels) {
    throw new LineageError('SAC-w needs labelled data (classes or identities) to find the images the victim gets wrong', 'point --data at a class-per-folder tree, a u8 dataset with labels.csv, or LFW; or use --method sac-jc');
  }
  const order = new Random(seed).permutation(pool.count);
  const wrong = victim.spec.outputKind === 'embedding'
    ? await misidentified(pool, victim, order, onProgress)
    : await misclassified(pool, victim, order, onProgress);
  if (wrong.length < n) {
    throw new LineageError(
      `SAC-w found only ${wrong.length} images that ${victim.source} gets wrong among ${pool.count}; ${n} are needed`,
      'give more labelled data with --data, or lower --samples',
    );
  }
  return pickSamples(pool, wrong.slice(0, n));
}

async function misclassified(pool: ImageSet, victim: Model, order: number[], onProgress?: ProgressFn): Promise<number[]> {
  const truth = classIndices(pool)!;
  const predicted = argmaxRows(await predictAll(victim, pick(pool, order), onProgress, 'finding misclassified samples'));
  return order.filter((image, k) => predicted[k] !== truth[image]);
}

async function misidentified(pool: ImageSet, victim: Model, order: number[], onProgress?: ProgressFn): Promise<number[]> {
  const byIdentity = new Map<string, number[]>();
  for (const i of order) byIdentity.set(pool.labels![i]!, [...(byIdentity.get(pool.labels![i]!) ?? []), i]);
  const withProbes = [...byIdentity.values()].filter((images) => images.length >= 2);
  const gallery = withProbes.map((images) => images[0]!);
  const probes = order.filter((i) => withProbes.some((images) => images.indexOf(i) > 0));
  if (gallery.length < 2) {
    throw new LineageError('SAC-w on an embedding model needs at least two identities with two or more images each', 'use a face dataset such as LFW, or --method sac-jc');
  }
  const all = [...gallery, ...probes];
  const out = await predictAll(victim, pick(pool, all), onProgress, 'finding misidentified samples');
  const unit = normalizeRows(out.data, out.rows, out.cols);
  const d = out.cols;
  return probes.filter((image, p) => {
    const row = (gallery.length + p) * d;
    let best = -Infinity;
    let bestIdentity = -1;
    for (let g = 0; g < gallery.length; g++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += unit[row + k]! * unit[g * d + k]!;
      if (dot > best) [best, bestIdentity] = [dot, g];
    }
    return pool.labels![gallery[bestIdentity]!] !== pool.labels![image];
  });
}

const pick = (pool: ImageSet, indices: number[]) => pickSamples(pool, indices).images;
