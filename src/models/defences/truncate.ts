import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { outputDefence, requireOutputKind } from './defended.js';
import { LineageError } from '../../errors.js';

/** An API that returns only the first `dims` values of the embedding. */
export function truncate(inner: Model, dims: number): Model {
  checkDefenceValue('truncate', dims);
  requireOutputKind(inner, 'truncate', `truncate=${dims}`);
  return outputDefence(inner, `truncate=${dims}`, (out) => {
    if (dims > out.cols) throw new LineageError(`defence truncate=${dims}: ${inner.source} returns only ${out.cols} values`, `use truncate=${out.cols} or fewer`);
    const data = new Float32Array(out.rows * dims);
    for (let r = 0; r < out.rows; r++) data.set(out.data.subarray(r * out.cols, r * out.cols + dims), r * dims);
    return { data, rows: out.rows, cols: dims };
  });
}
