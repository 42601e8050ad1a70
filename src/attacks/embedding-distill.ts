import type { ImageBatch } from '../data/types.js';
import { predictAll } from '../fingerprints/query.js';
import { resizeBatch } from '../models/preprocess.js';
import type { Model } from '../models/types.js';
import { regression } from '../train/losses.js';
import { trainFromScratch } from './from-scratch.js';
import type { FromScratchOptions } from './from-scratch.js';
import type { AttackRecord } from './types.js';

export interface EmbeddingDistillOptions extends Omit<FromScratchOptions, 'classes'> {
  /** The student's input side in pixels (square); the attacker's images are resized to it. */
  readonly size: number;
}

/**
 * Embedding distillation (METHODS.md §5, the face-verification analogue of Extract-P): a student of
 * `architecture` trained from scratch to regress the victim's embeddings of the attacker's images,
 * on 1 − cosine per image (verification compares embeddings by angle, not length). The victim is
 * any Model — ONNX file, TF.js model or HTTP endpoint — since a thief only needs its answers. The
 * student is saved as an embedding model, so every fingerprint method treats it as the victim's kind.
 */
export async function distillEmbeddings(victim: Model, images: ImageBatch, options: EmbeddingDistillOptions): Promise<AttackRecord> {
  const started = performance.now();
  const { size, ...rest } = options;
  const targets = await predictAll(victim, images, undefined, `querying ${victim.source}`);
  const student = await resizeBatch(images, size, size);
  const record = await trainFromScratch({ images: student, targets }, { ...rest, classes: targets.cols }, 'embedding-distill', {
    loss: regression('cosine'), params: { loss: 'cosine', size, victim: victim.source }, outputKind: 'embedding',
  });
  return { ...record, seconds: (performance.now() - started) / 1000 };
}
