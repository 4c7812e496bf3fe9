// Schema conflicts found while running: a source inferred something from samples (a CSV column's type,
// where rows start), and a partition proved it wrong. Rather than give a column two types (Dask's
// "mismatched dtypes"), the source adapts for every partition and the run path (run-path.ts) prepares
// the graph again from the source's current state and restarts. Each source recognises its own conflicts
// (PartitionSource.resolveConflict): no global registry.

import type { PartitionSource } from './source.ts';

/** Ask the sources of a run about the error and its causes; the first that resolves it wins. */
export function resolveConflict(error: unknown, sources: readonly PartitionSource[]): string | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    for (const s of sources) {
      const change = s.resolveConflict?.(e) ?? null;
      if (change !== null) return change;
    }
  }
  return null;
}

/** Restarts allowed per run: each one follows a real change of some source (a widening or a re-cut). */
export const MAX_SCHEMA_RESTARTS = 16;
