import { LineageError } from '../../errors.js';
import { Random } from '../../util/random.js';
import type { Model } from '../types.js';
import { checkDefenceValue } from './parse.js';
import { outputDefence, requireOutputKind } from './defended.js';
import { applyMap, type LinearMap } from './linear-map.js';

/**
 * An API that returns a seeded random projection of the embedding to `dims` values (Gaussian
 * entries, variance 1/dims: lengths are kept on average, Johnson–Lindenstrauss).
 */
export function project(inner: Model, dims: number, seed: number): Model {
  checkDefenceValue('project', dims);
  requireOutputKind(inner, 'project', `project=${dims}`);
  let map: LinearMap | undefined;
  return outputDefence(inner, `project=${dims}`, (out) => {
    if (dims > out.cols) throw new LineageError(`defence project=${dims}: ${inner.source} returns only ${out.cols} values`, `project to ${out.cols} or fewer dimensions`);
    map ??= randomProjection(out.cols, dims, seed);
    return applyMap(out, map);
  });
}

export function randomProjection(rows: number, cols: number, seed: number): LinearMap {
  const random = new Random(seed);
  const sd = 1 / Math.sqrt(cols);
  return { data: Float64Array.from({ length: rows * cols }, () => sd * random.gaussian()), rows, cols };
}
