// Schema conflicts found while running: a source inferred a column's type from samples, and a partition
// holds a value that does not fit. Rather than give the column two types (Dask's "mismatched dtypes"),
// the source widens the type for every partition and compute() runs again from the start.
// Sources register a handler that recognises their conflict errors and widens their own schema.

/** Returns a description of the widening it made (for messages), or null if the error is not its conflict. */
export type ConflictHandler = (error: unknown) => string | null;

const handlers: ConflictHandler[] = [];

export function registerConflictHandler(handler: ConflictHandler): void {
  handlers.push(handler);
}

/** Try every handler on the error and its causes; the first that widens a schema wins. */
export function resolveConflict(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    for (const h of handlers) {
      const widened = h(e);
      if (widened !== null) return widened;
    }
  }
  return null;
}

/** A run that widens schemas and restarts on conflicts, at most `limit` times. */
export async function withSchemaRetry<T>(attempt: () => Promise<T>, limit = 16): Promise<T> {
  const widenings: string[] = [];
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      const widened = widenings.length < limit ? resolveConflict(e) : null;
      if (widened === null) {
        if (widenings.length > 0 && e instanceof Error) e.message += ` (after widening: ${widenings.join('; ')})`;
        throw e;
      }
      widenings.push(widened);
    }
  }
}
