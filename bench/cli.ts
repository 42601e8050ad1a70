/** The Lineage CLI as benchmark scripts run it: through tsx, from the repository root. */
import { spawn } from 'node:child_process';

export const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

/** Run `lineage <args>` to the end; resolves to its wall time in seconds (tsx start-up included). Its stderr is shown only on failure. */
export function cli(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - began) / 1000) : reject(new Error(`lineage ${args.join(' ')} exited ${code}:\n${err}`))));
  });
}
