// Where a DataFrame's partitions come from: in-memory batches, CSV byte ranges, Parquet row groups.
// A source describes partition i as one task (op + args) so reading runs inside whatever executor runs the graph.

import type { Schema } from 'apache-arrow';
import type { ComparisonOp, Literal } from '../expr.ts';

export interface PartitionTaskSpec {
  /** Registered op id, e.g. 'io.csv.read' (see src/ops.ts). */
  readonly op: string;
  /** Serialisable args; the op returns a RecordBatch (or a Promise of one). */
  readonly args: readonly unknown[];
}

export interface PartitionSource {
  /** Short name used in keys and explain(): 'from-arrow', 'read-csv'. */
  readonly name: string;
  /** Deterministic identity of the data and options (paths + sizes + mtimes + options for files). */
  readonly token: string;
  /** Full schema of what the source can produce. */
  readonly schema: Schema;
  readonly npartitions: number;
  /**
   * The task producing partition i with only `columns` (names in the order given; null = all columns).
   * Sources that cannot prune columns may read everything; the plan selects afterwards.
   */
  partitionTask(i: number, columns: readonly string[] | null): PartitionTaskSpec;
  /** True if partitionTask honours `columns` (the optimiser then pushes projections into the source). */
  readonly supportsProjection: boolean;
  /** One line for explain(): e.g. "read-csv 8 files, 42 partitions of 64 MiB". */
  describe(): string;
  /** The files this source reads (writers refuse to write over or around them). Absent: none. */
  inputFiles?(): readonly string[];
  /**
   * Optional predicate pushdown (optimize/predicate-pushdown.ts): the conjuncts `column op literal` of a
   * filter above this source. A source that can skip data with them (Parquet row-group statistics) returns
   * a narrower source; null means nothing could be skipped. The filter stays in the plan either way, so a
   * source only has to keep every partition that MAY hold a matching row.
   */
  withFilters?(filters: readonly SourceFilter[]): PartitionSource | null;
  /**
   * Optional: true only when the source can prove (statistics) that every row it yields satisfies every one
   * of `filters`; a filter made of exactly those conjuncts is then dropped from the plan. False when unsure.
   */
  allRowsMatch?(filters: readonly SourceFilter[]): boolean;
  /**
   * Optional: a task of this source failed because the data contradicts what the source inferred from
   * samples (a CSV value wider than its column's type, a quote in a file cut at plain newlines). Adapt for
   * every partition (widen the column, re-cut the file) and return a description of the change for
   * messages; return null when the error is not this source's or cannot be resolved. The run path then
   * prepares the graph again from the source's current state.
   * Must be idempotent: when several computes share the source, another one may already have made the
   * change (or a wider one); then change nothing and still return a description, so this run retries.
   */
  resolveConflict?(error: unknown): string | null;
}

/** One conjunct offered to a source: `column op value`, e.g. Year >= 2005. */
export interface SourceFilter {
  readonly column: string;
  readonly op: ComparisonOp;
  readonly value: Literal;
}
