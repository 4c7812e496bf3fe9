// Decoded Parquet columns out of parquet-wasm by the Arrow C data interface: the buffers are read in
// place in WebAssembly memory and copied once, straight into one SharedArrayBuffer. The IPC export it
// replaces serialised them inside WebAssembly memory, copied that out, then copied again into shared
// memory. Only flat columns of the simple layouts are taken this way (numbers, dates, timestamps,
// booleans, strings, binary); for anything else the caller falls back to the IPC export.

import { type DataType, type Date_, type Float, type Int, Data, DateUnit, Precision, RecordBatch, Schema, Struct, Type, makeData, tableFromIPC } from 'apache-arrow';
import type { Table as WasmTable } from 'parquet-wasm';
import { parquetWasm } from './wasm.ts';

// struct ArrowArray on wasm32: five int64 (length, null_count, offset, n_buffers, n_children), then
// 32-bit pointers (buffers, children, dictionary, release, private_data).
const LENGTH = 0;
const NULL_COUNT = 8;
const OFFSET = 16;
const N_BUFFERS = 24;
const N_CHILDREN = 32;
const BUFFERS = 40;
const CHILDREN = 44;
const DICTIONARY = 48;

interface Copy {
  readonly from: number;
  readonly bytes: number;
  at: number;
}

/** Bytes per value of a fixed-width type taken here, or 0 when this path does not take the type. */
function fixedWidth(t: DataType): number {
  switch (t.typeId) {
    case Type.Int:
      return (t as Int).bitWidth / 8;
    case Type.Float:
      return (t as Float).precision === Precision.HALF ? 2 : (t as Float).precision === Precision.SINGLE ? 4 : 8;
    case Type.Date:
      return (t as Date_).unit === DateUnit.DAY ? 4 : 8;
    case Type.Timestamp:
      return 8;
    default:
      return 0;
  }
}

const isVarBinary = (t: DataType) => t.typeId === Type.Utf8 || t.typeId === Type.Binary || t.typeId === Type.LargeUtf8 || t.typeId === Type.LargeBinary;
const isLargeOffsets = (t: DataType) => t.typeId === Type.LargeUtf8 || t.typeId === Type.LargeBinary;

const schemas = new Map<string, Schema>();
function schemaFromIpc(bytes: Uint8Array): Schema {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let s = schemas.get(key);
  if (!s) {
    s = tableFromIPC(bytes).schema;
    if (schemas.size >= 64) schemas.delete(schemas.keys().next().value!);
    schemas.set(key, s);
  }
  return s;
}

/** Whether every column of `schema` has a layout this path copies (flat, no dictionary). */
export function ffiCanRead(schema: Schema): boolean {
  return schema.fields.every((f) => fixedWidth(f.type) > 0 || f.type.typeId === Type.Bool || isVarBinary(f.type));
}

/**
 * The table's record batches over one SharedArrayBuffer, or null when a column's type is not one this
 * path takes (the table is then left as it was, for the IPC export). Otherwise the table is consumed, and
 * a layout found unexpected on the way throws FfiLayoutUnsupported: decode again and export by IPC.
 */
export function batchesFromWasm(table: WasmTable): { schema: Schema; batches: RecordBatch[] } | null {
  const got = exportBatches(table, false);
  if (got === null) return null;
  got.release();
  return { schema: got.schema, batches: got.batches };
}

/**
 * The same batches as views straight into WebAssembly memory, for a caller that uses them at once and
 * keeps nothing of them: they are valid only until `release()` (which frees them) and until the next
 * call into parquet-wasm (which may grow its memory and detach the buffer they view). Null as above;
 * a buffer not 8-aligned throws FfiLayoutUnsupported like an unexpected layout.
 */
export function viewBatchesInWasm(table: WasmTable): { schema: Schema; batches: RecordBatch[]; release: () => void } | null {
  return exportBatches(table, true);
}

function exportBatches(table: WasmTable, inPlace: boolean): { schema: Schema; batches: RecordBatch[]; release: () => void } | null {
  const schema = schemaFromIpc(table.schema.intoIPCStream());
  if (!ffiCanRead(schema)) return null;
  const stream = table.intoFFI();
  let kept = false;
  try {
    const n = stream.numArrays();
    const addrs = Array.from({ length: n }, (_, b) => stream.arrayAddr(b));
    // Taken after the last call into WebAssembly: a call may grow the memory and replace its buffer.
    const mem = new DataView(parquetWasm().wasmMemory().buffer);
    const u32 = (p: number) => mem.getUint32(p, true);
    const i64 = (p: number) => Number(mem.getBigInt64(p, true));
    const copies: Copy[] = [];
    let total = 0;
    const plan = (from: number, bytes: number): Copy => {
      const c: Copy = { from, bytes, at: total };
      total += Math.ceil(bytes / 8) * 8; // every buffer starts 8-aligned
      copies.push(c);
      return c;
    };
    // First pass: what to copy for each column of each batch, and how to rebuild it.
    type Col = { type: DataType; length: number; nullCount: number; validity: Copy | null; offsets: Copy | null; values: Copy | null };
    const batches: Array<{ length: number; cols: Col[] }> = [];
    for (const top of addrs) {
      const length = i64(top + LENGTH);
      if (i64(top + OFFSET) !== 0 || i64(top + N_CHILDREN) !== schema.fields.length) return unsupported();
      const children = u32(top + CHILDREN);
      const cols: Col[] = [];
      for (let c = 0; c < schema.fields.length; c++) {
        const type = schema.fields[c]!.type;
        const a = u32(children + 4 * c);
        const nullCount = i64(a + NULL_COUNT);
        if (i64(a + LENGTH) !== length || i64(a + OFFSET) !== 0 || i64(a + N_CHILDREN) !== 0 || u32(a + DICTIONARY) !== 0 || nullCount < 0) return unsupported();
        const bufs = u32(a + BUFFERS);
        const nbuf = i64(a + N_BUFFERS);
        const ptr = (k: number) => u32(bufs + 4 * k);
        const validity = nullCount > 0 ? (ptr(0) === 0 ? null : plan(ptr(0), (length + 7) >> 3)) : null;
        if (nullCount > 0 && validity === null) return unsupported();
        const width = fixedWidth(type);
        let offsets: Copy | null = null;
        let values: Copy | null = null;
        if (width > 0 || type.typeId === Type.Bool) {
          if (nbuf !== 2 || (length > 0 && ptr(1) === 0)) return unsupported();
          values = plan(ptr(1), width > 0 ? length * width : (length + 7) >> 3);
        } else {
          if (nbuf !== 3 || ptr(1) === 0) return unsupported();
          const large = isLargeOffsets(type);
          const offBytes = (length + 1) * (large ? 8 : 4);
          offsets = plan(ptr(1), offBytes);
          const end = large ? i64(ptr(1) + 8 * length) : mem.getInt32(ptr(1) + 4 * length, true);
          if (end > 0 && ptr(2) === 0) return unsupported();
          values = plan(ptr(2), end);
        }
        cols.push({ type, length, nullCount, validity, offsets, values });
      }
      batches.push({ length, cols });
    }
    // In place: views at the buffers' own addresses (8-aligned, as typed arrays of 64-bit values need).
    // Otherwise one copy of every buffer, straight from WebAssembly memory into shared memory.
    let target: ArrayBufferLike;
    let view: <T>(Ctor: new (b: ArrayBufferLike, o: number, n: number) => T, c: Copy, per: number) => T;
    if (inPlace && copies.every((c) => c.from % 8 === 0)) {
      target = mem.buffer;
      view = (Ctor, c, per) => new Ctor(target, c.from, c.bytes / per);
    } else {
      if (inPlace) unsupported(); // the table was consumed: the caller decodes again
      const sab = new SharedArrayBuffer(Math.max(8, total));
      const dst = new Uint8Array(sab);
      const src = new Uint8Array(mem.buffer);
      for (const c of copies) if (c.bytes > 0) dst.set(src.subarray(c.from, c.from + c.bytes), c.at);
      target = sab;
      view = (Ctor, c, per) => new Ctor(target, c.at, c.bytes / per);
    }
    const out = batches.map(({ length, cols }) => {
      const children = cols.map((col): Data => {
        const nullBitmap = col.validity ? view(Uint8Array, col.validity, 1) : undefined;
        const common = { type: col.type, length: col.length, nullCount: col.nullCount, nullBitmap };
        if (col.offsets) {
          const Off = isLargeOffsets(col.type) ? BigInt64Array : Int32Array;
          return makeData({ ...common, valueOffsets: view(Off as never, col.offsets, Off.BYTES_PER_ELEMENT), data: view(Uint8Array, col.values!, 1) } as never);
        }
        const Arr = col.type.ArrayType as new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView;
        const per = (Arr as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
        return makeData({ ...common, data: view(Arr, col.values!, per) } as never);
      });
      return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
    });
    kept = inPlace;
    return { schema, batches: out, release: inPlace ? () => stream.free() : () => {} };
  } finally {
    if (!kept) stream.free();
  }
}

/** Thrown when a batch has a layout this path did not expect (an offset, a dictionary, an unknown null count). */
export class FfiLayoutUnsupported extends Error {}
function unsupported(): never {
  throw new FfiLayoutUnsupported('a column layout the FFI copy does not take');
}
