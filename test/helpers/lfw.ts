import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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
