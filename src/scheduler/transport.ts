// Moving task arguments and results between the main thread and workers. Arrow objects become small
// descriptors: 'shared' mode keeps every buffer on a SharedArrayBuffer (a worker sees the same memory, no
// copy); 'ipc' mode, for child processes that cannot share memory, writes them as Arrow IPC streams (a copy).

import { Data, Message, RecordBatch, Schema, Field, Struct, Table, Vector, makeData, makeVector, tableFromIPC, tableToIPC, type DataType } from 'apache-arrow';
import { emptyBatch } from '../kernels/arrow-build.ts';
import { setOwn } from '../kernels/name-records.ts';
import { adoptMemory, memoryOf } from '../kernels/array/wasm-chunks.ts';

export type WireMode = 'shared' | 'ipc';

/** Marker key of an encoded Arrow object; other plain objects pass through untouched. */
const TAG = '$tesseraArrow';

type Kind = 'batch' | 'table' | 'vector' | 'data';

/** One Data node: offset, length, null count, [offsets, values, validity, typeIds], children, dictionary chunks. */
interface DataDesc {
  o: number;
  l: number;
  n: number;
  b: Array<ArrayBufferView | undefined>;
  c: DataDesc[];
  d?: DataDesc[];
  v?: Uint8Array[];
}

interface SharedDesc {
  [TAG]: Kind;
  /** IPC schema message; a bare Vector or Data is described as a one-field schema. */
  schema: Uint8Array;
  chunks: DataDesc[];
}

interface IpcDesc {
  [TAG]: Kind;
  ipc: Uint8Array;
  /** Top-level field names, sent aside: apache-arrow's IPC reader turns an empty name into "null". */
  names: string[];
}

/** Encode `value` for a worker: Arrow objects anywhere inside arrays or plain objects are replaced by descriptors. */
export function toWire(value: unknown, mode: WireMode): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof RecordBatch) return encodeArrow('batch', value.schema, [value.data], mode);
  if (value instanceof Table) return encodeArrow('table', value.schema, value.batches.map((b) => b.data), mode);
  if (value instanceof Vector) return encodeArrow('vector', oneField(value.type), value.data, mode);
  if (value instanceof Data) return encodeArrow('data', oneField(value.type), [value], mode);
  if (Array.isArray(value)) return value.map((x) => toWire(x, mode));
  if (isPlain(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) setOwn(out, k, toWire((value as Record<string, unknown>)[k], mode));
    return out;
  }
  if (mode === 'shared' && ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    // a view of a shared WebAssembly memory travels with the Memory, so kernels there can address it
    const memory = memoryOf(value.buffer);
    if (memory !== undefined) return { [WASM_TAG]: value.constructor.name, memory, o: value.byteOffset, l: (value as unknown as { length: number }).length } satisfies WasmViewDesc;
  }
  return value; // typed arrays, Maps, Dates...: structured clone handles them (SAB-backed views are shared)
}

/** Marker key of a typed array over a shared WebAssembly memory (wasm-chunks.ts). */
const WASM_TAG = '$tesseraWasmView';

interface WasmViewDesc {
  [WASM_TAG]: string;
  memory: object;
  o: number;
  l: number;
}

const VIEW_TYPES: Record<string, new (b: SharedArrayBuffer, o: number, n: number) => ArrayBufferView> = {
  Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray, BigInt64Array, BigUint64Array,
};

function decodeWasmView(desc: WasmViewDesc): ArrayBufferView {
  const Ctor = VIEW_TYPES[desc[WASM_TAG]];
  if (!Ctor) throw new TypeError(`cannot rebuild a ${desc[WASM_TAG]} over a WebAssembly memory`);
  return new Ctor(adoptMemory(desc.memory), desc.o, desc.l);
}

/** Inverse of toWire; Arrow objects come back over the same memory in 'shared' mode. */
export function fromWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(fromWire);
  if (!isPlain(value)) return value;
  if (WASM_TAG in value) return decodeWasmView(value as WasmViewDesc);
  const kind = (value as Record<string, unknown>)[TAG] as Kind | undefined;
  if (kind !== undefined) return 'ipc' in value ? decodeIpc(value as IpcDesc) : decodeShared(value as SharedDesc);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) setOwn(out, k, fromWire((value as Record<string, unknown>)[k]));
  return out;
}

/** Total bytes of Arrow buffers inside `value` (progress and benchmarks). */
export function arrowBytes(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (value instanceof Data) return value.byteLength;
  if (value instanceof RecordBatch) return value.data.byteLength;
  if (value instanceof Table) return value.batches.reduce((s, b) => s + b.data.byteLength, 0);
  if (value instanceof Vector) return value.data.reduce((s, d) => s + d.byteLength, 0);
  if (Array.isArray(value)) return value.reduce((s: number, x) => s + arrowBytes(x), 0);
  if (isPlain(value)) return Object.values(value).reduce((s: number, x) => s + arrowBytes(x), 0);
  return 0;
}

/**
 * Bytes of shared memory inside `value` that this thread's handles keep alive: Arrow buffers (arrowBytes) and
 * typed arrays over a SharedArrayBuffer (array chunks and reduction partials, plain objects holding them).
 * shared-gc counts them as let go of once a value is dropped: a buffer is freed only when every thread that
 * held it has collected its handle, and V8 counts neither kind towards its own collections.
 */
export function sharedBytes(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (ArrayBuffer.isView(value)) return value.buffer instanceof SharedArrayBuffer ? value.byteLength : 0;
  if (Array.isArray(value)) return value.reduce((s: number, x) => s + sharedBytes(x), 0);
  if (isPlain(value)) return Object.values(value).reduce((s: number, x) => s + sharedBytes(x), 0);
  return arrowBytes(value);
}

function isPlain(x: object): boolean {
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

function oneField(type: DataType): Schema {
  return new Schema([new Field('value', type, true)]);
}

function encodeArrow(kind: Kind, schema: Schema, chunks: readonly Data[], mode: WireMode): SharedDesc | IpcDesc {
  if (mode === 'ipc') return { [TAG]: kind, ipc: encodeIpc(kind, schema, chunks), names: schema.fields.map((f) => f.name) };
  const type = kind === 'batch' || kind === 'table' ? new Struct(schema.fields) : schema.fields[0]!.type;
  return { [TAG]: kind, schema: schemaBytes(schema), chunks: chunks.map((d) => describe(d, type)) };
}

// ---- shared mode -------------------------------------------------------------------------------------

// Schemas are encoded once per Schema object here and decoded once per distinct message on the other
// side: decoding costs ~80 us, which would otherwise be paid on every task.
const encodedSchemas = new WeakMap<Schema, Uint8Array>();
const decodedSchemas = new Map<string, Schema>();
const MAX_DECODED_SCHEMAS = 512;

function schemaBytes(schema: Schema): Uint8Array {
  let bytes = encodedSchemas.get(schema);
  if (!bytes) {
    bytes = Message.encode(Message.from(schema));
    encodedSchemas.set(schema, bytes);
  }
  return bytes;
}

function schemaFrom(bytes: Uint8Array): Schema {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let schema = decodedSchemas.get(key);
  if (!schema) {
    schema = withEmptyNames(Message.decode(bytes).header() as Schema);
    if (decodedSchemas.size >= MAX_DECODED_SCHEMAS) decodedSchemas.delete(decodedSchemas.keys().next().value!);
    decodedSchemas.set(key, schema);
  }
  return schema;
}

// A Data is immutable, so its descriptor (and any copy into shared memory) is made once per Data.
const descriptors = new WeakMap<Data, DataDesc>();

function describe(data: Data, type: DataType): DataDesc {
  let desc = descriptors.get(data);
  if (desc) return desc;
  const childTypes = (type.children ?? []) as Field[];
  desc = {
    o: data.offset,
    l: data.length,
    n: (data as unknown as { _nullCount: number })._nullCount,
    b: [data.valueOffsets, data.values, data.nullBitmap, data.typeIds].map(shared),
    c: (data.children ?? []).map((c, i) => describe(c, childTypes[i]?.type ?? c.type)),
  };
  if (data.dictionary) desc.d = data.dictionary.data.map((d) => describe(d, (type as { dictionary?: DataType }).dictionary ?? d.type));
  if ((data.variadicBuffers?.length ?? 0) > 0) desc.v = data.variadicBuffers.map((b) => shared(b) as Uint8Array);
  descriptors.set(data, desc);
  return desc;
}

/** The same view if it already lives on a SharedArrayBuffer, else a copy on a new one (made once per Data). */
function shared(view: ArrayBufferView | undefined): ArrayBufferView | undefined {
  if (!view || view.buffer instanceof SharedArrayBuffer) return view;
  const sab = new SharedArrayBuffer(view.byteLength);
  new Uint8Array(sab).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const Ctor = view.constructor as new (b: SharedArrayBuffer, o: number, n: number) => ArrayBufferView;
  const per = (view as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
  return new Ctor(sab, 0, view.byteLength / per);
}

function rebuild(desc: DataDesc, type: DataType): Data {
  const childTypes = (type.children ?? []) as Field[];
  const children = desc.c.map((c, i) => rebuild(c, childTypes[i]!.type));
  const dictType = (type as { dictionary?: DataType }).dictionary;
  const dictionary = desc.d && dictType ? makeVector(desc.d.map((d) => rebuild(d, dictType))) : undefined;
  return new Data(type, desc.o, desc.l, desc.n, desc.b as never, children, dictionary, desc.v);
}

function decodeShared(desc: SharedDesc): unknown {
  const schema = schemaFrom(desc.schema);
  const kind = desc[TAG];
  if (kind === 'batch' || kind === 'table') {
    const struct = new Struct(schema.fields);
    const batches = desc.chunks.map((c) => new RecordBatch(schema, rebuild(c, struct) as Data<Struct>));
    return kind === 'batch' ? batches[0] : new Table(schema, batches);
  }
  const type = schema.fields[0]!.type;
  const chunks = desc.chunks.map((c) => rebuild(c, type));
  return kind === 'data' ? chunks[0] : makeVector(chunks);
}

// ---- ipc mode ----------------------------------------------------------------------------------------

function encodeIpc(kind: Kind, schema: Schema, chunks: readonly Data[]): Uint8Array {
  const struct = new Struct(schema.fields);
  // A bare Vector or Data travels as the one column of a batch with the one-field schema.
  const batches = kind === 'batch' || kind === 'table'
    ? chunks.map((d) => new RecordBatch(schema, d as Data<Struct>))
    : chunks.map((d) => new RecordBatch(schema, makeData({ type: struct, length: d.length, nullCount: 0, children: [d] })));
  const table = batches.length > 0 ? new Table(batches) : new Table(schema);
  return tableToIPC(table, 'stream');
}

/** apache-arrow decodes an empty field name as null: a column named '' must stay ''. */
function withEmptyNames(schema: Schema): Schema {
  if (schema.fields.every((f) => typeof f.name === 'string')) return schema;
  return new Schema(schema.fields.map((f) => (typeof f.name === 'string' ? f : f.clone({ name: '' }))), schema.metadata);
}

/** Put back the names the IPC reader lost (an empty name comes back as "null"). */
function renamed(table: Table, names: readonly string[]): Table {
  if (table.schema.fields.every((f, i) => f.name === names[i])) return table;
  const schema = new Schema(table.schema.fields.map((f, i) => f.clone({ name: names[i]! })), table.schema.metadata);
  return new Table(schema, table.batches.map((b) => new RecordBatch(schema, b.data)));
}

function decodeIpc(desc: IpcDesc): unknown {
  const table = renamed(tableFromIPC(desc.ipc), desc.names);
  switch (desc[TAG]) {
    case 'table':
      return table;
    case 'batch':
      return table.batches[0] ?? emptyBatch(table.schema);
    case 'vector':
      return table.getChildAt(0)!;
    case 'data':
      return table.getChildAt(0)!.data[0];
  }
}

