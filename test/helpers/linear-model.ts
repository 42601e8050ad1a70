import type { ImageBatch } from '../../src/data/types.js';
import type { InputSpec, Model } from '../../src/models/types.js';
import { Random } from '../../src/util/random.js';

/** Side of the square RGB images the linear models read. */
export const LINEAR_SIDE = 8;
const DIMS = LINEAR_SIDE * LINEAR_SIDE * 3;

export const linearSpec: InputSpec = { height: LINEAR_SIDE, width: LINEAR_SIDE, channels: 'rgb', layout: 'nhwc', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], output: 0, outputKind: 'embedding', normalisationSource: 'override' };

export interface LinearModelOptions {
  /** Embedding size. */
  readonly outputs: number;
  /** Subtracted from every pixel before the projection (127.5: centred pixels). */
  readonly centre: number;
}

/**
 * A tiny "model" in memory, for tests: outputs = (Σ scale × a seeded Gaussian projection) of the
 * pixels. Related models share parts: a fine-tune of [[1, 1]] is [[1, 1], [2, 0.6]], a noisy copy
 * adds a small part.
 */
export function linearModel(source: string, parts: readonly (readonly [seed: number, scale: number])[], { outputs, centre }: LinearModelOptions): Model {
  const w = new Float64Array(outputs * DIMS);
  for (const [seed, scale] of parts) {
    const r = new Random(seed);
    for (let i = 0; i < w.length; i++) w[i] += scale * r.gaussian();
  }
  let queries = 0;
  return {
    source, spec: linearSpec,
    get queries() { return queries; },
    async dispose() {},
    async predict(batch: ImageBatch) {
      queries += batch.count;
      const data = new Float32Array(batch.count * outputs);
      for (let i = 0; i < batch.count; i++) {
        for (let k = 0; k < outputs; k++) {
          let s = 0;
          for (let p = 0; p < DIMS; p++) s += (batch.data[i * DIMS + p]! - centre) * w[k * DIMS + p]!;
          data[i * outputs + k] = s / DIMS;
        }
      }
      return { data, rows: batch.count, cols: outputs };
    },
  };
}
