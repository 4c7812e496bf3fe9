// What one partition task carries: plain JSON describing a byte range of one file and the columns to build.
// Both parsers take a PartitionPlan and the range's bytes, and must produce identical columns.

import type { ColumnBuilder, ColumnKind } from './builders.ts';
import type { Dialect } from './dialect.ts';
import type { EncodingErrors } from './encoding.ts';
import type { Compression } from './files.ts';
import type { FilePin } from '../files.ts';
import type { OnBadLines } from './options.ts';

export interface OutColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Field index in this file's rows; -1 when the file lacks the column (alignColumns: 'byName'): all null. */
  readonly field: number;
  /** Dictionary id (the column's position in the full schema), so every partition has the same Arrow type. */
  readonly dictId: number;
  /** True when the type comes from options.dtype / parseDates (the error message then says so). */
  readonly forced: boolean;
  /** Listed in options.parseDates: a date column meeting a timestamp widens to timestamp; anything else fails. */
  readonly dates?: boolean;
  /** parseDates: {column: format}: kind 'timestamp', parsed with this strftime-like format (values.ts). */
  readonly format?: string;
}

export interface PartitionPlan {
  readonly file: string;
  /** The file's size and mtime at readCsv(): the task fails if it changed since (io/files.ts checkPin). */
  readonly pin: FilePin;
  readonly compression: Compression;
  /** Byte range of the (decompressed) content; end -1 = to the end. Starts at a row start, after any header. */
  readonly start: number;
  readonly end: number;
  /** Fields per row in this file: rows with another count are bad lines. */
  readonly nfields: number;
  /** The file's line ending (from its first row), for papaparse. */
  readonly newline: '\n' | '\r\n';
  readonly columns: readonly OutColumn[];
  readonly dialect: Dialect;
  readonly naValues: readonly string[];
  readonly onBadLines: OnBadLines;
  /** The file-path column, if asked for, and its position among the output columns. */
  readonly pathColumn: { readonly name: string; readonly dictId: number; readonly position: number } | null;
  readonly engine: 'fast' | 'papaparse';
  /** Invalid UTF-8 in a requested column: an error naming where ('error'), or U+FFFD ('replace'). */
  readonly encodingErrors: EncodingErrors;
  /** Average bytes per row seen in the samples: sizes the first allocation of each column. */
  readonly rowBytes: number;
  /** The range was cut at plain newlines: the task must raise CsvBoundaryConflict if it holds the quote character. */
  readonly checkQuotes: boolean;
  /** The CsvSource this plan came from: a value that does not fit an inferred type widens it there. */
  readonly sourceId: string;
}

/** The field text that failed, the row it is in and why: turned into a CsvParseError by the caller. */
export interface ValueFailure {
  readonly rowOffset: number;
  readonly column: OutColumn;
  readonly text: string;
}

/** What a parser hands back: one builder per plan column, and the row count (also right with no columns). */
export interface ParsedColumns {
  readonly builders: ColumnBuilder[];
  readonly rows: number;
}
