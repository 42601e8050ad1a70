import { LineageError } from '../errors.js';

/** Largest seed a Random takes as given: its state is 32 bits, so larger seeds would wrap around. */
export const MAX_SEED = 2 ** 32 - 1;

/** `seed` when it is a whole number in 0..MAX_SEED; else a LineageError naming `what` (e.g. '--seed'). */
export function checkSeed(seed: number, what = 'seed'): number {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new LineageError(`${what} must be a whole number from 0 to ${MAX_SEED} (2^32 − 1), got ${seed}`,
      'seeds are 32-bit: a larger one would silently act as a different seed than the one recorded');
  }
  return seed;
}

/**
 * Seeded pseudo-random numbers (mulberry32). Every random choice in Lineage goes through one of
 * these so that the same command with the same seed gives the same numbers. User seeds are checked
 * with checkSeed; seeds derived from them (seed × 1000 + k) may exceed MAX_SEED and keep their low 32 bits.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  gaussian(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}
