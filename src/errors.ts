/**
 * A user-facing failure: what went wrong, with which thing, and how to fix it.
 * The CLI prints `error: <message>` (plus `fix: <hint>`) and exits non-zero, without a stack trace.
 */
export class LineageError extends Error {
  constructor(
    message: string,
    /** What the user can do about it. */
    readonly hint?: string,
    /** Process exit code used by the CLI. */
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'LineageError';
  }
}

export function isLineageError(e: unknown): e is LineageError {
  return e instanceof LineageError;
}

/** Message of any thrown value, for wrapping lower-level errors into a LineageError. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
