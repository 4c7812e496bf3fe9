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
