// CsvSource: the PartitionSource behind readCsv. It holds only plain data (files, byte ranges, the resolved
// schema as kinds), so partitionTask(i, columns) is a JSON plan for op 'io.csv.read' in any worker.

import { Field, Schema } from 'apache-arrow';
import type { PartitionSource, PartitionTaskSpec } from '../../collections/source.ts';
import { arrowType, type ColumnKind } from './builders.ts';
import type { Dialect } from './dialect.ts';
import type { EncodingErrors } from './encoding.ts';
import { CsvBoundaryConflict, CsvOptionError, CsvTypeConflict } from './errors.ts';
import { exactRanges } from './partitions.ts';
import { tokenize, uniqueToken } from '../../scheduler/tokenize.ts';
import type { Compression } from './files.ts';
import { CSV_READ_OP } from './ops.ts';
import type { OnBadLines } from './options.ts';
import type { OutColumn, PartitionPlan } from './plan.ts';
import { markProvisional } from '../../collections/provisional-types.ts';

export interface SchemaColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly forced: boolean;
  /** Listed in options.parseDates: forced to a date or timestamp, yet a date column may still widen to timestamp. */
  readonly dates?: boolean;
  /** parseDates: {column: format}: a timestamp column parsed with this format. */
  readonly format?: string;
}

export interface SourceFile {
  readonly path: string;
  readonly compression: Compression;
  readonly size: number;
  /** Modification time at readCsv(): with size, tasks check the file has not changed since. */
  readonly mtimeMs: number;
  readonly nfields: number;
  readonly newline: '\n' | '\r\n';
  /** For each schema column (same order as CsvSourceDescription.columns): its field in this file, or -1. */
  readonly fieldOf: readonly number[];
  /** Cut at plain newlines: tasks check their bytes for the quote character (partitions.ts). */
  readonly checkQuotes: boolean;
}

/** Everything a CsvSource knows; plain JSON. */
export interface CsvSourceDescription {
  readonly token: string;
  readonly columns: readonly SchemaColumn[];
  readonly files: readonly SourceFile[];
  readonly parts: readonly { readonly file: number; readonly start: number; readonly end: number; readonly cut: number }[];
  readonly dialect: Dialect;
  readonly naValues: readonly string[];
  readonly onBadLines: OnBadLines;
  readonly pathColumn: string | null;
  readonly engine: 'fast' | 'papaparse';
  readonly encodingErrors: EncodingErrors;
  readonly rowBytes: number;
  readonly blocksize: number;
  /** Inferred columns read in full since (markVerified): their type is final. */
  readonly verified?: readonly string[];
}

export class CsvSource implements PartitionSource {
  readonly name = 'read-csv';
  readonly supportsProjection = true;
  /** Identity carried by partition plans, so a conflict raised in a worker names the source it came from. */
  readonly id = uniqueToken('csv');
  token: string;
  schema: Schema;
  readonly npartitions: number;

  constructor(public description: CsvSourceDescription) {
    this.token = description.token;
    this.npartitions = description.parts.length;
    this.schema = this.schemaOf(description);
  }

  /** Inferred, unverified columns that could still widen are provisional (provisional-types.ts). */
  private schemaOf(d: CsvSourceDescription): Schema {
    const fields = d.columns.map((c, i) => {
      const field = new Field(c.name, arrowType(c.kind, i), true);
      const final = c.forced || c.kind === 'string' || c.kind === 'category' || (d.verified ?? []).includes(c.name);
      if (!final) markProvisional(field, { source: this, column: c.name });
      return field;
    });
    if (d.pathColumn) fields.push(new Field(d.pathColumn, arrowType('category', fields.length), true));
    return new Schema(fields);
  }

  /** Every partition of `column` was read with its current type and nothing widened it: its type is final. */
  markVerified(column: string): void {
    const d = this.description;
    if ((d.verified ?? []).includes(column)) return;
    this.description = { ...d, verified: [...(d.verified ?? []), column] };
    this.schema = this.schemaOf(this.description);
  }

  /** Widen an inferred column (never a user-fixed one) for every partition; the token changes with it. */
  widen(column: string, kind: ColumnKind): boolean {
    const d = this.description;
    const c = d.columns.findIndex((col) => col.name === column);
    const col = d.columns[c];
    if (!col || (col.forced && !(col.dates && kind === 'timestamp')) || col.kind === kind) return false;
    const columns = d.columns.map((col, i) => (i === c ? { ...col, kind } : col));
    this.description = { ...d, columns, token: tokenize('read-csv-widened', d.token, columns) };
    this.token = this.description.token;
    this.schema = this.schemaOf(this.description);
    return true;
  }

  inputFiles(): readonly string[] {
    return this.description.files.map((f) => f.path);
  }

  /** Re-cut a file that was cut at plain newlines with the exact quote-aware scan; the partition count stays. */
  recut(path: string): boolean {
    const d = this.description;
    const f = d.files.findIndex((file) => file.path === path);
    if (f < 0 || !d.files[f]!.checkQuotes) return false;
    const mine = d.parts.filter((p) => p.file === f);
    const exact = exactRanges(path, d.files[f]!.size, mine, d.dialect);
    let k = 0;
    const parts = d.parts.map((p) => (p.file === f ? { file: f, ...exact[k++]! } : p));
    const files = d.files.map((file, i) => (i === f ? { ...file, checkQuotes: false } : file));
    this.description = { ...d, parts, files, token: tokenize('read-csv-recut', d.token, path) };
    this.token = this.description.token;
    return true;
  }

  /**
   * A conflict from one of this source's tasks: re-cut the file or widen the column for every partition.
   * Idempotent for concurrent computes: a task built before another compute made the change (or a wider
   * one) changes nothing here, and the caller retries from the current description.
   */
  resolveConflict(e: unknown): string | null {
    if (e instanceof CsvBoundaryConflict && e.sourceId === this.id) {
      const file = this.description.files.find((f) => f.path === e.file);
      if (!file) return null;
      if (!file.checkQuotes) return `'${e.file}' was already re-cut with a quote-aware scan`;
      this.recut(e.file);
      return `'${e.file}' re-cut with a quote-aware scan (it holds quote characters its samples did not show)`;
    }
    if (e instanceof CsvTypeConflict && e.sourceId === this.id) {
      const column = this.description.columns.find((c) => c.name === e.column);
      // A parseDates-listed column is forced, yet a date column may still widen to timestamp (docs/CSV.md).
      if (!column || (column.forced && !(column.dates && e.widenTo === 'timestamp'))) return null;
      if (column.kind !== e.expected) return `column '${e.column}' is already ${column.kind} (was ${e.expected} when the task was built)`;
      if (!this.widen(e.column!, e.widenTo as ColumnKind)) return null;
      return `column '${e.column}' ${e.expected} -> ${e.widenTo} (${e.location.file} line ${e.location.line}: ${JSON.stringify(e.value)})`;
    }
    return null;
  }

  partitionTask(i: number, columns: readonly string[] | null): PartitionTaskSpec {
    const d = this.description;
    const part = d.parts[i];
    if (!part) throw new RangeError(`read-csv has ${this.npartitions} partitions; partition ${i} does not exist`);
    const file = d.files[part.file]!;
    const wanted = columns ?? this.schema.fields.map((f) => f.name);
    const out: OutColumn[] = [];
    let pathColumn: PartitionPlan['pathColumn'] = null;
    for (const name of wanted) {
      const c = d.columns.findIndex((col) => col.name === name);
      if (c >= 0) {
        const col = d.columns[c]!;
        out.push({ name, kind: col.kind, field: file.fieldOf[c]!, dictId: c, forced: col.forced, dates: col.dates, ...(col.format !== undefined ? { format: col.format } : {}) });
      } else if (name === d.pathColumn) {
        pathColumn = { name, dictId: d.columns.length, position: out.length };
      } else {
        throw new CsvOptionError(`read-csv has no column '${name}'; columns are ${this.schema.fields.map((f) => `'${f.name}'`).join(', ')}`);
      }
    }
    const plan: PartitionPlan = {
      file: file.path, pin: { size: file.size, mtimeMs: file.mtimeMs }, compression: file.compression, start: part.start, end: part.end, nfields: file.nfields, newline: file.newline,
      columns: out, dialect: d.dialect, naValues: d.naValues, onBadLines: d.onBadLines, pathColumn,
      engine: d.engine, encodingErrors: d.encodingErrors, rowBytes: d.rowBytes, checkQuotes: file.checkQuotes, sourceId: this.id,
    };
    return { op: CSV_READ_OP, args: [plan] };
  }

  describe(): string {
    const d = this.description;
    const mib = (d.blocksize / 2 ** 20).toFixed(d.blocksize % 2 ** 20 === 0 ? 0 : 2);
    return `read-csv ${d.files.length} file${d.files.length === 1 ? '' : 's'}, ${this.npartitions} partitions of ${mib} MiB (${d.engine} parser)`;
  }
}
