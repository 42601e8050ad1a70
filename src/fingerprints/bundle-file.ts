import { createHash } from 'node:crypto';
import { LineageError } from '../errors.js';
import { readRegularFile } from '../util/confined-read.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * The portable container of a fingerprint: one file, a magic line, a JSON header that lists every
 * part with its offset, length and SHA-256, then the parts' bytes back to back.
 *
 *   "LINEAGE-BUNDLE\n" | u32 LE header length | header JSON (utf-8) | part 0 | part 1 | ...
 *
 * Reading checks every part's hash and refuses the file, naming the part, when one does not match.
 */
const MAGIC = Buffer.from('LINEAGE-BUNDLE\n', 'utf8');
/**
 * Version 2 = a SAC bundle with a public base (fingerprint --base): written only then, so that a
 * Lineage that would ignore the base refuses it; every other bundle is still written as version 1.
 */
export const BUNDLE_FORMAT_VERSION = 2;

interface PartEntry {
  name: string;
  offset: number;
  length: number;
  sha256: string;
}

interface Header {
  format: 'lineage-bundle';
  version: number;
  parts: PartEntry[];
}

export type Parts = ReadonlyMap<string, Uint8Array>;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function writeParts(path: string, parts: Parts, version = 1): Promise<void> {
  const entries: PartEntry[] = [];
  let offset = 0;
  for (const [name, bytes] of parts) {
    entries.push({ name, offset, length: bytes.byteLength, sha256: sha256(bytes) });
    offset += bytes.byteLength;
  }
  const header: Header = { format: 'lineage-bundle', version, parts: entries };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.byteLength);
  await writeFileAtomic(path, [MAGIC, length, headerBytes, ...parts.values()]);
}

export async function readParts(path: string): Promise<Map<string, Uint8Array>> {
  const file = await readRegularFile(path, 'fingerprint bundle');
  const notABundle = (why: string) =>
    new LineageError(`${path} is not a valid Lineage fingerprint bundle (${why})`, 'pass a file written by `lineage fingerprint`; if it was, it is damaged: re-create it');
  if (file.byteLength < MAGIC.byteLength + 4 || !file.subarray(0, MAGIC.byteLength).equals(MAGIC)) throw notABundle('bad magic bytes');
  const headerLength = file.readUInt32LE(MAGIC.byteLength);
  const bodyStart = MAGIC.byteLength + 4 + headerLength;
  if (bodyStart > file.byteLength) throw notABundle('truncated header');
  let header: Header;
  try {
    header = JSON.parse(file.subarray(MAGIC.byteLength + 4, bodyStart).toString('utf8')) as Header;
  } catch {
    throw notABundle('unreadable header');
  }
  if (header.format !== 'lineage-bundle' || !Array.isArray(header.parts)) throw notABundle('unknown header');
  if (header.version > BUNDLE_FORMAT_VERSION) {
    throw new LineageError(
      `${path} uses bundle format version ${header.version}; this Lineage reads up to version ${BUNDLE_FORMAT_VERSION}`,
      'upgrade Lineage',
    );
  }
  const parts = new Map<string, Uint8Array>();
  for (const part of header.parts) {
    const start = bodyStart + part.offset;
    if (!Number.isSafeInteger(part.offset) || !Number.isSafeInteger(part.length) || part.offset < 0 || part.length < 0) {
      throw notABundle(`part '${part.name}' has offset ${part.offset} and length ${part.length}`);
    }
    if (start + part.length > file.byteLength) throw notABundle(`part '${part.name}' is truncated`);
    const bytes = file.subarray(start, start + part.length);
    if (sha256(bytes) !== part.sha256) {
      throw new LineageError(
        `fingerprint bundle ${path} has been modified or corrupted: part '${part.name}' does not match its SHA-256`,
        'do not use this bundle as evidence; re-create it with `lineage fingerprint` from the victim model',
      );
    }
    parts.set(part.name, bytes);
  }
  return parts;
}
