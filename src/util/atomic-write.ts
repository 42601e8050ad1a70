import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { LineageError, errorMessage } from '../errors.js';

/**
 * Write a file so that readers never see it half-written: write a temp file beside the target,
 * then rename it over the target (rename is atomic on one filesystem). On failure the temp file is
 * removed and an existing target is left untouched. A target that is read-only or a folder is
 * refused, not replaced; temp files that killed runs left beside it are removed first.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  await checkWritableTarget(path, 'file');
  const fail = (e: unknown) => new LineageError(`cannot write ${path}: ${errorMessage(e)}`, fileErrorHint(e));
  await makeFolders(dirname(path)).catch((e: unknown) => {
    throw e instanceof LineageError ? e : fail(e);
  });
  await removeStaleTemps(path);
  const { tmp } = tempSiblings(path);
  try {
    await writeFile(tmp, Array.isArray(data) ? Buffer.concat(data as Uint8Array[]) : (data as string | Uint8Array));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw fail(e);
  }
}

/**
 * mkdir -p that fails instead of hanging: Node 20's recursive mkdir loops forever where mkdir
 * answers ENOENT for a parent that exists (e.g. under /proc). Missing folders are made one by one.
 */
export async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  let d = dir;
  for (; !(await exists(d)) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
  if (!(await stat(d)).isDirectory()) {
    throw new LineageError(`cannot make folder ${dir}: ${d} is a file`, 'a file stands where a folder of the path should be: choose another path');
  }
  for (const d of missing) {
    await mkdir(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
}

/**
 * Names beside `target` for writing it whole: `tmp` to fill, `old` to move an existing folder aside
 * to. Both are hidden and recognisable — `.<name>.<pid>.<8 hex>.tmp|old` — so that a later run can
 * tell those of a killed process (removeStaleTemps) from those of a live one.
 */
export function tempSiblings(target: string): { readonly tmp: string; readonly old: string } {
  const stem = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  return { tmp: `${stem}.tmp`, old: `${stem}.old` };
}

/**
 * Remove what killed runs left beside `target` (see tempSiblings): their temp files and folders,
 * and folders moved aside — except that an `old` folder is moved back when the run died before its
 * replacement was in place, so a kill never loses the previous version. A process that is still
 * running keeps its temps.
 */
export async function removeStaleTemps(target: string): Promise<void> {
  const dir = dirname(target);
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(target))}\\.(\\d+)\\.[0-9a-f]{8}\\.(tmp|old)$`);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match || isRunning(Number(match[1]))) continue;
    const stale = join(dir, name);
    if (match[2] === 'old' && !(await exists(target))) await rename(stale, target);
    else await rm(stale, { recursive: true, force: true });
  }
}

/**
 * Refuse to replace an output that is not meant to be replaced: a read-only file (no write bit,
 * or not writable by this user) or, where a file is wanted, a folder. A missing target is fine.
 */
export async function checkWritableTarget(path: string, kind: 'file' | 'folder'): Promise<void> {
  const stats = await stat(path).catch(() => undefined);
  if (!stats) return;
  if (kind === 'file' && stats.isDirectory()) {
    throw new LineageError(`cannot write ${path}: it is a folder`, 'give a file name (e.g. inside that folder), or remove the folder');
  }
  if (kind === 'file' && !stats.isFile()) {
    throw new LineageError(`cannot write ${path}: it is not a regular file (a device, FIFO or socket), and is not replaced`, 'give the path of a new or regular file');
  }
  const writable = (stats.mode & 0o222) !== 0 && (await access(path, constants.W_OK).then(() => true, () => false));
  if (!writable) {
    throw new LineageError(`cannot write ${path}: it exists and is read-only, and is not replaced`,
      'choose another output path, or make the file writable (chmod u+w) if it may be replaced');
  }
}

/** A fix hint for a failed file operation, by its OS error code. */
export function fileErrorHint(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'a file or folder on that path does not exist: check the path';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full: free some space or write elsewhere';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'the folder is not writable: choose another output path';
    case 'EISDIR':
      return 'a folder stands where a file is expected: give a file path';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file stands where a folder of the path should be: choose another path';
    default:
      return 'check the output path, its permissions and the free disk space';
  }
}

/** Is process `pid` alive (on this machine)? */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const exists = (path: string) => access(path).then(() => true, () => false);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
