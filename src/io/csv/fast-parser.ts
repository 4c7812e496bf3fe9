// The byte-level parser. Rows are tokenised in batches (field start/end offsets, quote-aware), then each
// projected column is converted by a tight loop of its own kind: numbers straight from bytes into typed
// arrays, strings hashed to dictionary codes from their byte slice. Column-at-a-time loops stay monomorphic,
// which is what lets V8 run them near the speed of a plain byte scan.

import type { BigIntBuilder, BoolBuilder, ColumnBuilder, DictBuilder, Float64Builder, Int32Builder, Utf8Builder } from './builders.ts';
import { makeBuilder } from './builders.ts';
import { NaMatcher } from './na-matcher.ts';
import { NOT_INT, isNanText, isStringNumber, latin1, parseFloatBytes, parseIntBytes, utf8Text } from './number-bytes.ts';
import type { OutColumn, ParsedColumns, PartitionPlan } from './plan.ts';
import type { RowProblems } from './problems.ts';
import { parseBool, parseDate, parseFormatted, parseInt64, parseTimestamp } from './values.ts';
import { WASM_MAX_BYTES, type WasmRows, ownerOf, rowsInstance } from './wasm-rows.ts';

const NL = 10;
const CR = 13;
/** Rows tokenised before the columns are converted: small enough for the offsets to stay in cache. */
const BATCH_ROWS = 2048;
/** log2(BATCH_ROWS): slot k of row r is at (k << SLOT_SHIFT) + r, so each column's values are contiguous. */
const SLOT_SHIFT = 11;

/**
 * Field offsets of up to BATCH_ROWS rows, for the projected fields only: slot k of row r at (k << SLOT_SHIFT) + r.
 * Unprojected fields are skipped over (their delimiters still count, so field counts are checked).
 */
export interface Batch {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** 1 where a quoted field holds doubled quotes and must be unescaped before use. */
  readonly escaped: Uint8Array;
  /** Value of a numeric slot parsed while tokenising (an optionally signed run of 1-15 digits), where numOk is 1. */
  readonly nums: Float64Array;
  readonly numOk: Uint8Array;
  readonly rowOffsets: Int32Array;
  rows: number;
  /** True when some field in the batch was escaped (the converters then check `escaped`). */
  anyEscaped: boolean;
}

interface Ctx {
  b: Uint8Array;
  readonly nfields: number;
  /** Slot of each field in the batch, -1 for fields no column asks for. */
  readonly slotOf: Int32Array;
  /** Per slot: 1 when the column is numeric and plain integers may be parsed inline (no naValue looks like one). */
  readonly inlineNum: Uint8Array;
  readonly nslots: number;
  readonly D: number;
  readonly Q: number;
  readonly comment: Uint8Array | null;
  readonly na: NaMatcher;
  readonly problems: RowProblems;
}

/** Which tokenizer reads the rows: 'auto' (WebAssembly where it applies), or 'js' (tests compare the two). */
export type Tokenizer = 'auto' | 'js';

/** Parse a partition's bytes into one builder per plan column; returns them and the number of rows kept. */
export function parseFast(b: Uint8Array, plan: PartitionPlan, problems: RowProblems, tokenizer: Tokenizer = 'auto'): ParsedColumns {
  const parser = new FastParser(plan, problems, b.length, tokenizer);
  parser.parse(b);
  return parser.finish();
}

/**
 * One partition's parse, fed in windows of whole rows (windows.ts): the builders, tables and tokenizer
 * instance live across windows, so a partition parsed in several windows gives the same columns as in one.
 * Row offsets reported to `problems` are window-relative; the caller sets `problems.windowStart`.
 */
export class FastParser {
  private readonly builders: ColumnBuilder[];
  private readonly ctx: Ctx;
  private readonly colSlot: number[];
  private readonly batch: Batch;
  private wasm: WasmRows | null | undefined;
  private rows = 0;

  /** `bytes`: the partition's length, which sizes the builders' first allocation. */
  constructor(private readonly plan: PartitionPlan, problems: RowProblems, bytes: number, private readonly tokenizer: Tokenizer = 'auto') {
    const capacity = Math.ceil((bytes / Math.max(1, plan.rowBytes)) * 1.1) + 16;
    this.builders = plan.columns.map((c) => makeBuilder(c.kind, c.dictId, capacity, Math.ceil(bytes / Math.max(1, plan.columns.length))));
    const nf = plan.nfields;
    const na = new NaMatcher(plan.naValues);
    // Inline integers skip the naValues check, which is only sound when no naValue starts like a number.
    const inlineAllowed = !plan.naValues.some((v) => /^[-+0-9]/.test(v));
    const slotOf = new Int32Array(nf).fill(-1);
    const slotKinds: string[] = [];
    this.colSlot = plan.columns.map((c) => {
      if (c.field < 0 || c.field >= nf) return -1;
      if (slotOf[c.field] < 0) { slotOf[c.field] = slotKinds.length; slotKinds.push(c.kind); }
      return slotOf[c.field]!;
    });
    const nslots = slotKinds.length;
    const inlineNum = Uint8Array.from(slotKinds, (k) => (inlineAllowed && (k === 'int32' || k === 'int64' || k === 'float64') ? 1 : 0));
    this.ctx = {
      b: new Uint8Array(0), nfields: nf, slotOf, inlineNum, nslots, D: plan.dialect.delimiter.charCodeAt(0), Q: plan.dialect.quoteChar.charCodeAt(0),
      comment: plan.dialect.comment === null ? null : Buffer.from(plan.dialect.comment, 'utf8'),
      na, problems,
    };
    const size = BATCH_ROWS * Math.max(1, nslots);
    this.batch = {
      starts: new Int32Array(size), ends: new Int32Array(size), escaped: new Uint8Array(size),
      nums: new Float64Array(size), numOk: new Uint8Array(size),
      rowOffsets: new Int32Array(BATCH_ROWS), rows: 0, anyEscaped: false,
    };
  }

  /**
   * Parse whole rows: `b` ends at a row end (or is the partition's last bytes). `quoteFree` says the caller
   * already searched `b` for the quote character and found none. In the WebAssembly tokenizer's memory, the
   * bytes after `b` are overwritten (its tables go there).
   */
  parse(b: Uint8Array, quoteFree?: boolean): void {
    const { ctx, plan, builders, colSlot } = this;
    ctx.b = b;
    const wasm = this.tokenizer === 'auto' ? this.wasmFor(b, quoteFree) : null;
    if (wasm !== null) {
      // Quote-free rows: the WebAssembly tokenizer fills the same batch layout, in its own memory.
      const { bytes, views } = wasm.begin(b, { nfields: ctx.nfields, delimiter: ctx.D, slotOf: ctx.slotOf, inlineNum: ctx.inlineNum, nslots: ctx.nslots });
      ctx.b = bytes;
      // (the same property order as `batch`: one object shape for the converters)
      const wbatch: Batch = {
        starts: views.starts, ends: views.ends, escaped: this.batch.escaped, nums: views.nums, numOk: views.numOk,
        rowOffsets: views.rowOffsets, rows: 0, anyEscaped: false,
      };
      const problems = ctx.problems;
      const badLine = (rowOffset: number, fields: number): void => problems.badLine(rowOffset, fields, null);
      for (let p = 0; p < bytes.length; ) {
        const t = wasm.tokenize(p, bytes.length, badLine);
        p = t.p;
        wbatch.rows = t.rows;
        for (let c = 0; c < plan.columns.length; c++) convertColumn(ctx, wbatch, plan.columns[c]!, colSlot[c]!, builders[c]!);
        this.rows += t.rows;
      }
      return;
    }
    const batch = this.batch;
    for (let p = 0; p < b.length; ) {
      p = tokenize(ctx, batch, p);
      for (let c = 0; c < plan.columns.length; c++) convertColumn(ctx, batch, plan.columns[c]!, colSlot[c]!, builders[c]!);
      this.rows += batch.rows;
    }
  }

  finish(): ParsedColumns {
    return { builders: this.builders, rows: this.rows };
  }

  /**
   * The WebAssembly tokenizer when it reads these bytes exactly as `tokenize` would: no quote character
   * anywhere (one memchr), no comment prefix, a delimiter that is not a newline, digit or sign. Null otherwise.
   */
  private wasmFor(b: Uint8Array, quoteFree: boolean | undefined): WasmRows | null {
    const { ctx, plan } = this;
    const D = ctx.D;
    if (ctx.comment !== null || ctx.nfields < 1 || D === NL || D === CR || D === 43 || D === 45 || (D >= 48 && D <= 57)) return null;
    if (b.length > WASM_MAX_BYTES) return null;
    // (checkQuotes: ops.ts found none already.) Buffer's indexOf is a memchr; a plain Uint8Array's is not.
    if (!quoteFree && !plan.checkQuotes && Buffer.from(b.buffer, b.byteOffset, b.length).indexOf(ctx.Q) >= 0) return null;
    const owner = ownerOf(b);
    if (owner !== null) return owner;
    // One instance for the whole partition (on the main thread rowsInstance makes a new one each call).
    if (this.wasm === undefined) this.wasm = rowsInstance(b.length);
    return this.wasm;
  }
}

/** Tokenise rows from p into `batch` until it is full or the input ends; returns where to continue. */
function tokenize(ctx: Ctx, batch: Batch, p: number): number {
  const { b, nfields, slotOf, inlineNum, nslots, D, Q, comment } = ctx;
  const { starts, ends, escaped, nums, numOk, rowOffsets } = batch;
  const n = b.length;
  batch.rows = 0;
  if (batch.anyEscaped) escaped.fill(0);
  batch.anyEscaped = false;
  let r = 0;
  while (p < n && r < BATCH_ROWS) {
    const rowStart = p;
    const c0 = b[p]!;
    if (c0 === NL) { p++; continue; }
    if (c0 === CR && (p + 1 >= n || b[p + 1] === NL)) { p += 2; continue; }
    if (comment !== null && startsWith(b, p, comment)) {
      const nl = b.indexOf(NL, p);
      p = nl < 0 ? n : nl + 1;
      continue;
    }
    const base = r;
    let f = 0;
    let broken: string | null = null;
    for (;;) {
      const slot = f < nfields ? slotOf[f]! : -1;
      let c = b[p]!; // p < n at every field start
      if (slot < 0 && f > 0 && c !== Q) {
        // Unprojected plain fields: only their delimiters are counted, up to the next projected or quoted field.
        let rowDone = false;
        for (;;) {
          while (p < n) {
            c = b[p]!;
            if (c === D || c === NL) break;
            p++;
          }
          f++;
          if (p >= n) { rowDone = true; break; }
          p++;
          if (c === NL) { rowDone = true; break; }
          if (p >= n) { // a delimiter ending the input leaves one empty field
            const slot2 = f < nfields ? slotOf[f]! : -1;
            if (slot2 >= 0) { starts[base + (slot2 << SLOT_SHIFT)] = p; ends[base + (slot2 << SLOT_SHIFT)] = p; numOk[base + (slot2 << SLOT_SHIFT)] = 0; }
            f++;
            rowDone = true;
            break;
          }
          if ((f < nfields && slotOf[f]! >= 0) || b[p] === Q) break;
        }
        if (rowDone) break;
        continue;
      }
      let s = p;
      let e: number;
      if (c === Q) {
        let q = p + 1;
        let esc = false;
        for (;;) {
          q = b.indexOf(Q, q);
          if (q < 0 || q + 1 >= n || b[q + 1] !== Q) break;
          esc = true;
          q += 2;
        }
        if (q < 0) { broken = 'a quoted field is not closed before the end of the partition'; p = n; break; }
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
        if (slot >= 0) {
          numOk[base + (slot << SLOT_SHIFT)] = 0;
          if (esc) { escaped[base + (slot << SLOT_SHIFT)] = 1; batch.anyEscaped = true; }
        }
      } else {
        let ok = 0;
        if (slot >= 0 && inlineNum[slot] === 1 && (c === 45 || c === 43 || (c >= 48 && c <= 57))) {
          // First-byte dispatch: an optionally signed run of digits ending the field is parsed right here.
          let q = c === 45 || c === 43 ? p + 1 : p;
          const ds = q;
          let v = 0;
          while (q < n) {
            const d = b[q]! - 48;
            if (d < 0 || d > 9) break;
            v = v * 10 + d;
            q++;
          }
          const nd = q - ds;
          // A leading zero ("007") is a code, not a number, for inferred columns: the converter decides.
          if (nd > 0 && nd <= 15 && (nd === 1 || b[ds] !== 48)) {
            if (q >= n) ok = 1;
            else {
              const t = b[q]!;
              if (t === D || t === NL) ok = 1;
              else if (t === CR && (q + 1 >= n || b[q + 1] === NL)) { ok = 2; }
            }
          }
          if (ok !== 0) {
            nums[base + (slot << SLOT_SHIFT)] = c === 45 ? -v : v;
            e = q;
            p = ok === 2 ? q + 1 : q;
          } else {
            p = q;
          }
        }
        if (ok === 0) {
          while (p < n) {
            c = b[p]!;
            if (c === D || c === NL) break;
            p++;
          }
          e = p;
          if (e > s && b[e - 1] === CR && (p >= n || b[p] === NL)) e--;
        }
        if (slot >= 0) numOk[base + (slot << SLOT_SHIFT)] = ok === 0 ? 0 : 1;
      }
      if (slot >= 0) { starts[base + (slot << SLOT_SHIFT)] = s; ends[base + (slot << SLOT_SHIFT)] = e!; }
      f++;
      if (p >= n) break;
      if (b[p] === D) {
        p++;
        if (p >= n) { // a delimiter ending the input leaves one empty field
          const slot2 = f < nfields ? slotOf[f]! : -1;
          if (slot2 >= 0) { starts[base + (slot2 << SLOT_SHIFT)] = p; ends[base + (slot2 << SLOT_SHIFT)] = p; numOk[base + (slot2 << SLOT_SHIFT)] = 0; }
          f++;
          break;
        }
        continue;
      }
      p++; // the newline
      break;
    }
    // Blank lines (no bytes before the newline) were skipped above; a row holding only `""` is a row.
    if (broken !== null || f !== nfields) {
      if (batch.anyEscaped) for (let k = 0; k < nslots; k++) escaped[(k << SLOT_SHIFT) + base] = 0; // reused by the next row
      ctx.problems.badLine(rowStart, f, broken);
      continue;
    }
    rowOffsets[r++] = rowStart;
  }
  batch.rows = r;
  return p;
}

function startsWith(b: Uint8Array, p: number, prefix: Uint8Array): boolean {
  if (p + prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[p + i] !== prefix[i]) return false;
  return true;
}

function convertColumn(ctx: Ctx, batch: Batch, col: OutColumn, slot: number, builder: ColumnBuilder): void {
  const from = builder.length;
  builder.reserve(from + batch.rows);
  if (slot < 0) {
    for (let r = 0; r < batch.rows; r++) builder.appendNull();
    return;
  }
  if (batch.anyEscaped) { convertGeneric(ctx, batch, col, slot, builder); return; }
  switch (col.kind) {
    case 'float64': convertFloat64(ctx, batch, col, slot, builder as Float64Builder); break;
    case 'int32': convertInt32(ctx, batch, col, slot, builder as Int32Builder); break;
    case 'int64': convertInt64(ctx, batch, col, slot, builder as BigIntBuilder); break;
    case 'category': convertBytes(ctx, batch, slot, builder as DictBuilder); break;
    case 'string': convertBytes(ctx, batch, slot, builder as Utf8Builder); break;
    default: convertGeneric(ctx, batch, col, slot, builder);
  }
}

function convertFloat64(ctx: Ctx, batch: Batch, col: OutColumn, slot: number, builder: Float64Builder): void {
  const { b, na } = ctx;
  const { starts, ends, nums, numOk } = batch;
  const values = builder.values;
  const from = builder.length;
  const strict = !col.forced;
  for (let r = 0, i = slot << SLOT_SHIFT; r < batch.rows; r++, i++) {
    if (numOk[i] === 1) { values[from + r] = nums[i]!; continue; }
    const s = starts[i]!;
    const e = ends[i]!;
    if (na.test(b, s, e)) { builder.markNull(from + r); continue; }
    const v = parseFloatBytes(b, s, e);
    if ((v !== v && !isNanText(b, s, e)) || (strict && isStringNumber(b, s, e))) fail(ctx, batch, col, r, b, s, e);
    values[from + r] = v;
  }
  builder.length = from + batch.rows;
}

function convertInt32(ctx: Ctx, batch: Batch, col: OutColumn, slot: number, builder: Int32Builder): void {
  const { b, na } = ctx;
  const { starts, ends, nums, numOk } = batch;
  const values = builder.values;
  const from = builder.length;
  const strict = !col.forced;
  for (let r = 0, i = slot << SLOT_SHIFT; r < batch.rows; r++, i++) {
    let v: number;
    if (numOk[i] === 1) v = nums[i]!;
    else {
      const s = starts[i]!;
      const e = ends[i]!;
      if (na.test(b, s, e)) { builder.markNull(from + r); continue; }
      v = parseIntBytes(b, s, e);
      if (strict && isStringNumber(b, s, e)) v = NOT_INT;
    }
    if (v === NOT_INT || v < -2147483648 || v > 2147483647) fail(ctx, batch, col, r, b, starts[i]!, ends[i]!);
    values[from + r] = v;
  }
  builder.length = from + batch.rows;
}

function convertInt64(ctx: Ctx, batch: Batch, col: OutColumn, slot: number, builder: BigIntBuilder): void {
  const { b, na } = ctx;
  const { starts, ends, nums, numOk } = batch;
  for (let r = 0, i = slot << SLOT_SHIFT; r < batch.rows; r++, i++) {
    if (numOk[i] === 1) { builder.appendNumber(nums[i]!); continue; }
    const s = starts[i]!;
    const e = ends[i]!;
    if (na.test(b, s, e)) builder.appendNull();
    else if (!appendValue(b, s, e, col, builder)) fail(ctx, batch, col, r, b, s, e);
  }
}

function convertBytes(ctx: Ctx, batch: Batch, slot: number, builder: DictBuilder | Utf8Builder): void {
  const { b, na } = ctx;
  const { starts, ends } = batch;
  for (let r = 0, i = slot << SLOT_SHIFT; r < batch.rows; r++, i++) {
    const s = starts[i]!;
    const e = ends[i]!;
    if (na.test(b, s, e)) builder.appendNull();
    else builder.appendBytes(b, s, e);
  }
}

let unescaped = new Uint8Array(1024);

/** Copy a quoted field's content with doubled quotes collapsed into `unescaped`; returns its length. */
function unescape(b: Uint8Array, s: number, e: number, Q: number): number {
  if (e - s > unescaped.length) unescaped = new Uint8Array((e - s) * 2);
  let j = 0;
  for (let i = s; i < e; i++) {
    unescaped[j++] = b[i]!;
    if (b[i] === Q) i++;
  }
  return j;
}

/** Every kind, one value at a time: rare kinds, and batches holding escaped quotes. */
function convertGeneric(ctx: Ctx, batch: Batch, col: OutColumn, slot: number, builder: ColumnBuilder): void {
  for (let r = 0, i = slot << SLOT_SHIFT; r < batch.rows; r++, i++) {
    let src = ctx.b;
    let s = batch.starts[i]!;
    let e = batch.ends[i]!;
    if (batch.escaped[i] === 1) {
      e = unescape(src, s, e, ctx.Q);
      s = 0;
      src = unescaped;
    }
    if (ctx.na.test(src, s, e)) builder.appendNull();
    else if (!appendValue(src, s, e, col, builder)) fail(ctx, batch, col, r, src, s, e);
  }
}

function appendValue(src: Uint8Array, s: number, e: number, col: OutColumn, builder: ColumnBuilder): boolean {
  const numeric = col.kind === 'float64' || col.kind === 'int32' || col.kind === 'int64';
  if (numeric && !col.forced && isStringNumber(src, s, e)) return false;
  switch (col.kind) {
    case 'float64': {
      const v = parseFloatBytes(src, s, e);
      if (v !== v && !isNanText(src, s, e)) return false;
      (builder as Float64Builder).append(v);
      return true;
    }
    case 'int32': {
      const v = parseIntBytes(src, s, e);
      if (v === NOT_INT || v < -2147483648 || v > 2147483647) return false;
      (builder as Int32Builder).append(v);
      return true;
    }
    case 'int64': {
      const v = parseIntBytes(src, s, e);
      if (v !== NOT_INT) { (builder as BigIntBuilder).appendNumber(v); return true; }
      return appendIf(parseInt64(latin1(src, s, e)), (x) => (builder as BigIntBuilder).appendBigInt(x));
    }
    case 'category': (builder as DictBuilder).appendBytes(src, s, e); return true;
    case 'string': (builder as Utf8Builder).appendBytes(src, s, e); return true;
    case 'bool': return appendIf(parseBool(latin1(src, s, e)), (x) => (builder as BoolBuilder).append(x));
    case 'date': return appendIf(parseDate(latin1(src, s, e)), (x) => (builder as Int32Builder).append(x));
    case 'timestamp': {
      const ms = col.format === undefined ? parseTimestamp(latin1(src, s, e)) : parseFormatted(utf8Text(src, s, e), col.format);
      return appendIf(ms, (x) => (builder as BigIntBuilder).appendBigInt(BigInt(x)));
    }
  }
}

function appendIf<T>(v: T | undefined, append: (v: T) => void): boolean {
  if (v === undefined) return false;
  append(v);
  return true;
}

function fail(ctx: Ctx, batch: Batch, col: OutColumn, r: number, src: Uint8Array, s: number, e: number): never {
  return ctx.problems.badValue(batch.rowOffsets[r]!, col, utf8Text(src, s, e));
}
