import { createHash } from 'node:crypto';
import type { ImageBatch } from '../data/types.js';
import { imageAt, selectImages } from '../data/types.js';
import type { Model, Outputs } from './types.js';

/**
 * `model` with its output remembered per input image: fingerprints that share their samples (a
 * kernel or output-mode sweep, SAC-m under a JPEG-severity sweep, scan bundles made from the same
 * images) query the model once for each image, however the queries are cut into batches (the
 * adaptive chunks of predictAll differ from one pass to the next). `queries` counts every image
 * asked for, cached or not — what a verification would cost against a real API; `uncached` counts
 * the images the wrapped model was actually sent.
 */
export function withOutputCache(model: Model, source = model.source): Model & { readonly uncached: number } {
  const cache = new Map<string, Float32Array>();
  let queries = 0;
  let uncached = 0;
  return {
    source,
    spec: model.spec,
    get queries() {
      return queries;
    },
    get uncached() {
      return uncached;
    },
    async predict(batch: ImageBatch): Promise<Outputs> {
      queries += batch.count;
      const keys = Array.from({ length: batch.count }, (_, i) => imageKey(batch, i));
      // Each distinct image not seen before is sent once, in one call.
      const missing = [...new Map(keys.map((k, i) => [k, i])).entries()].filter(([k]) => !cache.has(k));
      if (missing.length > 0) {
        const out = await model.predict(selectImages(batch, missing.map(([, i]) => i)));
        uncached += missing.length;
        if (out.rows !== missing.length) return out; // the caller's row check names the fault
        missing.forEach(([k], r) => cache.set(k, out.data.slice(r * out.cols, (r + 1) * out.cols)));
      }
      const cols = cache.get(keys[0]!)?.length ?? 0;
      const data = new Float32Array(batch.count * cols);
      keys.forEach((k, i) => data.set(cache.get(k)!, i * cols));
      return { data, rows: batch.count, cols };
    },
    dispose: () => model.dispose(),
  };
}

function imageKey(b: ImageBatch, i: number): string {
  return `${b.height}x${b.width}x${b.channels}:${createHash('sha256').update(imageAt(b, i)).digest('base64')}`;
}
