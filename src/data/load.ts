import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineageError } from '../errors.js';
import { Random } from '../util/random.js';
import { loadImageFolder, type LoadedImages } from './folder.js';
import { loadLfw, type LfwOptions } from './lfw.js';
import type { ImageSet } from './types.js';
import { loadU8Dataset, U8_IMAGES, U8_META } from './u8.js';

/** Options of every loader; each source uses the ones that apply to it (faceCrop: LFW only). */
export type LoadOptions = LfwOptions;

export type SourceKind = 'u8' | 'lfw' | 'folder';

/**
 * What kind of image source a directory is: `images.u8` + `meta.json` → the raw u8 format;
 * `jpg/` + `pairs.txt` → LFW; anything else → an image folder (class-per-folder or flat).
 */
export async function detectSource(path: string): Promise<SourceKind> {
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    throw new LineageError(`image source ${path} does not exist`, 'give a folder of images, a class-per-folder tree, an LFW folder, or a folder with images.u8 + meta.json');
  }
  if (!info.isDirectory()) {
    throw new LineageError(`image source ${path} is a file, not a folder`, 'give the folder that holds the images (or images.u8 + meta.json)');
  }
  const has = async (name: string, dir = false): Promise<boolean> => {
    const s = await stat(join(path, name)).catch(() => undefined);
    return s !== undefined && (dir ? s.isDirectory() : s.isFile());
  };
  if ((await has(U8_IMAGES)) && (await has(U8_META))) return 'u8';
  if ((await has('jpg', true)) && (await has('pairs.txt'))) return 'lfw';
  return 'folder';
}

/** Load images from any supported source (see detectSource). `warnings` lists what was skipped or ignored. */
export async function loadImages(path: string, options: LoadOptions = {}): Promise<LoadedImages> {
  const kind = await detectSource(path);
  if (kind === 'lfw') return loadLfw(path, options);
  const { faceCrop, ...rest } = options;
  if (faceCrop !== undefined) throw new LineageError(`faceCrop applies to LFW folders only, and ${path} is not one`, 'drop the face crop option, or use fit with a crop box');
  if (kind === 'folder') return loadImageFolder(path, rest);
  if (rest.fit !== undefined || rest.skipUnreadable !== undefined) {
    throw new LineageError(`${path} holds raw u8 images: fit and skipUnreadable do not apply`, 'drop those options for images.u8 datasets');
  }
  return { ...(await loadU8Dataset(path, rest)), warnings: [] };
}

export interface SampleOptions {
  /** Spread the choice over the labels round-robin (default true when the set has labels). */
  readonly balanced?: boolean;
}

/**
 * A deterministic choice of n image indices (all of them when n ≥ count), seeded.
 * Unlabelled or unbalanced: a seeded random subset. Balanced: labels are visited round-robin in a
 * seeded order, taking one unused image per label per visit — or two when there are at least half
 * as many labels as images wanted (identity data such as LFW), so that chosen identities come in
 * same-person pairs; labels with ≥ 2 images are visited first for the same reason.
 * The indices come back sorted ascending.
 */
export function sampleIndices(set: ImageSet, n: number, seed: number, options: SampleOptions = {}): number[] {
  if (!Number.isInteger(n) || n < 1) throw new LineageError(`number of samples must be a whole number ≥ 1, got ${n}`, 'pass e.g. -n 100');
  const rng = new Random(seed);
  const balanced = (options.balanced ?? true) && set.labels !== undefined;
  if (!balanced) return rng.permutation(set.count).slice(0, n).sort((a, b) => a - b);

  const groups = new Map<string, number[]>();
  set.labels!.forEach((label, i) => {
    const group = groups.get(label);
    if (group) group.push(i);
    else groups.set(label, [i]);
  });
  const shuffled = [...groups.keys()].sort().map((label) => rng.shuffle(groups.get(label)!));
  const order = rng.permutation(shuffled.length).map((k) => shuffled[k]!);
  const queues = [...order.filter((g) => g.length >= 2), ...order.filter((g) => g.length < 2)];
  const perVisit = queues.length * 2 >= n ? 2 : 1;
  const chosen: number[] = [];
  for (let round = 0; chosen.length < Math.min(n, set.count); round++) {
    for (const queue of queues) {
      const take = queue.slice(round * perVisit, (round + 1) * perVisit).slice(0, n - chosen.length);
      chosen.push(...take);
      if (chosen.length === n) break;
    }
  }
  return chosen.sort((a, b) => a - b);
}
