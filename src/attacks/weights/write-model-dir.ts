import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineageError } from '../../errors.js';
import { removeStaleTemps, tempSiblings } from '../../util/atomic-write.js';

/**
 * Write a model directory (file name → contents) so that readers never see half of it: fill a
 * temp directory beside `dir`, then rename it into place. An existing `dir` is replaced only when it
 * is itself a model directory (holds `marker`), so a mistyped path never wipes unrelated files.
 */
export async function writeModelDirectory(dir: string, files: ReadonlyMap<string, string | Uint8Array>, marker = 'model.json'): Promise<void> {
  await removeStaleTemps(dir);
  const { tmp, old } = tempSiblings(dir);
  const existing = await exists(dir);
  if (existing && !(await exists(join(dir, marker)))) {
    throw new LineageError(`${dir} exists and is not a model directory`, 'choose a new output path, or remove that directory');
  }
  let movedAside = false;
  try {
    await mkdir(tmp, { recursive: true });
    for (const [name, contents] of files) await writeFile(join(tmp, name), contents);
    if (existing) {
      await rename(dir, old);
      movedAside = true;
    }
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (movedAside) await rename(old, dir);
    throw e;
  }
  await rm(old, { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
