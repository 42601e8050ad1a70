import type { ImageBatch } from '../data/types.js';
import { selectImages } from '../data/types.js';
import { LineageError } from '../errors.js';
import type { Model, Outputs } from '../models/types.js';
import type { ProgressFn } from './types.js';

/** Images per predict call: small enough for smooth progress, large enough for batching inside. */
const CHUNK = 128;

/**
 * All outputs of `model` on `batch`, in order, queried chunk by chunk (progress after each), and
 * checked: one finite row per image, the same width throughout.
 */
export async function predictAll(model: Model, batch: ImageBatch, onProgress?: ProgressFn, stage = 'querying'): Promise<Outputs> {
  const parts: Outputs[] = [];
  onProgress?.({ stage, done: 0, total: batch.count });
  for (let start = 0; start < batch.count; start += CHUNK) {
    const indices = Array.from({ length: Math.min(CHUNK, batch.count - start) }, (_, i) => start + i);
    const out = await model.predict(selectImages(batch, indices));
    if (out.rows !== indices.length) {
      throw new LineageError(`${model.source} returned ${out.rows} outputs for ${indices.length} images`, 'check that the model (or endpoint) returns one output vector per input image');
    }
    if (parts.length > 0 && out.cols !== parts[0]!.cols) {
      throw new LineageError(`${model.source} changed its output size from ${parts[0]!.cols} to ${out.cols}`, 'select one fixed output with --output');
    }
    parts.push(out);
    onProgress?.({ stage, done: start + indices.length, total: batch.count });
  }
  const cols = parts[0]?.cols ?? 0;
  const data = new Float32Array(batch.count * cols);
  parts.reduce((offset, part) => (data.set(part.data, offset), offset + part.data.length), 0);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new LineageError(
      `${model.source} produced a non-finite output (${data[bad]}) for sample ${Math.floor(bad / cols)}`,
      'the model is broken or fed the wrong input range; check --range/--mean/--std and that the file is intact',
    );
  }
  return { data, rows: batch.count, cols };
}
