// Bad lines and bad values found while parsing a partition, turned into errors or warnings that name the
// file, line, byte offset, column, value and expected type. Shared by both parsers so they fail alike.

import { CsvParseError, CsvTypeConflict, type CsvLocation, lineNumberAt, where } from './errors.ts';
import { widenedKind } from './infer.ts';
import type { OutColumn, PartitionPlan } from './plan.ts';

const WARN_LIMIT = 20;

export class RowProblems {
  skipped = 0;
  /** Offset in the partition of the bytes being parsed (a window of it, windows.ts): row offsets are relative to it. */
  windowStart = 0;
  constructor(
    private readonly plan: PartitionPlan,
    /** The decompressed file content when the file is compressed (line numbers cannot come from disk). */
    private readonly whole: Uint8Array | null,
  ) {}

  /** The file offset of a byte of the bytes being parsed. */
  fileOffset(offsetInWindow: number): number {
    return this.plan.start + this.windowStart + offsetInWindow;
  }

  locate(rowOffset: number): CsvLocation {
    const offset = this.fileOffset(rowOffset);
    const line = this.whole ? lineNumberAt(this.plan.file, offset, this.whole) : lineNumberAt(this.plan.file, offset);
    return { file: this.plan.file, offset, line };
  }

  /** A row with the wrong number of fields or broken quoting; returns normally when the row is to be dropped. */
  badLine(rowOffset: number, fields: number, reason: string | null): void {
    const what = reason ?? `expected ${this.plan.nfields} fields, saw ${fields} (delimiter ${JSON.stringify(this.plan.dialect.delimiter)})`;
    if (this.plan.onBadLines === 'error') {
      const loc = this.locate(rowOffset);
      const fix = reason === null ? 'if the delimiter is wrong pass options.delimiter; to drop such rows pass' : 'pass';
      throw new CsvParseError(`bad line at ${where(loc)}: ${what}; ${fix} onBadLines: 'skip' or 'warn'`, loc);
    }
    this.skipped++;
    if (this.plan.onBadLines === 'warn' && this.skipped <= WARN_LIMIT) {
      const loc = this.locate(rowOffset);
      const more = this.skipped === WARN_LIMIT ? ' (further bad lines in this partition are dropped without a warning)' : '';
      process.emitWarning(`skipped bad line at ${where(loc)}: ${what}${more}`, 'CsvBadLineWarning');
    }
  }

  /**
   * Called once the partition is parsed: dropping every row is never silent, even under 'skip' (a wrong
   * delimiter or quote makes every line bad; skipping them would return an empty frame without a word).
   */
  finish(rows: number): void {
    if (rows > 0 || this.skipped === 0 || this.plan.onBadLines === 'error') return;
    const p = this.plan;
    process.emitWarning(
      `every one of the ${this.skipped} rows of ${p.file} bytes ${p.start}-${p.end < 0 ? 'end' : p.end} is a bad line (expected ${p.nfields} fields, delimiter ${JSON.stringify(p.dialect.delimiter)}); nothing was read from them: check options.delimiter and options.quoteChar`,
      'CsvBadLineWarning',
    );
  }

  badValue(rowOffset: number, column: OutColumn, text: string): never {
    const loc = this.locate(rowOffset);
    // An inferred type was too narrow (or a parseDates column of dates meets a timestamp): ask for the
    // column to be widened everywhere, not failed.
    const widenTo = widenedKind(column.kind, text);
    if (!column.forced || (column.dates && widenTo === 'timestamp')) {
      throw new CsvTypeConflict(
        `${where(loc)}, column '${column.name}': value ${JSON.stringify(shorten(text))} does not fit the inferred ${column.kind}; widening to ${widenTo}`,
        loc, column.name, text, column.kind, this.plan.sourceId, widenTo,
      );
    }
    if (column.format !== undefined) {
      throw new CsvParseError(
        `${where(loc)}, column '${column.name}': value ${JSON.stringify(shorten(text))} is not a date in format '${column.format}' (options.parseDates); fix the value, or read the column as text (dtype: { '${column.name}': 'string' }) and convert it with toDatetime(..., { format, errors: 'coerce' })`,
        loc, column.name, text, `date in format '${column.format}'`,
      );
    }
    const source = column.forced ? 'set by options.dtype/parseDates' : 'inferred from samples of every file';
    const fix = column.forced
      ? 'fix the value or choose another dtype'
      : `pass dtype: { '${column.name}': '${column.kind === 'int32' || column.kind === 'int64' ? 'float64' : 'string'}' } or sampleBytes: 'full' to type-check every byte at readCsv time`;
    throw new CsvParseError(
      `${where(loc)}, column '${column.name}': value ${JSON.stringify(shorten(text))} is not a valid ${column.kind} (type ${source}); ${fix}`,
      loc, column.name, text, column.kind,
    );
  }
}

function shorten(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
