import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { errorMessage, LineageError } from '../errors.js';
import { decodeToBatch, type DecodeOptions } from './decode.js';
import { selectRows, type RowSelection } from './rows.js';
import type { ImageSet } from './types.js';

/** File extensions read as images (the formats sharp decodes); every other file is ignored. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

export interface FolderOptions extends DecodeOptions, RowSelection {
  /** Skip image files that fail to decode (reported in `warnings`) instead of failing (default false). */
  readonly skipUnreadable?: boolean;
}

/** An image set plus what the loader skipped or ignored, for the caller to show the user. */
export interface LoadedImages extends ImageSet {
  readonly warnings: readonly string[];
}

/** The image files of a folder tree, paths relative to its root, in sorted order. */
export interface FolderListing {
  readonly files: readonly string[];
  /** Class of every file (its top-level folder) for a class-per-folder tree; absent for a flat folder. */
  readonly labels?: readonly string[];
  /** Every class folder holding images, sorted: the class index order. */
  readonly classNames?: readonly string[];
  /** Image files found directly in the root of a class-per-folder tree, which have no class. */
  readonly unlabelled: readonly string[];
}

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/**
 * List a folder: class-per-folder (`root/<class>/…/<img>`, the ImageFolder convention, labels =
 * top-level folder names) when any subfolder holds images, else flat (`root/<img>`, no labels).
 * Hidden entries (starting with '.') and non-image files are ignored. Order: byte order of paths.
 */
export async function listImageFolder(root: string): Promise<FolderListing> {
  const entries = await readDir(root);
  const topImages = entries.filter((e) => e.isFile() && isImageFile(e.name)).map((e) => e.name);
  const classFiles: { label: string; files: string[] }[] = [];
  for (const dir of entries.filter((e) => e.isDirectory())) {
    const files = await imagesUnder(join(root, dir.name), dir.name);
    if (files.length > 0) classFiles.push({ label: dir.name, files });
  }
  if (classFiles.length === 0) return { files: topImages, unlabelled: [] };
  return {
    files: classFiles.flatMap((c) => c.files),
    labels: classFiles.flatMap((c) => c.files.map(() => c.label)),
    classNames: classFiles.map((c) => c.label),
    unlabelled: topImages,
  };
}

/** Load the images of a folder (see listImageFolder) into one set. */
export async function loadImageFolder(root: string, options: FolderOptions = {}): Promise<LoadedImages> {
  const listing = await listImageFolder(root);
  if (listing.files.length === 0) {
    throw new LineageError(
      `no image files in ${root} (looked for ${[...IMAGE_EXTENSIONS].join(' ')})`,
      'point at a folder of images, or at a folder with one subfolder of images per class',
    );
  }
  const rows = selectRows(listing.files.length, options, root);
  const names = rows.map((i) => listing.files[i]!);
  // Errors name the full path; the set's names stay relative to the root.
  const batch = await decodeToBatch(
    names.map((name) => join(root, name)),
    { ...options, skipUnreadable: true },
  );
  const warnings: string[] = [];
  if (batch.skipped.length > 0) {
    const first = batch.skipped[0]!.message;
    if (!options.skipUnreadable) {
      const more = batch.skipped.length > 1 ? ` (and ${batch.skipped.length - 1} more unreadable image files)` : '';
      throw new LineageError(`${first}${more}`, 'fix or delete the file (the library skips unreadable files with loadImages(..., { skipUnreadable: true }))');
    }
    const skippedNames = batch.skipped.map((s) => names[s.index]!);
    warnings.push(`skipped ${batch.skipped.length} unreadable image file(s) in ${root}: ${skippedNames.slice(0, 5).join(', ')}${skippedNames.length > 5 ? ', …' : ''}`);
  }
  if (batch.count === 0) throw new LineageError(`none of the image files in ${root} could be decoded`, 'check that the files are real images');
  if (listing.unlabelled.length > 0) {
    warnings.push(`ignored ${listing.unlabelled.length} image file(s) directly in ${root}: they are outside any class folder`);
  }
  return {
    data: batch.data,
    count: batch.count,
    height: batch.height,
    width: batch.width,
    channels: batch.channels,
    names: batch.kept.map((k) => names[k]!),
    ...(listing.labels ? { labels: batch.kept.map((k) => listing.labels![rows[k]!]!) } : {}),
    ...(listing.classNames ? { classNames: listing.classNames } : {}),
    warnings,
  };
}

/** Image files anywhere under `dir`, as paths prefixed with `prefix`, sorted. */
async function imagesUnder(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readDir(dir)) {
    const rel = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await imagesUnder(join(dir, entry.name), rel)));
    else if (entry.isFile() && isImageFile(entry.name)) out.push(rel);
  }
  return out;
}

/** Visible directory entries in byte order of their names. */
async function readDir(dir: string) {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    throw new LineageError(`cannot read folder ${dir}: ${errorMessage(e)}`, 'check the path and its permissions');
  }
}
