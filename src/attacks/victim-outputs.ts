import type { ImageBatch } from '../data/types.js';
import type { InputSpec, Outputs } from '../models/types.js';
import { resizeBatch } from '../models/preprocess.js';
import { predictOutputs } from '../train/evaluate.js';
import { trainableCopy } from './model-source.js';
import type { ModelSource } from './types.js';

/** The victim's answer (logits, inference mode) for images already at its input size. */
export type VictimAnswer = (images: ImageBatch) => Outputs;

/** The victim loaded for the length of `use` (a folder is loaded and disposed after; a live model is lent as is). */
export async function withVictim<T>(victim: ModelSource, use: (answer: VictimAnswer, spec: InputSpec) => Promise<T>): Promise<T> {
  const { model, spec } = typeof victim === 'string' ? await trainableCopy(victim) : victim;
  try {
    return await use((images) => predictOutputs(model, images, spec), spec);
  } finally {
    if (typeof victim === 'string') model.dispose();
  }
}

/**
 * What the victim answers for `images` — the labels a model thief collects — with the images as
 * the victim saw them (resized to its input size).
 */
export async function queryVictim(victim: ModelSource, images: ImageBatch): Promise<{ images: ImageBatch; outputs: Outputs }> {
  return withVictim(victim, async (answer, spec) => {
    const resized = await resizeBatch(images, spec.height, spec.width);
    return { images: resized, outputs: answer(resized) };
  });
}
