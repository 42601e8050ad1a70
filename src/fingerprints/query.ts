import type { ImageBatch } from '../data/types.js';
import { selectImages } from '../data/types.js';
import { LineageError } from '../errors.js';
import type { Model, Outputs } from '../models/types.js';
import type { ProgressFn } from './types.js';

/**
 * Images per predict call adapt to the model's speed: each call should take about TARGET_MS, so a
 * slow model (or endpoint) still shows progress while a fast one is not cut into tiny batches.
 */
const FIRST_CHUNK = 8;
const MAX_CHUNK = 256;
const TARGET_MS = 500;

export async function predictAll(model: Model, batch: ImageBatch, onProgress?: ProgressFn, stage = 'querying'): Promise<Outputs> {
  const parts: Outputs[] = [];
  onProgress?.({ stage, done: 0, total: batch.count });
  let chunk = FIRST_CHUNK;
  for (let start = 0; start < batch.count; ) {
    const indices = Array.from({ length: Math.min(chunk, batch.count - start) }, (_, i) => start + i);
    const began = performance.now();
    const out = await model.predict(selectImages(batch, indices));
    const msPerImage = Math.max((performance.now() - began) / indices.length, 1e-3);
    if (out.rows !== indices.length) {
      throw new LineageError(`${model.source} returned ${out.rows} outputs for ${indices.length} images`, 'check that the model (or endpoint) returns one output vector per input image');
    }
    if (parts.length > 0 && out.cols !== parts[0]!.cols) {
      throw new LineageError(`${model.source} changed its output size from ${parts[0]!.cols} to ${out.cols}`, 'select one fixed output with --output');
    }
    parts.push(out);
    onProgress?.({ stage, done: start + indices.length, total: batch.count });
    chunk = Math.max(1, Math.min(MAX_CHUNK, Math.round(TARGET_MS / msPerImage)));
    start += indices.length;
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
