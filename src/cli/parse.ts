import { LineageError } from '../errors.js';
import { checkSeed } from '../util/random.js';

/** An integer flag value, or a clear error naming the flag. */
export function intOption(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new LineageError(`${flag} must be an integer, got '${value}'`);
  return n;
}

/** A --seed value: an integer the generator takes as it is (0..2^32 − 1), never wrapped. */
export function seedOption(value: string, flag = '--seed'): number {
  return checkSeed(intOption(value, flag), flag);
}
