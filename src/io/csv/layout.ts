// Where each file's data begins and what its columns are called: BOM, skipRows, leading blank and comment
// lines, then the header row (which may itself hold quoted newlines). Read with a few synchronous reads.

import { isUtf8 } from 'node:buffer';
import { papa } from '../lazy-packages.ts';
import { rowEnd } from './boundaries.ts';
import { type Dialect, quoteDialect } from './dialect.ts';
import { CsvFileError } from './errors.ts';
import { type CsvFile, readHead } from './files.ts';
import type { ResolvedCsvOptions } from './options.ts';

export interface FileLayout {
  readonly file: CsvFile;
  /** Nothing but BOM, skipped rows, blank or comment lines: no header, no rows. */
  readonly empty: boolean;
  /** Column names of this file (the header, options.names, or column0..); deduplicated. */
  readonly names: string[];
  /** Offset (in decompressed bytes) of the first data row. */
  readonly dataStart: number;
  /** Line ending of the first row: papaparse needs it spelled out (a '\r\n' inside quotes must not fool it). */
  readonly newline: '\n' | '\r\n';
  /** Content length: file size, or the decompressed length when it is known (-1 otherwise). */
  readonly contentLength: number;
}

const NL = 10;
const HEAD_BYTES = 64 * 1024;

/** Decoded text of the first bytes of a file, BOM dropped: for sniffing the delimiter. */
export function headText(file: CsvFile, bytes = HEAD_BYTES): string {
  const head = readHead(file, bytes);
  return new TextDecoder().decode(head.subarray(bomLength(head)));
}

export function fileLayout(file: CsvFile, dialect: Dialect, opts: ResolvedCsvOptions): FileLayout {
  for (let want = HEAD_BYTES; ; want *= 4) {
    const head = readHead(file, want);
    const complete = head.length < want; // the whole content is in `head`
    const contentLength = file.compression === 'none' ? file.size : complete ? head.length : -1;
    const p = firstRowStart(head, dialect, opts);
    if (p >= head.length && complete) {
      return { file, empty: true, names: opts.names ? [...opts.names] : [], dataStart: head.length, newline: '\n', contentLength };
    }
    const end = rowEnd(head, p, quoteDialect(dialect));
    if (end >= head.length && !complete) continue; // the first row is longer than what was read
    if (opts.encodingErrors === 'error' && !isUtf8(head.subarray(p, end))) {
      throw new CsvFileError(`the first row of '${file.path}' (bytes ${p}-${end}) is not valid UTF-8; convert the file to UTF-8, or pass encodingErrors: 'replace' to read invalid bytes as U+FFFD`);
    }
    const fields = splitRow(head.subarray(p, end), dialect);
    const names = columnNames(file, fields, opts);
    const newline = end >= 2 && head[end - 1] === NL && head[end - 2] === 13 ? '\r\n' : '\n';
    return { file, empty: false, names, dataStart: opts.header ? end : p, newline, contentLength };
  }
}

export function bomLength(b: Uint8Array): number {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
}

/** Skip BOM, skipRows physical lines, then blank and comment lines. */
function firstRowStart(head: Uint8Array, dialect: Dialect, opts: ResolvedCsvOptions): number {
  let p = bomLength(head);
  const nextLine = (from: number): number => {
    const nl = head.indexOf(NL, from);
    return nl < 0 ? head.length : nl + 1;
  };
  for (let k = 0; k < opts.skipRows && p < head.length; k++) p = nextLine(p);
  const comment = dialect.comment === null ? null : Buffer.from(dialect.comment);
  while (p < head.length) {
    const blank = head[p] === NL || (head[p] === 13 && head[p + 1] === NL);
    const commented = comment !== null && Buffer.from(head.buffer, head.byteOffset + p, Math.min(comment.length, head.length - p)).equals(comment);
    if (!blank && !commented) break;
    p = nextLine(p);
  }
  return p;
}

function splitRow(bytes: Uint8Array, dialect: Dialect): string[] {
  const text = new TextDecoder().decode(bytes).replace(/\r?\n$/, '');
  const res = papa().parse<string[]>(text, { delimiter: dialect.delimiter, quoteChar: dialect.quoteChar, escapeChar: dialect.quoteChar });
  return res.data[0] ?? [''];
}

function columnNames(file: CsvFile, fields: string[], opts: ResolvedCsvOptions): string[] {
  if (opts.names) {
    if (opts.names.length !== fields.length) {
      throw new CsvFileError(`options.names has ${opts.names.length} names but '${file.path}' has ${fields.length} fields per row (${JSON.stringify(fields.slice(0, 8))}...)`);
    }
    return dedupe([...opts.names]);
  }
  if (!opts.header) return fields.map((_, i) => `column${i}`);
  return dedupe(fields.map((f, i) => (f.trim() === '' ? `column${i}` : f)));
}

/** Repeated header names get a suffix (a, a_1, a_2) so every column can be selected by name. */
function dedupe(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let name = n;
    for (let k = 1; seen.has(name); k++) name = `${n}_${k}`;
    seen.add(name);
    return name;
  });
}
