// Schema inference: every file contributes samples (its start and spread-out ranges), each field is
// classified by values.ts, and a column's kind is the join over ALL samples of ALL files, so every
// partition is parsed to one type: int32 -> int64 -> float64 -> string; bool or dates mixed with anything
// else -> string; an all-null column is a nullable string. Low-cardinality strings become dictionaries.

import { papa } from '../lazy-packages.ts';
import type { ColumnKind } from './builders.ts';
import type { Dialect } from './dialect.ts';
import { CsvParseError } from './errors.ts';
import type { ResolvedCsvOptions } from './options.ts';
import { lfRowEnds } from './row-ends.ts';
import {
  KIND_BOOL, KIND_DATE, KIND_FLOAT, KIND_INT32, KIND_INT64, KIND_STRING, KIND_TIMESTAMP, classify,
} from './values.ts';

/** At most this many distinct strings are tracked per column; past it the column is not a dictionary. */
const DISTINCT_CAP = 1 << 16;

export class ColumnStats {
  kinds = 0;
  nonNull = 0;
  distinct: Set<string> | null = new Set();
  /** First value that made the column a string, with its file: quoted when parseDates fails. */
  example: { value: string; file: string } | null = null;
  constructor(readonly name: string, readonly dates: boolean) {}

  add(text: string, file: string): void {
    const k = classify(text, this.dates);
    this.kinds |= k;
    this.nonNull++;
    if (k === KIND_STRING && this.example === null) this.example = { value: text, file };
    if (this.distinct !== null) {
      this.distinct.add(text);
      if (this.distinct.size > DISTINCT_CAP) this.distinct = null;
    }
  }
}

export interface SampleTotals {
  bytes: number;
  rows: number;
}

/**
 * Classify the rows of one sample. `fieldOf[c]` is the field of schema column c in this file (-1: absent).
 * `truncated`: the text was cut at an arbitrary byte, so its last row may be partial and is dropped.
 */
export function addSample(text: string, truncated: boolean, file: { path: string; newline: string; nfields: number }, fieldOf: readonly number[],
  stats: ColumnStats[], na: ReadonlySet<string>, dialect: Dialect, totals: SampleTotals): void {
  const nfields = file.nfields;
  // A file may mix LF and CRLF: samples end rows at both, exactly as the parsers do.
  const res = papa().parse<string[]>(lfRowEnds(text, dialect).text, {
    delimiter: dialect.delimiter, quoteChar: dialect.quoteChar, escapeChar: dialect.quoteChar,
    comments: dialect.comment ?? false, skipEmptyLines: true, newline: '\n',
  });
  const rows = truncated ? res.data.slice(0, -1) : res.data;
  totals.bytes += Buffer.byteLength(text);
  totals.rows += res.data.length;
  for (const row of rows) {
    if (row.length !== nfields) continue; // bad lines are the parsers' business (onBadLines)
    for (let c = 0; c < stats.length; c++) {
      const f = fieldOf[c]!;
      if (f < 0) continue;
      const v = row[f]!;
      if (!na.has(v)) stats[c]!.add(v, file.path);
    }
  }
}

/** The kind of one column from its stats and the options; `forced` when the user fixed it. */
export function resolveKind(s: ColumnStats, opts: ResolvedCsvOptions): { kind: ColumnKind; forced: boolean; dates?: boolean; format?: string } {
  const fixed = Object.hasOwn(opts.dtype, s.name) ? opts.dtype[s.name] : undefined;
  if (fixed) return { kind: fixed === 'category' ? 'category' : fixed, forced: true };
  if (Object.hasOwn(opts.dateFormats, s.name)) return { kind: 'timestamp', forced: true, format: opts.dateFormats[s.name]! };
  const datesListed = Array.isArray(opts.parseDates) && opts.parseDates.includes(s.name);
  if (datesListed) return { kind: dateKind(s), forced: true, dates: true };
  const k = s.kinds;
  if (k === 0) return { kind: 'string', forced: false };
  if (!(k & KIND_STRING)) {
    if (k === KIND_BOOL) return { kind: 'bool', forced: false };
    if (!(k & ~(KIND_DATE | KIND_TIMESTAMP))) return { kind: k & KIND_TIMESTAMP ? 'timestamp' : 'date', forced: false };
    if (!(k & ~(KIND_INT32 | KIND_INT64 | KIND_FLOAT))) {
      return { kind: k & KIND_FLOAT ? 'float64' : k & KIND_INT64 ? 'int64' : 'int32', forced: false };
    }
  }
  const lowCardinality = s.distinct !== null && s.nonNull > 0 && s.distinct.size / s.nonNull <= opts.dictionaryRatio;
  return { kind: lowCardinality ? 'category' : 'string', forced: false };
}

function dateKind(s: ColumnStats): ColumnKind {
  if (s.kinds & ~(KIND_DATE | KIND_TIMESTAMP)) {
    const ex = s.example;
    throw new CsvParseError(
      `options.parseDates lists '${s.name}', but ${ex ? `'${ex.file}' holds ${JSON.stringify(ex.value)}, which` : 'a sampled value'} is not an ISO date (YYYY-MM-DD) or timestamp (YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM])`,
      { file: ex?.file ?? '', offset: -1, line: -1 }, s.name, ex?.value ?? null, 'date',
    );
  }
  return s.kinds & KIND_TIMESTAMP ? 'timestamp' : 'date';
}

/** The kind a column must become so that `text` fits as well as everything it held (int32 -> int64 -> float64 -> string). */
export function widenedKind(kind: ColumnKind, text: string): ColumnKind {
  const k = classify(text, kind === 'date' || kind === 'timestamp');
  const numeric = KIND_INT32 | KIND_INT64 | KIND_FLOAT;
  if ((kind === 'int32' || kind === 'int64' || kind === 'float64') && k & numeric) {
    if (k & KIND_FLOAT || kind === 'float64') return 'float64';
    return k & KIND_INT64 || kind === 'int64' ? 'int64' : 'int32';
  }
  if (kind === 'date' && k & KIND_TIMESTAMP) return 'timestamp';
  return 'string';
}
