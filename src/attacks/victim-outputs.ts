import type { ImageBatch } from '../data/types.js';
import type { Outputs } from '../models/types.js';
import { resizeBatch } from '../models/preprocess.js';
import { predictOutputs } from '../train/evaluate.js';
import { trainableCopy } from './model-source.js';
import type { ModelSource } from './types.js';

/**
 * What the victim answers for `images` (logits, inference mode) — the labels a model thief
 * collects — with the images as the victim saw them (resized to its input size).
 */
export async function queryVictim(victim: ModelSource, images: ImageBatch): Promise<{ images: ImageBatch; outputs: Outputs }> {
  const { model, spec } = typeof victim === 'string' ? await trainableCopy(victim) : victim;
  try {
    const resized = await resizeBatch(images, spec.height, spec.width);
    return { images: resized, outputs: predictOutputs(model, resized, spec) };
  } finally {
    if (typeof victim === 'string') model.dispose();
  }
}
