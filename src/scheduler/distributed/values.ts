// Task arguments and results as they cross between hosts: Arrow data and typed arrays larger than a few KB
// go to storage (storage.ts) and are replaced by a StoredRef; everything else travels inline, V8-serialised.
// The same walk runs in the client (arguments, scattered values) and in workers (results).

import { serialize, deserialize } from 'node:v8';
import { Data, RecordBatch, Table, Vector } from 'apache-arrow';
import { toWire, fromWire } from '../transport.ts';
import { setOwn } from '../../kernels/name-records.ts';
import { type StoredRef, isStoredRef, pathOf, readShared, writeAtomic } from './storage.ts';

/** Values above this many bytes are written to storage; below it a file costs more than it saves. */
export const INLINE_LIMIT = 8 * 1024;

/** Where a walk writes the big values it meets: `dir` (relative to `root`, already existing) and a file-name stem. */
export interface StoreTarget {
  readonly root: string;
  readonly dir: string;
  /** Unique per task execution (task key hash + generation): the same task re-run writes the same names. */
  readonly stem: string;
  /** Files written so far under this stem; numbering follows the walk, so it is the same on every re-run. */
  count: number;
  /** Bytes written (for statistics). */
  written: number;
}

const ARROW_TAG = '$tesseraArrow';

const TYPED_ARRAYS: Record<string, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

function isPlain(x: object): boolean {
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

function isArrow(x: object): boolean {
  return x instanceof RecordBatch || x instanceof Table || x instanceof Vector || x instanceof Data;
}

function rowsOf(x: object): number {
  if (x instanceof RecordBatch || x instanceof Table) return x.numRows;
  if (x instanceof Vector || x instanceof Data) return x.length;
  return 0;
}

/**
 * `value` with every Arrow object and typed array over INLINE_LIMIT written under `target` and replaced by
 * a StoredRef; smaller Arrow objects become inline Arrow IPC. `cache` (optional) maps objects already
 * written to their reference, so a value sent to many tasks (a scattered table) is written once.
 */
export function storeValue(value: unknown, target: StoreTarget, cache?: WeakMap<object, StoredRef>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isStoredRef(value)) return value;
  const hit = cache?.get(value);
  if (hit) return hit;
  if (isArrow(value)) {
    const desc = toWire(value, 'ipc') as { [ARROW_TAG]: string; ipc: Uint8Array; names: string[] };
    if (desc.ipc.byteLength <= INLINE_LIMIT) return desc;
    const ref = write(target, 'arrow', [desc.ipc], { $tesseraStored: 'arrow', rows: rowsOf(value), kind: desc[ARROW_TAG], names: desc.names });
    cache?.set(value, ref);
    return ref;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (value.byteLength <= INLINE_LIMIT) {
      // A view on a SharedArrayBuffer would be serialised as a reference to this process's memory.
      return value.buffer instanceof SharedArrayBuffer ? copyView(value) : value;
    }
    const dtype = value.constructor.name;
    if (!(dtype in TYPED_ARRAYS)) return value;
    const ref = write(target, 'bin', [bytes], { $tesseraStored: 'typed', rows: (value as unknown as { length: number }).length, dtype });
    cache?.set(value, ref);
    return ref;
  }
  if (Array.isArray(value)) return value.map((x) => storeValue(x, target, cache));
  if (isPlain(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) setOwn(out, k, storeValue((value as Record<string, unknown>)[k], target, cache));
    return out;
  }
  return value; // Map, Set, Date...: V8 serialisation carries them
}

function write(target: StoreTarget, ext: string, chunks: Uint8Array[], ref: Omit<StoredRef, 'uri' | 'bytes'>): StoredRef {
  const uri = `${target.dir}/${target.stem}-${target.count++}.${ext}`;
  const bytes = chunks.reduce((s, c) => s + c.byteLength, 0);
  writeAtomic(pathOf(target.root, uri), chunks);
  target.written += bytes;
  return { ...ref, uri, bytes } as StoredRef;
}

function copyView(v: ArrayBufferView): ArrayBufferView {
  const Ctor = v.constructor as new (b: ArrayBuffer) => ArrayBufferView;
  const copy = new ArrayBuffer(v.byteLength);
  new Uint8Array(copy).set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return new Ctor(copy);
}

/**
 * The inverse of storeValue: references are read from storage under `root`, inline Arrow IPC decoded.
 * With `root` null, references stay as they are (the client keeps results on storage until asked for them).
 */
export function loadValue(value: unknown, root: string | null): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isStoredRef(value)) return root === null ? value : loadStored(value, root);
  if (Array.isArray(value)) return value.map((x) => loadValue(x, root));
  if (!isPlain(value)) return value;
  if (ARROW_TAG in value) return fromWire(value);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) setOwn(out, k, loadValue((value as Record<string, unknown>)[k], root));
  return out;
}

export function loadStored(ref: StoredRef, root: string): unknown {
  const bytes = readShared(pathOf(root, ref.uri), ref.bytes);
  if (ref.$tesseraStored === 'arrow') return fromWire({ [ARROW_TAG]: ref.kind, ipc: bytes, names: ref.names ?? [] });
  const Ctor = TYPED_ARRAYS[ref.dtype ?? ''];
  if (!Ctor) throw new Error(`storage reference ${ref.uri} names an unknown typed array '${String(ref.dtype)}'`);
  return new Ctor(bytes.buffer, 0, ref.rows);
}

/** Every StoredRef inside `value` (results held by the client, for deleting their files when dropped). */
export function storedRefsIn(value: unknown, out: StoredRef[] = []): StoredRef[] {
  if (typeof value !== 'object' || value === null) return out;
  if (isStoredRef(value)) out.push(value);
  else if (Array.isArray(value)) for (const x of value) storedRefsIn(x, out);
  else if (isPlain(value)) for (const x of Object.values(value)) storedRefsIn(x, out);
  return out;
}

/** True when `value` holds a StoredRef anywhere (the client must read it before handing it out). */
export function hasStoredRef(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isStoredRef(value)) return true;
  if (Array.isArray(value)) return value.some(hasStoredRef);
  if (isPlain(value)) return Object.values(value).some(hasStoredRef);
  return false;
}

/** A stored-and-walked value as text for a Redis job (V8 serialisation keeps bigint, NaN, -0, undefined, Map). */
export function pack(value: unknown): string {
  return serialize(value).toString('base64');
}

export function unpack(text: string): unknown {
  return deserialize(Buffer.from(text, 'base64'));
}
