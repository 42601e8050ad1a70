import { LineageError } from '../errors.js';
import type { Outputs } from '../models/types.js';
import { argmaxRows, normalizeRows } from '../stats/correlation.js';

/**
 * Agreement of a model's outputs with the victim's on the same images (the manifest's `fidelity`):
 * for embeddings the mean cosine of matching rows, for classifiers the share of equal top-1 labels.
 */
export function fidelity(victim: Outputs, model: Outputs, kind: 'embedding' | 'classification'): number {
  if (victim.rows !== model.rows || victim.cols !== model.cols) {
    throw new LineageError(`fidelity: outputs of ${victim.rows}×${victim.cols} and ${model.rows}×${model.cols} values cannot be compared`, 'compare a model with the victim it was derived from, on the same images');
  }
  if (kind === 'classification') {
    const [a, b] = [argmaxRows(victim), argmaxRows(model)];
    return a.reduce((agree, label, i) => agree + (label === b[i] ? 1 : 0), 0) / a.length;
  }
  const [a, b] = [normalizeRows(victim.data, victim.rows, victim.cols), normalizeRows(model.data, model.rows, model.cols)];
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k]! * b[k]!;
  return sum / victim.rows;
}
