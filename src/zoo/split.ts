import { LineageError } from '../errors.js';
import { Random } from '../util/random.js';

/** Shares of every class (METHODS.md §5): defender → victim training, attacker → stealing and independent models, rest → held out. */
export interface SplitShares {
  readonly defender: number;
  readonly attacker: number;
  /** Share held out; default: all the rest (smaller shares make miniature zoos). */
  readonly heldOut?: number;
}

/** Dataset row indices of each part, ascending. */
export interface DataSplit {
  readonly defender: number[];
  readonly attacker: number[];
  /** Test accuracy, fidelity and fingerprint samples; no model of a zoo trains on these. */
  readonly heldOut: number[];
}

/**
 * The SAC-JC split, per class: the class's rows in a seeded order (so lossless and re-encoded rows,
 * or a source's own train/test parts, mix), the first ⌊defender·n⌋ to the defender, the next
 * ⌊attacker·n⌋ to the attacker, then ⌊heldOut·n⌋ (default: the rest) held out. Same labels, shares and seed → same split.
 */
export function splitByClass(labels: readonly string[], shares: SplitShares, seed: number): DataSplit {
  const { defender, attacker, heldOut = 1 - defender - attacker } = shares;
  if (!(defender > 0 && attacker > 0 && heldOut > 0 && defender + attacker + heldOut <= 1 + 1e-9)) {
    throw new LineageError(`invalid split shares: defender ${defender}, attacker ${attacker}`, 'use positive shares that sum to at most 1 and leave some images held out');
  }
  const byClass = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const rows = byClass.get(label);
    if (rows) rows.push(i);
    else byClass.set(label, [i]);
  });
  const random = new Random(seed);
  const split: DataSplit = { defender: [], attacker: [], heldOut: [] };
  for (const label of [...byClass.keys()].sort()) {
    const rows = random.shuffle(byClass.get(label)!);
    const d = Math.floor(defender * rows.length);
    const a = Math.floor(attacker * rows.length);
    const rest = rows.length - d - a;
    const h = shares.heldOut === undefined ? rest : Math.min(rest, Math.max(1, Math.floor(heldOut * rows.length)));
    if (d === 0 || a === 0 || h <= 0) {
      throw new LineageError(`class "${label}" has ${rows.length} images: too few to split ${defender}/${attacker}/rest`, 'use a dataset with more images per class, or other shares');
    }
    split.defender.push(...rows.slice(0, d));
    split.attacker.push(...rows.slice(d, d + a));
    split.heldOut.push(...rows.slice(d + a, d + a + h));
  }
  for (const part of Object.values(split)) part.sort((x: number, y: number) => x - y);
  return split;
}
