// Errors the command line reports as one line: a UsageError (exit 2) is the caller's mistake in the
// command itself; anything else that escapes a command (missing file, bad data) exits 1.

export class UsageError extends Error {
  constructor(message: string, readonly command: string | null = null) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The one line shown for an error: the root cause's first line (a TaskError wraps the reader's own error). */
export function oneLine(err: unknown): string {
  let e: unknown = err;
  // A failed task's message names the task key and op; the user wants the cause (file, row, column).
  while (e instanceof Error && e.name === 'TaskError' && e.cause !== undefined) e = e.cause;
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.trim() || (e instanceof Error ? e.name : 'unknown error');
}
