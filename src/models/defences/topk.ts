import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { outputDefence, requireOutputKind, softmax } from './defended.js';

/** An API that returns the k most probable classes' softmax probabilities; every other class reads 0. */
export function topK(inner: Model, k: number): Model {
  checkDefenceValue('topk', k);
  requireOutputKind(inner, 'topk', `topk=${k}`);
  return outputDefence(inner, `topk=${k}`, (out) => {
    const probs = softmax(out);
    const data = new Float32Array(out.rows * out.cols);
    for (let r = 0; r < out.rows; r++) {
      const row = probs.data.subarray(r * out.cols, (r + 1) * out.cols);
      // Stable sort: equal probabilities keep class order, so the kept set is deterministic.
      const kept = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]!).slice(0, k);
      for (const c of kept) data[r * out.cols + c] = row[c]!;
    }
    return { data, rows: out.rows, cols: out.cols };
  });
}
