import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, LineageError } from '../errors.js';
import { findColumn, parseCsv } from './csv.js';
import type { CropBox } from './decode.js';
import { loadImageFolder, type FolderOptions, type LoadedImages } from './folder.js';
import type { ImageSet } from './types.js';

/** Side of the deep-funneled LFW JPEGs; the face is centred in them. */
const LFW_SIDE = 250;

/**
 * Default face box for LFW: the centre 128×128 square, left/top 61 — the crop the shared dataset's
 * own 112×112 conversion used (Pillow box (61, 61, 189, 189)). It holds the face from brow to chin
 * with little background.
 */
export const LFW_FACE_BOX: CropBox = lfwCentreBox(128);

export interface LfwOptions extends FolderOptions {
  /**
   * Crop the face before resizing: true = LFW_FACE_BOX, a number = the centred square of that side
   * (e.g. 140 for a looser crop). Replaces `fit`. Without `size`, the crop is kept at its own size.
   */
  readonly faceCrop?: boolean | number;
}

/** One verification pair: indices into the loaded image set. */
export interface FacePair {
  readonly a: number;
  readonly b: number;
  readonly same: boolean;
  /** View-2 fold, 1-based. */
  readonly fold: number;
}

/** A pair as the protocol files name it: image paths relative to `jpg/`. */
export interface NamedPair {
  readonly fileA: string;
  readonly fileB: string;
  readonly same: boolean;
  readonly fold: number;
}

/** Centred square of `side` pixels inside a 250×250 deep-funneled LFW image. */
export function lfwCentreBox(side: number): CropBox {
  if (!Number.isInteger(side) || side < 1 || side > LFW_SIDE) {
    throw new LineageError(`LFW face crop must be 1..${LFW_SIDE} pixels, got ${side}`, 'use e.g. faceCrop 128 (the default box) or 140');
  }
  const offset = Math.floor((LFW_SIDE - side) / 2);
  return { left: offset, top: offset, width: side, height: side };
}

/**
 * Load LFW's `jpg/<Name>/<Name>_NNNN.jpg` tree: labels = identity, names = `Name/Name_NNNN.jpg`
 * (the paths `labels.csv` and the pairs files use), sorted by identity then image number.
 */
export async function loadLfw(dir: string, options: LfwOptions = {}): Promise<LoadedImages> {
  const { faceCrop, ...rest } = options;
  const fit = faceCrop === undefined || faceCrop === false ? rest.fit : { crop: faceCrop === true ? LFW_FACE_BOX : lfwCentreBox(faceCrop) };
  return loadImageFolder(join(dir, 'jpg'), { ...rest, ...(fit ? { fit } : {}) });
}

/**
 * The verification pairs of an LFW folder, as indices into `set` (loaded with loadLfw, possibly a
 * subset, or just its names). Reads `pairs_subset.csv` when present (it lists only pairs whose images are shipped),
 * else the official `pairs.txt`. Pairs with an image not in `set` are left out and counted.
 */
export async function loadLfwPairs(dir: string, set: Pick<ImageSet, 'names'>): Promise<{ pairs: FacePair[]; missing: number; source: string }> {
  const csvPath = join(dir, 'pairs_subset.csv');
  const txtPath = join(dir, 'pairs.txt');
  const csv = await readFile(csvPath, 'utf8').catch(() => undefined);
  let named: NamedPair[];
  let source: string;
  if (csv !== undefined) {
    named = parseLfwPairsCsv(csv, csvPath);
    source = csvPath;
  } else {
    const txt = await readFile(txtPath, 'utf8').catch((e: unknown) => {
      throw new LineageError(`no LFW pairs file in ${dir}: ${errorMessage(e)}`, 'put the official pairs.txt (or pairs_subset.csv) next to jpg/');
    });
    named = parseLfwPairsTxt(txt, txtPath);
    source = txtPath;
  }
  return { ...matchPairs(named, set.names), source };
}

/**
 * Parse the official LFW pairs format: a header `<folds> <pairs per half>` (or just `<pairs>` for
 * the one-fold View-1 files), then per fold that many same-person lines `Name i j` followed by that
 * many different-person lines `NameA i NameB j` (tab or space separated).
 */
export function parseLfwPairsTxt(text: string, file: string): NamedPair[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const header = (lines[0] ?? '').split(/\s+/).map(Number);
  const [folds, perHalf] = header.length === 1 ? [1, header[0]!] : [header[0]!, header[1]!];
  const bad = (why: string): LineageError => new LineageError(`${file} is not an LFW pairs file: ${why}`, 'use the official pairs.txt from the LFW site, unmodified');
  if (!Number.isInteger(folds) || !Number.isInteger(perHalf) || folds < 1 || perHalf < 1) throw bad(`header "${lines[0] ?? ''}"`);
  if (lines.length - 1 !== folds * perHalf * 2) throw bad(`${lines.length - 1} pair lines, header promises ${folds * perHalf * 2}`);
  return lines.slice(1).map((line, k) => {
    const f = line.split(/\s+/);
    const fold = Math.floor(k / (2 * perHalf)) + 1;
    const same = k % (2 * perHalf) < perHalf;
    if (same && f.length === 3) return { fileA: lfwFile(f[0]!, f[1]!), fileB: lfwFile(f[0]!, f[2]!), same, fold };
    if (!same && f.length === 4) return { fileA: lfwFile(f[0]!, f[1]!), fileB: lfwFile(f[2]!, f[3]!), same, fold };
    throw bad(`line ${k + 2} "${line}" should be ${same ? 'Name i j' : 'NameA i NameB j'}`);
  });
}

/** Parse `pairs_subset.csv` (columns fold, same (1/0), file_a, file_b; paths relative to jpg/). */
export function parseLfwPairsCsv(text: string, file: string): NamedPair[] {
  const table = parseCsv(text, file);
  const [fold, same, a, b] = ['fold', 'same', 'file_a', 'file_b'].map((c) => findColumn(table, [c]));
  if ([fold, same, a, b].some((at) => at! < 0)) {
    throw new LineageError(`${file} lacks one of the columns fold, same, file_a, file_b`, 'use the pairs_subset.csv shipped with the dataset');
  }
  return table.rows.map((row) => ({ fileA: row[a!]!, fileB: row[b!]!, same: row[same!] === '1', fold: Number(row[fold!]) }));
}

/** Map named pairs onto image indices by name; pairs with an image absent from `names` are counted, not kept. */
export function matchPairs(named: readonly NamedPair[], names: readonly string[]): { pairs: FacePair[]; missing: number } {
  const index = new Map(names.map((name, i) => [name, i]));
  const pairs: FacePair[] = [];
  for (const p of named) {
    const a = index.get(p.fileA);
    const b = index.get(p.fileB);
    if (a !== undefined && b !== undefined) pairs.push({ a, b, same: p.same, fold: p.fold });
  }
  return { pairs, missing: named.length - pairs.length };
}

/** `Name/Name_NNNN.jpg` for image number `n` of a person. */
function lfwFile(name: string, n: string): string {
  return `${name}/${name}_${n.padStart(4, '0')}.jpg`;
}
