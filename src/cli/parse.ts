import { LineageError } from '../errors.js';

/** An integer flag value, or a clear error naming the flag. */
export function intOption(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new LineageError(`${flag} must be an integer, got '${value}'`);
  return n;
}
