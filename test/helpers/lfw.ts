import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadLfw } from '../../src/data/lfw.js';
import { selectImages, type ImageBatch } from '../../src/data/types.js';
import { classIndices } from '../../src/train/data.js';
import { REPO_ROOT } from './cli.js';

export const LFW = resolve(REPO_ROOT, '../shared/datasets/lfw');
/** `skip` option for tests that need LFW: false when it is there, else why the test is skipped. */
export const LFW_SKIP: string | false = existsSync(join(LFW, 'jpg')) ? false : `LFW not found at ${LFW}`;

/** The first `count` LFW images (whole identities), as a small LFW folder inside `dir`: fast to load. */
export async function miniLfw(dir: string, count: number): Promise<string> {
  const out = join(dir, 'lfw-mini');
  let copied = 0;
  for (const person of (await readdir(join(LFW, 'jpg'))).sort()) {
    if (copied >= count) break;
    await mkdir(join(out, 'jpg', person), { recursive: true });
    for (const file of await readdir(join(LFW, 'jpg', person))) {
      await copyFile(join(LFW, 'jpg', person, file), join(out, 'jpg', person, file));
      copied++;
    }
  }
  await writeFile(join(out, 'pairs.txt'), '');
  return out;
}

/**
 * `perPerson` LFW faces each of the first `people` identities (name order) with at least that many
 * images among the first `scan` images, centre-cropped to `size`×`size`, with 0-based identity labels.
 */
export async function lfwIdentityFaces(people: number, perPerson: number, size: number, scan = 300): Promise<{ images: ImageBatch; labels: Int32Array }> {
  const set = await loadLfw(LFW, { faceCrop: true, size: { height: size, width: size }, limit: scan });
  const counts = new Map<string, number>();
  set.labels!.forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1));
  const taken = new Map<string, number>();
  const rows: number[] = [];
  set.labels!.forEach((l, i) => {
    if (counts.get(l)! < perPerson || (taken.get(l) ?? 0) >= perPerson || (!taken.has(l) && taken.size >= people)) return;
    taken.set(l, (taken.get(l) ?? 0) + 1);
    rows.push(i);
  });
  if (rows.length !== people * perPerson) throw new Error(`only ${rows.length} LFW faces in the first ${scan} images`);
  return { images: selectImages(set, rows), labels: classIndices(rows.map((i) => set.labels![i]!)).indices };
}
