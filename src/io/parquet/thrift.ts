// A small reader for Thrift's compact protocol, enough to decode a Parquet footer (FileMetaData)
// synchronously: parquet-wasm exposes no column statistics, and its metadata API is async only.

/** A decoded struct: field id -> value. Lists are arrays, binaries Uint8Array, i64 numbers (bigint past 2^53). */
export type ThriftStruct = Map<number, ThriftValue>;
export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftValue[] | ThriftStruct | Map<ThriftValue, ThriftValue>;

const T_STOP = 0;
const T_TRUE = 1;
const T_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

export class ThriftError extends Error {}

/** Nesting deeper than this is not a Parquet footer (and would otherwise risk a stack overflow). */
const MAX_DEPTH = 64;

export class CompactReader {
  private pos: number;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array, start = 0) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.pos;
  }

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new ThriftError(`metadata ends early (at byte ${this.pos} of ${this.bytes.length})`);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 varint, as a number while exact and as a bigint beyond 2^53. */
  private varint(): number | bigint {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return Number.isSafeInteger(result) ? result : this.bigVarintFrom(i + 1);
      scale *= 128;
    }
    throw new ThriftError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  private bigVarintFrom(len: number): bigint {
    // Re-read the last `len` bytes exactly.
    let r = 0n;
    const start = this.pos - len;
    for (let i = len - 1; i >= 0; i--) r = (r << 7n) | BigInt(this.bytes[start + i]! & 0x7f);
    return r;
  }

  private zigzag(): number | bigint {
    const v = this.varint();
    if (typeof v === 'bigint') return (v >> 1n) ^ -(v & 1n);
    // (v >>> 1) ^ -(v & 1) without 32-bit truncation.
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  private value(type: number, depth: number): ThriftValue {
    switch (type) {
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_BYTE: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case T_I16:
      case T_I32:
      case T_I64:
        return this.zigzag();
      case T_DOUBLE: {
        if (this.pos + 8 > this.bytes.length) throw new ThriftError('metadata ends inside a double');
        const d = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return d;
      }
      case T_BINARY: {
        const n = Number(this.varint());
        if (this.pos + n > this.bytes.length) throw new ThriftError(`a ${n}-byte string runs past the end of the metadata`);
        const out = this.bytes.subarray(this.pos, this.pos + n);
        this.pos += n;
        return out;
      }
      case T_LIST:
      case T_SET:
        return this.list(depth);
      case T_MAP:
        return this.map(depth);
      case T_STRUCT:
        return this.struct(depth + 1);
      default:
        throw new ThriftError(`unknown compact type ${type} at byte ${this.pos - 1}`);
    }
  }

  private list(depth: number): ThriftValue[] {
    const head = this.byte();
    let size = head >> 4;
    const elem = head & 0x0f;
    if (size === 15) size = Number(this.varint());
    if (size > this.bytes.length - this.pos && elem !== T_TRUE && elem !== T_FALSE) {
      throw new ThriftError(`list of ${size} elements cannot fit in the metadata`);
    }
    const out: ThriftValue[] = [];
    for (let i = 0; i < size; i++) {
      // Booleans inside collections are one byte each (1 = true).
      if (elem === T_TRUE || elem === T_FALSE) out.push(this.byte() === 1);
      else out.push(this.value(elem, depth));
    }
    return out;
  }

  private map(depth: number): Map<ThriftValue, ThriftValue> {
    const size = Number(this.varint());
    const out = new Map<ThriftValue, ThriftValue>();
    if (size === 0) return out;
    const types = this.byte();
    for (let i = 0; i < size; i++) out.set(this.value(types >> 4, depth), this.value(types & 0x0f, depth));
    return out;
  }

  /** Read one struct (fields until STOP). */
  struct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new ThriftError('metadata nests too deeply');
    const out: ThriftStruct = new Map();
    let last = 0;
    for (;;) {
      const head = this.byte();
      const type = head & 0x0f;
      if (type === T_STOP) return out;
      const delta = head >> 4;
      const id = delta === 0 ? Number(this.zigzag()) : last + delta;
      last = id;
      out.set(id, this.value(type, depth));
    }
  }
}

/** Decode one compact-protocol struct from `bytes`. */
export function readStruct(bytes: Uint8Array): ThriftStruct {
  return new CompactReader(bytes).struct();
}

// ---- typed trees, for rewriting a footer ----------------------------------------------------------------
// The plain decoder above forgets wire types (i32 vs i64, binary vs string); rewriting a footer needs
// them to encode it back, so this second form keeps each value's compact type.

export type TValue =
  | { readonly t: 'bool'; v: boolean }
  | { readonly t: 'int'; readonly wire: number; v: number | bigint }
  | { readonly t: 'double'; v: number }
  | { readonly t: 'binary'; v: Uint8Array }
  | { readonly t: 'list'; readonly wire: number; readonly elem: number; items: TValue[] }
  | { readonly t: 'map'; readonly kt: number; readonly vt: number; entries: Array<[TValue, TValue]> }
  | { readonly t: 'struct'; fields: Map<number, TValue> };
export type TStruct = Extract<TValue, { t: 'struct' }>;

class TypedReader {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}
  private byte(): number {
    if (this.pos >= this.b.length) throw new ThriftError(`metadata ends early (at byte ${this.pos})`);
    return this.b[this.pos++]!;
  }
  private uvarint(): bigint {
    let r = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const x = this.byte();
      r |= BigInt(x & 0x7f) << shift;
      if ((x & 0x80) === 0) return r;
      shift += 7n;
    }
    throw new ThriftError('varint longer than 10 bytes');
  }
  private zigzag(): number | bigint {
    const u = this.uvarint();
    const v = (u >> 1n) ^ -(u & 1n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  value(type: number, depth: number): TValue {
    switch (type) {
      case T_TRUE:
        return { t: 'bool', v: true };
      case T_FALSE:
        return { t: 'bool', v: false };
      case T_BYTE: {
        const x = this.byte();
        return { t: 'int', wire: T_BYTE, v: x > 127 ? x - 256 : x };
      }
      case T_I16:
      case T_I32:
      case T_I64:
        return { t: 'int', wire: type, v: this.zigzag() };
      case T_DOUBLE: {
        if (this.pos + 8 > this.b.length) throw new ThriftError('metadata ends inside a double');
        const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return { t: 'double', v };
      }
      case T_BINARY: {
        const n = Number(this.uvarint());
        if (this.pos + n > this.b.length) throw new ThriftError('a string runs past the end of the metadata');
        const v = this.b.subarray(this.pos, this.pos + n);
        this.pos += n;
        return { t: 'binary', v };
      }
      case T_LIST:
      case T_SET: {
        const head = this.byte();
        let size = head >> 4;
        const elem = head & 0x0f;
        if (size === 15) size = Number(this.uvarint());
        const items: TValue[] = [];
        for (let i = 0; i < size; i++) {
          items.push(elem === T_TRUE || elem === T_FALSE ? { t: 'bool', v: this.byte() === 1 } : this.value(elem, depth));
        }
        return { t: 'list', wire: type, elem, items };
      }
      case T_MAP: {
        const size = Number(this.uvarint());
        const kv = size > 0 ? this.byte() : 0;
        const entries: Array<[TValue, TValue]> = [];
        for (let i = 0; i < size; i++) entries.push([this.value(kv >> 4, depth), this.value(kv & 0x0f, depth)]);
        return { t: 'map', kt: kv >> 4, vt: kv & 0x0f, entries };
      }
      case T_STRUCT:
        return this.struct(depth + 1);
      default:
        throw new ThriftError(`unknown compact type ${type}`);
    }
  }
  struct(depth = 0): TStruct {
    if (depth > MAX_DEPTH) throw new ThriftError('metadata nests too deeply');
    const fields = new Map<number, TValue>();
    let last = 0;
    for (;;) {
      const head = this.byte();
      const type = head & 0x0f;
      if (type === T_STOP) return { t: 'struct', fields };
      const delta = head >> 4;
      const id = delta === 0 ? Number(this.zigzag()) : last + delta;
      last = id;
      fields.set(id, this.value(type, depth));
    }
  }
}

export function readTypedStruct(bytes: Uint8Array): TStruct {
  return new TypedReader(bytes).struct();
}

class Writer {
  private buf = new Uint8Array(1024);
  private n = 0;
  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }
  byte(x: number): void {
    this.ensure(1);
    this.buf[this.n++] = x & 0xff;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  uvarint(v: bigint): void {
    do {
      let x = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) x |= 0x80;
      this.byte(x);
    } while (v > 0n);
  }
  zigzag(v: number | bigint): void {
    const b = BigInt(v);
    this.uvarint(b >= 0n ? b << 1n : ((-b) << 1n) - 1n);
  }
  wireType(v: TValue): number {
    switch (v.t) {
      case 'bool':
        return v.v ? T_TRUE : T_FALSE;
      case 'int':
        return v.wire;
      case 'double':
        return T_DOUBLE;
      case 'binary':
        return T_BINARY;
      case 'list':
        return v.wire;
      case 'map':
        return T_MAP;
      case 'struct':
        return T_STRUCT;
    }
  }
  value(v: TValue): void {
    switch (v.t) {
      case 'bool':
        return; // in the field header (struct fields) or written by the list
      case 'int':
        if (v.wire === T_BYTE) this.byte(Number(v.v));
        else this.zigzag(v.v);
        return;
      case 'double': {
        const d = new Uint8Array(8);
        new DataView(d.buffer).setFloat64(0, v.v, true);
        this.bytes(d);
        return;
      }
      case 'binary':
        this.uvarint(BigInt(v.v.length));
        this.bytes(v.v);
        return;
      case 'list': {
        const size = v.items.length;
        if (size < 15) this.byte((size << 4) | v.elem);
        else {
          this.byte(0xf0 | v.elem);
          this.uvarint(BigInt(size));
        }
        for (const it of v.items) {
          if (it.t === 'bool') this.byte(it.v ? 1 : 0);
          else this.value(it);
        }
        return;
      }
      case 'map':
        this.uvarint(BigInt(v.entries.length));
        if (v.entries.length > 0) this.byte((v.kt << 4) | v.vt);
        for (const [k, x] of v.entries) {
          this.value(k);
          this.value(x);
        }
        return;
      case 'struct': {
        let last = 0;
        for (const id of [...v.fields.keys()].sort((a, b) => a - b)) {
          const f = v.fields.get(id)!;
          const wt = this.wireType(f);
          const delta = id - last;
          if (delta > 0 && delta <= 15) this.byte((delta << 4) | wt);
          else {
            this.byte(wt);
            this.zigzag(id);
          }
          last = id;
          this.value(f);
        }
        this.byte(T_STOP);
        return;
      }
    }
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }
}

export function writeTypedStruct(s: TStruct): Uint8Array {
  const w = new Writer();
  w.value(s);
  return w.result();
}
