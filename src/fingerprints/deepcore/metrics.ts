import { LineageError } from '../../errors.js';

/**
 * DeepCore's metrics (METHODS.md §6): missed identification rate = stolen models called independent
 * / stolen models; false identification rate = independent models called stolen / independent models.
 * A rate whose group is empty is NaN.
 */
export function identificationRates(calledStolen: readonly boolean[], actuallyStolen: readonly boolean[]): { missed: number; falseIdentification: number } {
  if (calledStolen.length !== actuallyStolen.length) {
    throw new LineageError(`${calledStolen.length} verdicts for ${actuallyStolen.length} models`, 'give one verdict per model, in the same order as the truth');
  }
  const stolen = actuallyStolen.filter(Boolean).length;
  const independent = actuallyStolen.length - stolen;
  const missed = actuallyStolen.filter((s, i) => s && !calledStolen[i]).length;
  const falseIds = actuallyStolen.filter((s, i) => !s && calledStolen[i]).length;
  return { missed: missed / stolen, falseIdentification: falseIds / independent };
}
