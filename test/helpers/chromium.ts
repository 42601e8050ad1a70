import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Debian's Chromium; .ci/run installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/** `skip` option for a test that needs Chromium: false when it is installed, else why the test is skipped. */
export const chromiumSkip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed (apt-get install chromium): cannot check the rendering`;

/**
 * Runs headless Chromium on a local page and returns its stdout. The network flags matter on a
 * closed machine: without them Chromium keeps trying to reach Google's hosts. A fresh profile per
 * run keeps runs independent of each other.
 */
export async function headlessChromium(page: string, args: readonly string[]): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'lineage-chromium-'));
  try {
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
    const { stdout } = await promisify(execFile)(CHROMIUM, [...flags, ...args, `file://${page}`], { timeout: 60_000, maxBuffer: 64 << 20 });
    return stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
