import { LineageError } from '../errors.js';

/** Which images of a source to load: explicit `indices` (in that order), or the first `limit`. */
export interface RowSelection {
  readonly limit?: number;
  readonly indices?: readonly number[];
}

/** The source indices to load out of `total`, validated; `source` names the dataset in errors. */
export function selectRows(total: number, selection: RowSelection, source: string): number[] {
  const { limit, indices } = selection;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new LineageError(`limit must be a whole number ≥ 0, got ${limit}`, 'pass e.g. --limit 100');
  }
  if (indices) {
    const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= total);
    if (bad !== undefined) {
      throw new LineageError(`image index ${bad} is out of range: ${source} has ${total} images (0..${total - 1})`, 'use indices inside the dataset');
    }
    return indices.slice(0, limit ?? indices.length);
  }
  return Array.from({ length: Math.min(total, limit ?? total) }, (_, i) => i);
}
