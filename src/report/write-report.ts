import { errorMessage, LineageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** Write a rendered report (temp file + rename, so a viewer never opens half a page). */
export async function writeReport(path: string, html: string): Promise<void> {
  await writeFileAtomic(path, html).catch((e: unknown) => {
    throw new LineageError(`cannot write report ${path}: ${errorMessage(e)}`, 'choose a writable output path');
  });
}
