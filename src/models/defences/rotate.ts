import { Random } from '../../util/random.js';
import type { Model } from '../types.js';
import { outputDefence, requireOutputKind } from './defended.js';
import { applyMap, type LinearMap } from './linear-map.js';

/**
 * An API that returns its embeddings turned by a seeded random orthogonal matrix: cosines and
 * lengths are kept exactly, every coordinate changes.
 */
export function rotate(inner: Model, seed: number): Model {
  requireOutputKind(inner, 'rotate');
  let map: LinearMap | undefined;
  return outputDefence(inner, 'rotate', (out) => {
    map ??= randomRotation(out.cols, seed);
    return applyMap(out, map);
  });
}

/** Gram–Schmidt (modified, twice for accuracy) on a Gaussian matrix: uniformly random orthogonal rows. */
export function randomRotation(d: number, seed: number): LinearMap {
  const random = new Random(seed);
  const data = Float64Array.from({ length: d * d }, () => random.gaussian());
  const row = (i: number) => data.subarray(i * d, (i + 1) * d);
  for (let i = 0; i < d; i++) {
    const v = row(i);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        const u = row(j);
        let dot = 0;
        for (let k = 0; k < d; k++) dot += v[k]! * u[k]!;
        for (let k = 0; k < d; k++) v[k] = v[k]! - dot * u[k]!;
      }
    }
    const norm = Math.hypot(...v);
    for (let k = 0; k < d; k++) v[k] = v[k]! / norm;
  }
  return { data, rows: d, cols: d };
}
