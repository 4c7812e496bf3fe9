// Growable column builders whose buffers live in SharedArrayBuffers, shared by both parsers.
// The fast parser appends straight from byte slices (no JS string per field); papaparse appends JS values.

import { Bool, type Data, type DataType, DateDay, Dictionary, Float64, Int32, Int64, TimestampMillisecond, Utf8 } from 'apache-arrow';
import { dictionaryData, primitiveData, sharedArray, utf8Data } from '../../kernels/arrow-build.ts';

export type ColumnKind = 'int32' | 'int64' | 'float64' | 'bool' | 'string' | 'category' | 'date' | 'timestamp';

/** The Arrow type of a kind. Dictionary ids are fixed by the caller (column position in the full schema). */
export function arrowType(kind: ColumnKind, dictId: number): DataType {
  switch (kind) {
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'float64': return new Float64();
    case 'bool': return new Bool();
    case 'string': return new Utf8();
    case 'category': return new Dictionary(new Utf8(), new Int32(), dictId);
    case 'date': return new DateDay();
    case 'timestamp': return new TimestampMillisecond();
  }
}

type Ctor<T> = { new (b: ArrayBufferLike, o: number, l: number): T; BYTES_PER_ELEMENT: number };

function grow<T extends { length: number; set(a: ArrayLike<number> | ArrayLike<bigint>): void }>(Ctor: Ctor<T>, old: T, need: number): T {
  const next = sharedArray(Ctor, Math.max(need, old.length * 2, 64));
  next.set(old as any);
  return next;
}

/** A validity bitmap kept all-ones ahead of the cursor, so valid appends cost nothing. */
class Validity {
  bits: Uint8Array;
  nulls = 0;
  constructor(capacity: number) {
    this.bits = sharedArray(Uint8Array, (capacity + 7) >> 3);
    this.bits.fill(0xff);
  }
  ensure(rows: number): void {
    const bytes = (rows + 7) >> 3;
    if (bytes <= this.bits.length) return;
    const next = sharedArray(Uint8Array, Math.max(bytes, this.bits.length * 2));
    next.fill(0xff);
    next.set(this.bits);
    this.bits = next;
  }
  setNull(i: number): void {
    this.bits[i >> 3]! &= ~(1 << (i & 7));
    this.nulls++;
  }
  view(length: number): Uint8Array | null {
    return this.nulls === 0 ? null : this.bits.subarray(0, (length + 7) >> 3);
  }
}

export abstract class ColumnBuilder {
  length = 0;
  protected readonly valid: Validity;
  constructor(readonly type: DataType, capacity: number) {
    this.valid = new Validity(capacity);
  }
  appendNull(): void {
    this.reserve(this.length + 1);
    this.valid.setNull(this.length++);
  }
  /** Make room for `rows` rows in total (values and validity). */
  abstract reserve(rows: number): void;
  /** Mark row i (< reserved rows) null; for writers that fill `values` directly and then set `length`. */
  markNull(i: number): void {
    this.valid.setNull(i);
  }
  abstract finish(): Data;
}

/** float64 columns. (One class per array type keeps each append site monomorphic.) */
export class Float64Builder extends ColumnBuilder {
  values: Float64Array;
  constructor(type: DataType, capacity: number) {
    super(type, capacity);
    this.values = sharedArray(Float64Array, capacity);
  }
  reserve(rows: number): void {
    if (rows > this.values.length) this.values = grow(Float64Array, this.values, rows);
    this.valid.ensure(rows);
  }
  append(v: number): void {
    if (this.length >= this.values.length) this.reserve(this.length + 1);
    this.values[this.length++] = v;
  }
  finish(): Data {
    this.valid.ensure(this.length);
    return primitiveData(this.type, this.length, this.values.subarray(0, this.length), this.valid.view(this.length));
  }
}

/** int32 and date (days) columns. */
export class Int32Builder extends ColumnBuilder {
  values: Int32Array;
  constructor(type: DataType, capacity: number) {
    super(type, capacity);
    this.values = sharedArray(Int32Array, capacity);
  }
  reserve(rows: number): void {
    if (rows > this.values.length) this.values = grow(Int32Array, this.values, rows);
    this.valid.ensure(rows);
  }
  append(v: number): void {
    if (this.length >= this.values.length) this.reserve(this.length + 1);
    this.values[this.length++] = v;
  }
  finish(): Data {
    this.valid.ensure(this.length);
    return primitiveData(this.type, this.length, this.values.subarray(0, this.length), this.valid.view(this.length));
  }
}

const TWO32 = 4294967296;

/** int64 and timestamp: BigInt64Array storage, written through an Int32 view so safe integers need no BigInt. */
export class BigIntBuilder extends ColumnBuilder {
  values: BigInt64Array;
  private words: Int32Array;
  constructor(type: DataType, capacity: number) {
    super(type, capacity);
    this.values = sharedArray(BigInt64Array, capacity);
    this.words = new Int32Array(this.values.buffer, 0, this.values.length * 2);
  }
  reserve(rows: number): void {
    if (rows > this.values.length) {
      this.values = grow(BigInt64Array, this.values, rows);
      this.words = new Int32Array(this.values.buffer, 0, this.values.length * 2);
    }
    this.valid.ensure(rows);
  }
  /** A safe integer (|n| < 2^53). */
  appendNumber(n: number): void {
    if (this.length >= this.values.length) this.reserve(this.length + 1);
    const hi = Math.floor(n / TWO32);
    const i = this.length++ << 1;
    this.words[i] = (n - hi * TWO32) | 0; // little-endian: low word first
    this.words[i + 1] = hi;
  }
  appendBigInt(n: bigint): void {
    if (this.length >= this.values.length) this.reserve(this.length + 1);
    this.values[this.length++] = n;
  }
  finish(): Data {
    this.valid.ensure(this.length);
    return primitiveData(this.type, this.length, this.values.subarray(0, this.length), this.valid.view(this.length));
  }
}

export class BoolBuilder extends ColumnBuilder {
  bits: Uint8Array;
  constructor(type: DataType, capacity: number) {
    super(type, capacity);
    this.bits = sharedArray(Uint8Array, (capacity + 7) >> 3);
  }
  reserve(rows: number): void {
    if ((rows + 7) >> 3 > this.bits.length) this.bits = grow(Uint8Array, this.bits, (rows + 7) >> 3);
    this.valid.ensure(rows);
  }
  append(v: boolean): void {
    this.reserve(this.length + 1);
    if (v) this.bits[this.length >> 3]! |= 1 << (this.length & 7);
    this.length++;
  }
  finish(): Data {
    this.valid.ensure(this.length);
    return primitiveData(this.type, this.length, this.bits.subarray(0, (this.length + 7) >> 3), this.valid.view(this.length));
  }
}

/** Bytes + offsets, the storage of Utf8 columns and of dictionaries. */
class ByteArena {
  bytes: Uint8Array;
  offsets: Int32Array;
  count = 0;
  constructor(capacity: number, byteCapacity: number) {
    this.bytes = sharedArray(Uint8Array, byteCapacity);
    this.offsets = sharedArray(Int32Array, capacity + 1);
  }
  push(src: Uint8Array, start: number, end: number): void {
    const at = this.offsets[this.count]!;
    const need = at + (end - start);
    if (need > this.bytes.length) this.bytes = grow(Uint8Array, this.bytes, need);
    if (this.count + 2 > this.offsets.length) this.offsets = grow(Int32Array, this.offsets, this.count + 2);
    if (end - start < 16) for (let i = start, j = at; i < end; i++, j++) this.bytes[j] = src[i]!;
    else this.bytes.set(src.subarray(start, end), at);
    this.offsets[++this.count] = need;
  }
  data(): Data<Utf8> {
    return utf8Data(this.count, this.offsets.subarray(0, this.count + 1), this.bytes.subarray(0, this.offsets[this.count]!), null);
  }
}

const encoder = new TextEncoder();
let scratch = new Uint8Array(1024);

/** UTF-8 bytes of a JS string in a reused buffer (valid until the next call). */
export function utf8Bytes(s: string): { buf: Uint8Array; len: number } {
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3);
  return { buf: scratch, len: encoder.encodeInto(s, scratch).written };
}

export class Utf8Builder extends ColumnBuilder {
  private readonly arena: ByteArena;
  constructor(type: DataType, capacity: number, byteCapacity: number) {
    super(type, capacity);
    this.arena = new ByteArena(capacity, byteCapacity);
  }
  reserve(rows: number): void {
    this.valid.ensure(rows);
  }
  appendBytes(src: Uint8Array, start: number, end: number): void {
    this.arena.push(src, start, end);
    this.length++;
  }
  override appendNull(): void {
    this.arena.push(scratch, 0, 0);
    super.appendNull();
  }
  appendString(s: string): void {
    const { buf, len } = utf8Bytes(s);
    this.appendBytes(buf, 0, len);
  }
  finish(): Data {
    this.valid.ensure(this.length);
    const d = this.arena.data();
    return utf8Data(this.length, d.valueOffsets, d.values, this.valid.view(this.length));
  }
}

/** log2 of the short-value cache size of a DictBuilder. */
const SHORT_BITS = 10;

/** Dictionary<Utf8, Int32>: codes in first-seen order, found by hashing the byte slice (no JS string). */
export class DictBuilder extends ColumnBuilder {
  codes: Int32Array;
  private readonly dict = new ByteArena(64, 1024);
  private table = new Int32Array(256); // code + 1, 0 = empty; open addressing
  private hashes = new Int32Array(64);
  /** The cache of short values: packed key (-1 = empty: no key has all top bits set) and its code. */
  private readonly shortKeys = new Int32Array(1 << SHORT_BITS).fill(-1);
  private readonly shortCodes = new Int32Array(1 << SHORT_BITS);
  constructor(type: DataType, capacity: number) {
    super(type, capacity);
    this.codes = sharedArray(Int32Array, capacity);
  }
  reserve(rows: number): void {
    if (rows > this.codes.length) this.codes = grow(Int32Array, this.codes, rows);
    this.valid.ensure(rows);
  }
  appendBytes(src: Uint8Array, start: number, end: number): void {
    if (this.length >= this.codes.length) this.reserve(this.length + 1);
    const len = end - start;
    if (len > 3) { this.codes[this.length++] = this.codeOf(src, start, end); return; }
    // Values of at most 3 bytes (codes, carriers, airports) are their own key: bytes and length packed in
    // one int, looked up in a direct-mapped cache before any hashing or byte comparison.
    const key = len === 0 ? 0 : (len << 24) | src[start]! | (len > 1 ? src[start + 1]! << 8 : 0) | (len > 2 ? src[start + 2]! << 16 : 0);
    const at = Math.imul(key, 0x9e3779b1) >>> (32 - SHORT_BITS);
    let code: number;
    if (this.shortKeys[at] === key) code = this.shortCodes[at]!;
    else {
      code = this.codeOf(src, start, end);
      this.shortKeys[at] = key;
      this.shortCodes[at] = code;
    }
    this.codes[this.length++] = code;
  }
  appendString(s: string): void {
    const { buf, len } = utf8Bytes(s);
    this.appendBytes(buf, 0, len);
  }
  private codeOf(src: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ src[i]!, 0x01000193);
    const mask = this.table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const c = this.table[slot]! - 1;
      if (c < 0) return this.insert(src, start, end, h, slot);
      if (this.hashes[c] === h && this.sameBytes(c, src, start, end)) return c;
    }
  }
  private sameBytes(code: number, src: Uint8Array, start: number, end: number): boolean {
    const off = this.dict.offsets[code]!;
    if (this.dict.offsets[code + 1]! - off !== end - start) return false;
    const b = this.dict.bytes;
    for (let i = start, j = off; i < end; i++, j++) if (b[j] !== src[i]) return false;
    return true;
  }
  private insert(src: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const code = this.dict.count;
    this.dict.push(src, start, end);
    if (code >= this.hashes.length) {
      const next = new Int32Array(this.hashes.length * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    this.hashes[code] = h;
    this.table[slot] = code + 1;
    if ((code + 1) * 2 > this.table.length) this.rehash();
    return code;
  }
  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    const mask = this.table.length - 1;
    for (let c = 0; c < this.dict.count; c++) {
      let slot = this.hashes[c]! & mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & mask;
      this.table[slot] = c + 1;
    }
  }
  finish(): Data {
    this.valid.ensure(this.length);
    return dictionaryData(this.type as Dictionary, this.length, this.codes.subarray(0, this.length), this.dict.data(), this.valid.view(this.length));
  }
}

export function makeBuilder(kind: ColumnKind, dictId: number, capacity: number, byteCapacity: number): ColumnBuilder {
  const type = arrowType(kind, dictId);
  switch (kind) {
    case 'float64': return new Float64Builder(type, capacity);
    case 'int32': case 'date': return new Int32Builder(type, capacity);
    case 'int64': case 'timestamp': return new BigIntBuilder(type, capacity);
    case 'bool': return new BoolBuilder(type, capacity);
    case 'string': return new Utf8Builder(type, capacity, byteCapacity);
    case 'category': return new DictBuilder(type, capacity);
  }
}
