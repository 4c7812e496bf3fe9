// The byte-level parser: one pass over a partition's bytes finds each row's fields (quote-aware), then
// only the projected fields are converted, numbers straight from bytes and strings hashed to dictionary
// codes from their byte slice. No JS string is made per field except for dates and rare fallbacks.

import { BigIntBuilder, BoolBuilder, type ColumnBuilder, DictBuilder, NumberBuilder, Utf8Builder, makeBuilder } from './builders.ts';
import { intTooLong, latin1, parseFloatBytes, parseIntBytes, parsedOk, utf8Text } from './number-bytes.ts';
import type { OutColumn, ParsedColumns, PartitionPlan } from './plan.ts';
import type { RowProblems } from './problems.ts';
import { parseBool, parseDate, parseInt64, parseTimestamp } from './values.ts';

const NL = 10;
const CR = 13;
const FLAG_ESCAPED = 1; // quoted with doubled quotes inside: unescape before use

/** Matches field bytes against the naValues without making strings. */
class NaMatcher {
  private readonly values: Uint8Array[];
  private readonly maxLen: number;
  readonly empty: boolean;
  constructor(na: readonly string[]) {
    this.values = na.filter((s) => s.length > 0).map((s) => Buffer.from(s, 'utf8'));
    this.maxLen = Math.max(0, ...this.values.map((v) => v.length));
    this.empty = na.includes('');
  }
  test(b: Uint8Array, s: number, e: number): boolean {
    const len = e - s;
    if (len === 0) return this.empty;
    if (len > this.maxLen) return false;
    outer: for (const v of this.values) {
      if (v.length !== len) continue;
      for (let i = 0; i < len; i++) if (v[i] !== b[s + i]) continue outer;
      return true;
    }
    return false;
  }
}

interface RowFields {
  starts: Int32Array;
  ends: Int32Array;
  flags: Uint8Array;
}

/** Parse a partition's bytes into one builder per plan column; returns them and the number of rows kept. */
export function parseFast(b: Uint8Array, plan: PartitionPlan, problems: RowProblems): ParsedColumns {
  const capacity = Math.ceil((b.length / Math.max(1, plan.rowBytes)) * 1.1) + 16;
  const builders = plan.columns.map((c) => makeBuilder(c.kind, c.dictId, capacity, Math.ceil(b.length / Math.max(1, plan.columns.length))));
  const D = plan.dialect.delimiter.charCodeAt(0);
  const Q = plan.dialect.quoteChar.charCodeAt(0);
  const comment = plan.dialect.comment === null ? null : Buffer.from(plan.dialect.comment, 'utf8');
  const na = new NaMatcher(plan.naValues);
  const nfields = plan.nfields;
  const cap = nfields + 1;
  const row: RowFields = { starts: new Int32Array(cap), ends: new Int32Array(cap), flags: new Uint8Array(cap) };
  const n = b.length;
  let rows = 0;
  let p = 0;
  while (p < n) {
    const rowStart = p;
    const c0 = b[p]!;
    if (c0 === NL) { p++; continue; }
    if (c0 === CR && (p + 1 >= n || b[p + 1] === NL)) { p += 2; continue; }
    if (comment !== null && startsWith(b, p, comment)) {
      const nl = b.indexOf(NL, p);
      p = nl < 0 ? n : nl + 1;
      continue;
    }
    let f = 0;
    let broken: string | null = null;
    for (;;) {
      let s = p;
      let e: number;
      let flag = 0;
      if (p < n && b[p] === Q) {
        let q = p + 1;
        for (;;) {
          q = b.indexOf(Q, q);
          if (q < 0 || q + 1 >= n || b[q + 1] !== Q) break;
          flag = FLAG_ESCAPED;
          q += 2;
        }
        if (q < 0) {
          broken = 'a quoted field is not closed before the end of the partition';
          p = n;
          break;
        }
        s = p + 1;
        e = q;
        p = q + 1;
        if (p < n && b[p] === CR && (p + 1 >= n || b[p + 1] === NL)) p++;
        if (p < n && b[p] !== D && b[p] !== NL) {
          broken = 'text follows the closing quote of a quoted field';
          const nl = b.indexOf(NL, p);
          p = nl < 0 ? n : nl + 1;
          break;
        }
      } else {
        while (p < n) {
          const c = b[p]!;
          if (c === D || c === NL) break;
          p++;
        }
        e = p;
        if (e > s && b[e - 1] === CR && (p >= n || b[p] === NL)) e--;
      }
      if (f < cap) {
        row.starts[f] = s;
        row.ends[f] = e;
        row.flags[f] = flag;
      }
      f++;
      if (p >= n) break;
      if (b[p] === D) {
        p++;
        if (p >= n) { // a delimiter ending the input leaves one empty field
          if (f < cap) { row.starts[f] = p; row.ends[f] = p; row.flags[f] = 0; }
          f++;
          break;
        }
        continue;
      }
      p++; // the newline
      break;
    }
    if (broken !== null) { problems.badLine(rowStart, f, broken); continue; }
    // A row of one empty field (quoted or not) is a blank line, as papaparse's skipEmptyLines has it.
    if (f === 1 && row.ends[0] === row.starts[0]) continue;
    if (f !== nfields) { problems.badLine(rowStart, f, null); continue; }
    convertRow(b, row, plan.columns, builders, na, Q, rowStart, problems);
    rows++;
  }
  return { builders, rows };
}

function startsWith(b: Uint8Array, p: number, prefix: Uint8Array): boolean {
  if (p + prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[p + i] !== prefix[i]) return false;
  return true;
}

let unescaped = new Uint8Array(1024);

/** Copy a quoted field's content with doubled quotes collapsed; returns its length in `unescaped`. */
function unescape(b: Uint8Array, s: number, e: number, Q: number): number {
  if (e - s > unescaped.length) unescaped = new Uint8Array((e - s) * 2);
  let j = 0;
  for (let i = s; i < e; i++) {
    unescaped[j++] = b[i]!;
    if (b[i] === Q) i++;
  }
  return j;
}

function convertRow(b: Uint8Array, row: RowFields, columns: readonly OutColumn[], builders: ColumnBuilder[], na: NaMatcher, Q: number, rowStart: number, problems: RowProblems): void {
  for (let ci = 0; ci < columns.length; ci++) {
    const col = columns[ci]!;
    const builder = builders[ci]!;
    const k = col.field;
    if (k < 0) { builder.appendNull(); continue; }
    let src = b;
    let s = row.starts[k]!;
    let e = row.ends[k]!;
    if (row.flags[k] === FLAG_ESCAPED) {
      e = unescape(b, s, e, Q);
      s = 0;
      src = unescaped;
    }
    if (na.test(src, s, e)) { builder.appendNull(); continue; }
    if (!appendValue(src, s, e, col, builder)) problems.badValue(rowStart, col, utf8Text(src, s, e));
  }
}

/** Append one non-null field; false when the text is not a value of the column's kind. */
function appendValue(src: Uint8Array, s: number, e: number, col: OutColumn, builder: ColumnBuilder): boolean {
  switch (col.kind) {
    case 'float64': {
      const v = parseFloatBytes(src, s, e);
      if (!parsedOk) return false;
      (builder as NumberBuilder).append(v);
      return true;
    }
    case 'int32': {
      const v = parseIntBytes(src, s, e);
      if (!parsedOk || intTooLong || v < -2147483648 || v > 2147483647) return false;
      (builder as NumberBuilder).append(v);
      return true;
    }
    case 'int64': {
      const v = parseIntBytes(src, s, e);
      if (!parsedOk) return false;
      if (!intTooLong) { (builder as BigIntBuilder).appendNumber(v); return true; }
      const big = parseInt64(latin1(src, s, e));
      if (big === undefined) return false;
      (builder as BigIntBuilder).appendBigInt(big);
      return true;
    }
    case 'category':
      (builder as DictBuilder).appendBytes(src, s, e);
      return true;
    case 'string':
      (builder as Utf8Builder).appendBytes(src, s, e);
      return true;
    case 'bool': {
      const v = parseBool(latin1(src, s, e));
      if (v === undefined) return false;
      (builder as BoolBuilder).append(v);
      return true;
    }
    case 'date': {
      const v = parseDate(latin1(src, s, e));
      if (v === undefined) return false;
      (builder as NumberBuilder).append(v);
      return true;
    }
    case 'timestamp': {
      const v = parseTimestamp(latin1(src, s, e));
      if (v === undefined) return false;
      (builder as BigIntBuilder).appendBigInt(BigInt(v));
      return true;
    }
  }
}
