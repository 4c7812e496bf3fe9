// readCsv options: the public shape, validation at the edge, and the resolved plain-data form that
// travels inside partition tasks (so workers re-derive everything from JSON, never from closures).

import { ENCODING_ERRORS, type EncodingErrors } from './encoding.ts';
import { CsvOptionError } from './errors.ts';

/** Column types a user may force with `dtype` (and that inference produces). */
export const DTYPES = ['int32', 'int64', 'float64', 'bool', 'string', 'category', 'date', 'timestamp'] as const;
export type CsvDtype = (typeof DTYPES)[number];

export type OnBadLines = 'error' | 'skip' | 'warn';

export interface CsvOptions {
  /** Bytes per partition: a number or a string such as "64MiB", "500KB". Default 64 MiB. */
  blocksize?: number | string;
  /** true (default): the first row (after skipRows) holds column names. */
  header?: boolean;
  /** Column names; with header: true they replace the file's names. */
  names?: readonly string[];
  /** Field delimiter; sniffed from the first file when absent. */
  delimiter?: string;
  /** Quote character, default '"'. Quotes inside quoted fields are doubled (RFC 4180). */
  quoteChar?: string;
  /** Only these columns are parsed, in this order. */
  columns?: readonly string[];
  /** Fixed types per column; values that do not fit raise an error naming file, line, column and value. */
  dtype?: Readonly<Record<string, CsvDtype>>;
  /** Field texts read as null. Default: '', 'NA', 'NaN', 'null', 'NULL'. */
  naValues?: readonly string[];
  /**
   * true (default): detect ISO dates/timestamps in every column; false: read them as text; a list: these columns
   * must be dates/timestamps; {column: format}: these columns parsed with a strftime format (toDatetime's subset).
   */
  parseDates?: boolean | readonly string[] | Readonly<Record<string, string>>;
  /** Add a dictionary column with each row's file path (true: named 'path'). */
  includePathColumn?: boolean | string;
  /** Physical lines skipped at the start of every file, before the header. */
  skipRows?: number;
  /** Lines starting with this text are ignored. */
  comment?: string;
  /** Rows whose field count differs from the header: raise (default), drop silently, or drop with a warning. */
  onBadLines?: OnBadLines;
  /** Files whose headers hold the same names in another order (or a subset): 'error' (default) or align 'byName'. */
  alignColumns?: 'error' | 'byName';
  /** Parser: 'auto' (fast byte-level path when the dialect allows), 'fast' or 'papaparse'. */
  engine?: 'auto' | 'fast' | 'papaparse';
  /** Bytes sampled per range for type inference (default 256 KiB), or 'full' to type-scan every byte. */
  sampleBytes?: number | 'full';
  /** Strings become dictionary columns when sampled distinct/non-null is at most this ratio. Default 0.5. */
  dictionaryRatio?: number;
  /** Invalid UTF-8: 'error' (default) names file, line, byte and column; 'replace' reads it as U+FFFD. */
  encodingErrors?: EncodingErrors;
}

/** Options after validation and defaults: plain JSON, part of every partition task and of the source token. */
export interface ResolvedCsvOptions {
  blocksize: number;
  header: boolean;
  names: string[] | null;
  delimiter: string | null;
  quoteChar: string;
  columns: string[] | null;
  dtype: Record<string, CsvDtype>;
  naValues: string[];
  parseDates: boolean | string[];
  /** parseDates: {column: format}: those columns are timestamps parsed with their strftime-like format. */
  dateFormats: Record<string, string>;
  pathColumn: string | null;
  skipRows: number;
  comment: string | null;
  onBadLines: OnBadLines;
  alignColumns: 'error' | 'byName';
  engine: 'auto' | 'fast' | 'papaparse';
  sampleBytes: number | 'full';
  dictionaryRatio: number;
  encodingErrors: EncodingErrors;
}

export const DEFAULT_NA_VALUES = ['', 'NA', 'NaN', 'null', 'NULL'];
export const DEFAULT_BLOCKSIZE = 64 * 1024 * 1024;

const KNOWN = new Set([
  'blocksize', 'header', 'names', 'delimiter', 'quoteChar', 'columns', 'dtype', 'naValues', 'parseDates',
  'includePathColumn', 'skipRows', 'comment', 'onBadLines', 'alignColumns', 'engine', 'sampleBytes', 'dictionaryRatio', 'encodingErrors',
]);

const UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** "64MiB" -> 67108864. Accepts a positive number of bytes too. */
export function parseByteSize(x: number | string, what = 'blocksize'): number {
  if (typeof x === 'number') {
    if (!Number.isFinite(x) || x < 1) throw new CsvOptionError(`options.${what} must be a positive number of bytes, got ${x}`);
    return Math.floor(x);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(x);
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new CsvOptionError(`options.${what} '${x}' is not a size; use a number of bytes or e.g. "64MiB", "500KB"`);
  }
  return parseByteSize(Math.floor(Number(m[1]) * unit), what);
}

function stringList(x: unknown, what: string): string[] {
  if (!Array.isArray(x) || x.some((s) => typeof s !== 'string')) throw new CsvOptionError(`options.${what} must be an array of strings`);
  return [...x];
}

function oneOf<T extends string>(x: unknown, allowed: readonly T[], what: string, dflt: T): T {
  if (x === undefined) return dflt;
  if (!allowed.includes(x as T)) throw new CsvOptionError(`options.${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(x)}`);
  return x as T;
}

export function resolveOptions(opts: CsvOptions = {}): ResolvedCsvOptions {
  for (const k of Object.keys(opts)) {
    if (!KNOWN.has(k)) throw new CsvOptionError(`unknown option '${k}'; known options: ${[...KNOWN].join(', ')}`);
  }
  // Column names are data: a null-prototype record, so '__proto__' or 'constructor' are ordinary keys.
  const dtype: Record<string, CsvDtype> = Object.create(null);
  for (const [col, t] of Object.entries(opts.dtype ?? {})) dtype[col] = oneOf(t, DTYPES, `dtype.${col}`, 'string');
  const quoteChar = opts.quoteChar ?? '"';
  if (quoteChar.length !== 1) throw new CsvOptionError(`options.quoteChar must be one character, got ${JSON.stringify(quoteChar)}`);
  if (opts.delimiter !== undefined && (opts.delimiter.length === 0 || /[\r\n]/.test(opts.delimiter) || opts.delimiter === quoteChar)) {
    throw new CsvOptionError(`options.delimiter must be non-empty, without newlines and differ from quoteChar, got ${JSON.stringify(opts.delimiter)}`);
  }
  const skipRows = opts.skipRows ?? 0;
  if (!Number.isInteger(skipRows) || skipRows < 0) throw new CsvOptionError(`options.skipRows must be a non-negative integer, got ${skipRows}`);
  const ratio = opts.dictionaryRatio ?? 0.5;
  if (!(ratio >= 0 && ratio <= 1)) throw new CsvOptionError(`options.dictionaryRatio must be between 0 and 1, got ${ratio}`);
  const sampleBytes = opts.sampleBytes === 'full' ? 'full' : parseByteSize(opts.sampleBytes ?? 256 * 1024, 'sampleBytes');
  const pathColumn = opts.includePathColumn === true ? 'path' : typeof opts.includePathColumn === 'string' ? opts.includePathColumn : null;
  // ISO dates and timestamps are detected unless turned off (as DuckDB; a column that later holds other text widens to a string).
  // {column: format}: those columns are parsed with their format (checked in readCsv), the others keep ISO detection.
  const p = opts.parseDates;
  const formats = typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Readonly<Record<string, string>>) : null;
  const parseDates = p === undefined || formats !== null ? true : typeof p === 'boolean' ? p : stringList(p as readonly string[], 'parseDates');
  const dateFormats: Record<string, string> = Object.create(null);
  for (const [col, f] of Object.entries(formats ?? {})) dateFormats[col] = f;
  if (opts.comment !== undefined && (opts.comment.length === 0 || /[\r\n]/.test(opts.comment))) {
    throw new CsvOptionError(`options.comment must be a non-empty single-line prefix, got ${JSON.stringify(opts.comment)}`);
  }
  return {
    blocksize: parseByteSize(opts.blocksize ?? DEFAULT_BLOCKSIZE),
    header: opts.header ?? true,
    names: opts.names ? stringList(opts.names, 'names') : null,
    delimiter: opts.delimiter ?? null,
    quoteChar,
    columns: opts.columns ? stringList(opts.columns, 'columns') : null,
    dtype,
    naValues: opts.naValues ? stringList(opts.naValues, 'naValues') : [...DEFAULT_NA_VALUES],
    parseDates,
    dateFormats,
    pathColumn,
    skipRows,
    comment: opts.comment ?? null,
    onBadLines: oneOf(opts.onBadLines, ['error', 'skip', 'warn'] as const, 'onBadLines', 'error'),
    alignColumns: oneOf(opts.alignColumns, ['error', 'byName'] as const, 'alignColumns', 'error'),
    engine: oneOf(opts.engine, ['auto', 'fast', 'papaparse'] as const, 'engine', 'auto'),
    sampleBytes,
    dictionaryRatio: ratio,
    encodingErrors: oneOf(opts.encodingErrors, ENCODING_ERRORS, 'encodingErrors', 'error'),
  };
}
