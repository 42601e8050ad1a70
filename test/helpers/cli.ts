import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: CLI children run there so that `--import tsx` resolves. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI_ARGS = ['--import', 'tsx', 'src/cli/main.ts'];

export interface CliResult {
  /** Exit code; null when the child was killed (e.g. by the timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `lineage <args>` as a child process (the real CLI through tsx) and collect its output. */
export function runCli(args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI_ARGS, ...args], { cwd: REPO_ROOT, timeout: timeoutMs, env: cliEnv() }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Start `lineage <args>` and keep it running (for `lineage serve`); the caller kills it. */
export function startCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: REPO_ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** No debug stack traces, whatever the caller's environment says. */
function cliEnv(): NodeJS.ProcessEnv {
  const { LINEAGE_DEBUG: _debug, ...env } = process.env;
  return env;
}

/**
 * A clean user-facing failure: non-zero exit, no stack trace, and (warnings aside) exactly one
 * `error: ` line matching every pattern of `says`, optionally followed by one `fix: ` line.
 */
export function assertCleanError(result: CliResult, says: readonly RegExp[]): void {
  const shown = `exit ${result.code}\n--- stderr ---\n${result.stderr}--- stdout ---\n${result.stdout}`;
  assert.notEqual(result.code, 0, `expected a failure\n${shown}`);
  assert.notEqual(result.code, null, `the CLI was killed (timeout?)\n${shown}`);
  assert.doesNotMatch(result.stderr, /^\s+at /m, `stack trace on stderr\n${shown}`);
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('warning: '));
  assert.ok(lines.length === 1 || (lines.length === 2 && lines[1]!.startsWith('fix: ')),
    `expected one 'error:' line and at most one 'fix:' line\n${shown}`);
  assert.ok(lines[0]!.startsWith('error: '), `first line is not 'error: …'\n${shown}`);
  for (const pattern of says) assert.match(lines[0]!, pattern, `the error does not say ${pattern}\n${shown}`);
}

/** The URL `lineage serve` prints once it listens (`serving <model> at <url> …`). */
export function servedUrl(child: ChildProcess, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`lineage serve printed no URL within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /\bat (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lineage serve exited (${code}) before printing its URL\n${stderr}`));
    });
  });
}
