import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LineageError, errorMessage } from '../errors.js';

/**
 * Reading files that a model or data file names, or that sit in a folder the accused party may have
 * made (see README "Security"). Such a name must not lead outside its folder (`../`, an absolute
 * path, a symlink pointing out), and only regular files are read — a FIFO would block forever, a
 * device file (/dev/zero) would grow memory without end — with their size checked before reading.
 */

/**
 * `name` (as written inside a file of folder `dir`) resolved to a real path inside `dir` after
 * symlinks; a LineageError naming `what` when it leads outside. A missing file is left to the
 * reader (its error names the file), so a name that does not exist is returned as joined.
 */
export async function confinedPath(dir: string, name: string, what: string): Promise<string> {
  const outside = () => new LineageError(`${what} "${name}" leads outside its folder ${dir}`,
    'a model or data file may only name files inside its own folder: copy the file there and name it relative to the folder');
  const joined = path.resolve(dir, name);
  if (!isInside(path.resolve(dir), joined)) throw outside();
  let real: string;
  try {
    real = await realpath(joined);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return joined;
    throw new LineageError(`cannot read ${what} ${joined}: ${errorMessage(e)}`, 'check the file and its permissions');
  }
  if (!isInside(await realpath(dir), real)) throw outside();
  return real;
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** Byte counts a file must have: exactly, or at most. */
export interface SizeRule {
  readonly exactly?: number;
  readonly atMost?: number;
}

/**
 * Open a regular file for reading (never blocking on a FIFO) and check its size before anything is
 * read. Errors are LineageErrors naming `what` and the file; the caller closes the handle.
 */
export async function openRegularFile(file: string, what: string, size: SizeRule = {}): Promise<{ handle: FileHandle; bytes: number }> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new LineageError(`cannot read ${what} ${file}: ${errorMessage(e)}`, 'check the path and its permissions');
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      const kind = stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a FIFO' : stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : 'not a regular file';
      throw new LineageError(`${what} ${file} is ${kind}, not a regular file`, 'point at a regular file');
    }
    if (size.exactly !== undefined && stats.size !== size.exactly) {
      throw new LineageError(`${what} ${file} has ${stats.size} bytes, ${size.exactly} expected`, 'the file is truncated or not the one named: download or write it again');
    }
    if (size.atMost !== undefined && stats.size > size.atMost) {
      throw new LineageError(`${what} ${file} has ${stats.size} bytes, more than the ${size.atMost} allowed`, 'the file is not the kind expected here, or is damaged');
    }
    return { handle, bytes: stats.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** The whole of a regular file (see openRegularFile), checked against `size` before reading. */
export async function readRegularFile(file: string, what: string, size: SizeRule = {}): Promise<Buffer> {
  const { handle, bytes } = await openRegularFile(file, what, size);
  try {
    const data = Buffer.alloc(bytes);
    for (let at = 0; at < bytes; ) {
      const { bytesRead } = await handle.read(data, at, bytes - at, at);
      if (bytesRead === 0) throw new LineageError(`${what} ${file} shrank while it was read`, 'read it again when nothing writes to it');
      at += bytesRead;
    }
    return data;
  } catch (e) {
    if (e instanceof LineageError) throw e;
    throw new LineageError(`cannot read ${what} ${file}: ${errorMessage(e)}`, 'check the file and its permissions');
  } finally {
    await handle.close();
  }
}

/** Size caps for the small text files Lineage reads (JSON headers, CSV label lists, sidecars). */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;
export const MAX_SIDECAR_BYTES = 1024 * 1024;
