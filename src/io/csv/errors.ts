// Errors of the CSV reader. Each names what is wrong, where (file, line, byte offset, column) and the fix,
// so a failure in partition 37 of a 2,000-file glob can be acted on without re-running anything.

import * as fs from 'node:fs';

/** A readCsv/toCsv option is invalid. */
export class CsvOptionError extends TypeError {
  override name = 'CsvOptionError';
}

/** A path is missing, unreadable, a glob matched nothing, or files disagree on their columns. */
export class CsvFileError extends Error {
  override name = 'CsvFileError';
}

export interface CsvLocation {
  readonly file: string;
  /** Byte offset of the row in the (decompressed) file. */
  readonly offset: number;
  /** 1-based physical line of the row in the file. */
  readonly line: number;
}

/** A value does not fit its column's type, or a row has the wrong number of fields. */
export class CsvParseError extends Error {
  override name = 'CsvParseError';
  constructor(
    message: string,
    readonly location: CsvLocation,
    readonly column: string | null = null,
    readonly value: string | null = null,
    readonly expected: string | null = null,
  ) {
    super(message);
  }
}

/**
 * A value does not fit a column whose type was inferred (not fixed by the user): the source widens the
 * column to `widenTo` for every partition and the compute restarts (collections/schema-conflicts.ts).
 */
export class CsvTypeConflict extends CsvParseError {
  override name = 'CsvTypeConflict';
  constructor(
    message: string,
    location: CsvLocation,
    column: string,
    value: string,
    expected: string,
    /** Identity of the CsvSource whose schema must widen. */
    readonly sourceId: string,
    readonly widenTo: string,
  ) {
    super(message, location, column, value, expected);
  }
}

/**
 * A partition of a file that was cut at plain newlines (its samples held no quote character) contains the
 * quote character: the cuts may split a quoted field. The source re-cuts that file with the exact
 * quote-aware scan and the compute restarts (see partitions.ts).
 */
export class CsvBoundaryConflict extends Error {
  override name = 'CsvBoundaryConflict';
  constructor(
    message: string,
    readonly sourceId: string,
    readonly file: string,
  ) {
    super(message);
  }
}

/**
 * 1-based line number of byte `offset`. Only called on error paths: partitions do not count lines while
 * parsing (that would cost a pass), so the prefix of the file is scanned when an error needs a line number.
 */
export function lineNumberAt(file: string, offset: number, bytes?: Uint8Array): number {
  if (bytes) return countNewlines(bytes, 0, Math.min(offset, bytes.length)) + 1;
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    let lines = 1;
    for (let pos = 0; pos < offset; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
      if (n <= 0) break;
      lines += countNewlines(buf, 0, n);
      pos += n;
    }
    return lines;
  } catch {
    return -1;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

function countNewlines(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = b.indexOf(10, from); i !== -1 && i < to; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** "file.csv line 12 (byte 345)" */
export function where(loc: CsvLocation): string {
  return `${loc.file} line ${loc.line > 0 ? loc.line : '?'} (byte ${loc.offset})`;
}
