import type { Outputs } from '../types.js';

/** A fixed linear map of embeddings: `rows` (input dims) × `cols` (output dims), row-major. */
export interface LinearMap {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** outputs · map: each output row (length map.rows) becomes a row of length map.cols. */
export function applyMap(outputs: Outputs, map: LinearMap): Outputs {
  const data = new Float32Array(outputs.rows * map.cols);
  for (let r = 0; r < outputs.rows; r++) {
    for (let i = 0; i < map.rows; i++) {
      const v = outputs.data[r * outputs.cols + i]!;
      if (v === 0) continue;
      for (let j = 0; j < map.cols; j++) data[r * map.cols + j]! += v * map.data[i * map.cols + j]!;
    }
  }
  return { data, rows: outputs.rows, cols: map.cols };
}
