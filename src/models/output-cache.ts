import { createHash } from 'node:crypto';
import type { ImageBatch } from '../data/types.js';
import type { Model, Outputs } from './types.js';

/**
 * `model` with its outputs remembered per input batch: fingerprints that share their samples (a
 * kernel or output-mode sweep, SAC-m under a JPEG-severity sweep) query the model once. `queries`
 * counts every image asked for, cached or not — what a verification would cost against a real API.
 */
export function withOutputCache(model: Model, source = model.source): Model {
  const cache = new Map<string, Outputs>();
  let queries = 0;
  return {
    source,
    spec: model.spec,
    get queries() {
      return queries;
    },
    async predict(batch: ImageBatch): Promise<Outputs> {
      queries += batch.count;
      const key = batchKey(batch);
      const cached = cache.get(key);
      if (cached) return cached;
      const outputs = await model.predict(batch);
      cache.set(key, outputs);
      return outputs;
    },
    dispose: () => model.dispose(),
  };
}

function batchKey(b: ImageBatch): string {
  return `${b.count}x${b.height}x${b.width}x${b.channels}:${createHash('sha256').update(b.data).digest('hex')}`;
}
