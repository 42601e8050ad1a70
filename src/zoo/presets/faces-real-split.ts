import { LineageError } from '../../errors.js';
import { Random } from '../../util/random.js';

/**
 * Who owns which faces in the faces-real zoos, as dataset row indices (ascending). No identity is in
 * two parts: the owner fine-tunes on `owner`, every thief on `thief`, every sibling on part of
 * `sibling`; `heldOut` (fingerprint faces, fidelity and verification pairs) trains no model.
 */
export interface FaceIdentitySplit {
  readonly heldOut: number[];
  readonly owner: number[];
  readonly thief: number[];
  readonly sibling: number[];
}

/** A verification pair, as row indices. */
export interface RowPair {
  readonly a: number;
  readonly b: number;
}

/**
 * Split a face dataset by identity, seeded. Identities that appear together in a verification pair
 * are kept together and go to the held-out part as one block, in a seeded order, until it holds
 * `heldOutShare` of the images: so every pair of a held-out face is a held-out pair (random
 * identities would keep only ~share² of the different-person pairs). The other identities are
 * dealt in a seeded order, each to whichever of owner, thief and sibling holds the fewest images.
 */
export function splitFaceIdentities(labels: readonly string[], pairs: readonly RowPair[], seed: number, heldOutShare: number): FaceIdentitySplit {
  if (!(heldOutShare > 0 && heldOutShare < 1)) {
    throw new LineageError(`held-out share must be between 0 and 1, got ${heldOutShare}`, 'use e.g. 0.4');
  }
  const rowsOf = new Map<string, number[]>();
  labels.forEach((label, row) => {
    const rows = rowsOf.get(label);
    if (rows) rows.push(row);
    else rowsOf.set(label, [row]);
  });
  const blocks = identityBlocks([...rowsOf.keys()].sort(), pairs.map((p) => [labels[p.a]!, labels[p.b]!] as const));
  const random = new Random(seed);
  const heldOut: string[] = [];
  let heldOutImages = 0;
  const rest: string[] = [];
  for (const block of random.shuffle(blocks)) {
    if (heldOutImages < heldOutShare * labels.length) {
      heldOut.push(...block);
      heldOutImages += block.reduce((n, id) => n + rowsOf.get(id)!.length, 0);
    } else {
      rest.push(...block);
    }
  }
  const parts = { owner: [] as string[], thief: [] as string[], sibling: [] as string[] };
  const images = { owner: 0, thief: 0, sibling: 0 };
  for (const id of random.shuffle(rest)) {
    const part = (['owner', 'thief', 'sibling'] as const).reduce((a, b) => (images[b] < images[a] ? b : a));
    parts[part].push(id);
    images[part] += rowsOf.get(id)!.length;
  }
  const rows = (ids: readonly string[]) => ids.flatMap((id) => rowsOf.get(id)!).sort((x, y) => x - y);
  const split = { heldOut: rows(heldOut), owner: rows(parts.owner), thief: rows(parts.thief), sibling: rows(parts.sibling) };
  const empty = Object.entries(split).filter(([, r]) => r.length === 0).map(([name]) => name);
  if (empty.length > 0) {
    throw new LineageError(`${rowsOf.size} identities are too few to split: no faces for ${empty.join(', ')}`, 'use a face dataset with more identities');
  }
  return split;
}

/** Identities joined (transitively) by a pair form one block; blocks in order of their first identity. */
function identityBlocks(identities: readonly string[], links: readonly (readonly [string, string])[]): string[][] {
  const parent = new Map(identities.map((id) => [id, id]));
  const root = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(id, r);
    return r;
  };
  for (const [a, b] of links) {
    const [ra, rb] = [root(a), root(b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  const blocks = new Map<string, string[]>();
  for (const id of identities) {
    const r = root(id);
    const block = blocks.get(r);
    if (block) block.push(id);
    else blocks.set(r, [id]);
  }
  return [...blocks.values()];
}
