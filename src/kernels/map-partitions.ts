// mapPartitions in the task: call the user's function on one whole partition and hold what it returns to
// the schema promised when the frame was built (meta), so a partition that returns another shape is an
// error naming the partition and both schemas, never a silently different column.

import { type Data, type DataType, type RecordBatch, Bool, Field, Float64, Int32, Int64, Schema, Type, Utf8 } from 'apache-arrow';
import { makeBatch, primitiveData, sharedArray } from './arrow-build.ts';
import { concatBatches } from './concat.ts';
import { buildColumn } from './groupby/aggregate.ts';
import { GroupFrame } from './groupby/group-frame.ts';
import type { KeyValue } from './groupby/group-ids.ts';
import { type UdfRef, loadUdf } from './groupby/udf-runtime.ts';
import { castData, sameType } from './union-cast.ts';
import { normalizeBatch } from './ingest-types.ts';

/** What a mapPartitions function receives: the partition's rows (GroupFrame's accessors) and its index. */
export class PartitionFrame extends GroupFrame {
  constructor(
    batch: RecordBatch,
    /** Index of the partition in the input frame. */
    readonly partition: number,
  ) {
    super(batch, {});
  }
}

export interface MapPartitionsArgs {
  readonly fn: UdfRef;
  readonly params: unknown;
  readonly partition: number;
  /** An empty batch with the promised schema (Arrow types travel to workers inside a batch). */
  readonly meta: RecordBatch;
}

export async function mapPartition(batch: RecordBatch, args: MapPartitionsArgs): Promise<RecordBatch> {
  const fn = await loadUdf(args.fn);
  let result: unknown;
  try {
    result = await fn(new PartitionFrame(batch, args.partition), args.params);
  } catch (e) {
    throw new Error(`mapPartitions: the function failed on partition ${args.partition}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  return resultBatch(result, args.meta.schema, args.partition);
}

const describeSchema = (s: Schema) => `[${s.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ')}]`;

function isBatch(x: unknown): x is RecordBatch {
  return typeof x === 'object' && x !== null && 'schema' in x && 'numRows' in x && 'data' in x && typeof (x as RecordBatch).getChild === 'function' && !('batches' in x);
}
function isTable(x: unknown): x is { schema: Schema; batches: RecordBatch[] } {
  return typeof x === 'object' && x !== null && 'schema' in x && Array.isArray((x as { batches?: unknown }).batches);
}

/**
 * The function's result as a batch. With `meta` null (inferring the schema from the first partition) the
 * types come from the result itself; otherwise the result must have meta's columns, in order, of meta's types
 * (a dictionary-encoded string column counts as a string column; JS values are built as meta's type).
 */
export function resultBatch(result: unknown, meta: Schema | null, partition: number): RecordBatch {
  if (result instanceof GroupFrame) result = result.batch;
  if (isTable(result)) result = result.batches.length === 1 ? result.batches[0] : concatBatches(result.schema, result.batches.length > 0 ? result.batches : []);
  const where = `mapPartitions: partition ${partition}`;
  if (isBatch(result)) {
    const batch = normalizeBatch(result); // user Arrow data: float16 and large strings come in as float32 and utf8
    if (meta === null) return batch;
    const got = batch.schema;
    const names = got.fields.map((f) => f.name);
    const sameNames = names.length === meta.fields.length && names.every((n, i) => n === meta.fields[i]!.name);
    const compatible = sameNames && got.fields.every((f, i) => sameType(f.type, meta.fields[i]!.type) || (isStringType(f.type) && isStringType(meta.fields[i]!.type)));
    if (!compatible) throw schemaError(where, describeSchema(got), meta);
    return makeBatch(meta, batch.data.children.map((d, i) => castData(d, meta.fields[i]!.type, `${where}: column '${names[i]}'`)));
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new TypeError(`${where} returned ${Array.isArray(result) ? 'an array' : String(result)}; return an Arrow RecordBatch or Table, the frame, or an object of equal-length columns ({name: array})`);
  }
  const entries = Object.entries(result as Record<string, unknown>);
  let length = -1;
  for (const [name, col] of entries) {
    if (!(Array.isArray(col) || (ArrayBuffer.isView(col) && !(col instanceof DataView)))) throw new TypeError(`${where}: column '${name}' is ${typeof col}; each column must be an array or a typed array`);
    const n = (col as ArrayLike<unknown>).length;
    if (length >= 0 && n !== length) throw new Error(`${where}: column '${name}' has ${n} values but '${entries[0]![0]}' has ${length}; columns must have equal lengths`);
    length = n;
  }
  if (meta !== null) {
    const names = entries.map(([n]) => n);
    if (names.length !== meta.fields.length || names.some((n, i) => n !== meta.fields[i]!.name)) throw schemaError(where, `[${names.join(', ')}]`, meta);
  }
  const fields: Field[] = [];
  const data: Data[] = [];
  entries.forEach(([name, col], i) => {
    const type = meta !== null ? meta.fields[i]!.type : inferColumnType(col as ArrayLike<unknown>, `${where}: column '${name}'`);
    fields.push(new Field(name, type, true));
    data.push(columnOf(col as ArrayLike<unknown>, type, `${where}: column '${name}'`));
  });
  return makeBatch(meta ?? new Schema(fields), data);
}

function isStringType(t: DataType): boolean {
  return t.typeId === Type.Utf8 || (t.typeId === Type.Dictionary && (t as unknown as { dictionary: DataType }).dictionary.typeId === Type.Utf8);
}

function schemaError(where: string, got: string, meta: Schema): Error {
  return new Error(`${where} returned columns ${got} but the frame's schema (meta) is ${describeSchema(meta)}; return the same columns and types from every partition, or pass a meta that matches`);
}

/**
 * A column's type from its values, decided by the kind of container, never by the values a partition
 * happens to hold (so every partition gets the same type): typed arrays keep theirs; arrays of JS numbers
 * are Float64 (return an Int32Array or BigInt64Array for integers), strings Utf8, booleans Bool, bigints Int64.
 */
function inferColumnType(col: ArrayLike<unknown>, what: string): DataType {
  if (col instanceof Float64Array || col instanceof Float32Array) return new Float64();
  if (col instanceof Int32Array || col instanceof Int16Array || col instanceof Int8Array || col instanceof Uint16Array || col instanceof Uint8Array) return new Int32();
  if (col instanceof BigInt64Array || col instanceof Uint32Array) return new Int64();
  if (ArrayBuffer.isView(col)) throw new TypeError(`${what}: ${col.constructor.name} is not supported; use Float64Array, Int32Array or BigInt64Array`);
  let kind: string | null = null;
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (v === null || v === undefined) continue;
    const t = typeof v;
    if (kind === null) kind = t;
    else if (t !== kind) throw new TypeError(`${what} holds both ${kind} and ${t} values; return one type per column`);
  }
  switch (kind) {
    case 'string':
      return new Utf8();
    case 'boolean':
      return new Bool();
    case 'bigint':
      return new Int64();
    case 'number':
    case null:
      return new Float64();
    default:
      throw new TypeError(`${what} holds ${kind} values; columns hold numbers, strings, booleans, bigints or null`);
  }
}

/** Build a column of `type` from JS values, refusing values the type cannot hold exactly. */
function columnOf(col: ArrayLike<unknown>, type: DataType, what: string): Data {
  const n = col.length;
  if (type.typeId === Type.Float && ArrayBuffer.isView(col) && !(col instanceof BigInt64Array)) {
    const out = sharedArray(Float64Array, n);
    for (let i = 0; i < n; i++) out[i] = Number(col[i]);
    return primitiveData(new Float64(), n, out, null);
  }
  const values: KeyValue[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = col[i];
    values[i] = v === undefined || v === null ? null : (v as KeyValue);
    if (values[i] === null) continue;
    const t = typeof v;
    const ok =
      type.typeId === Type.Int
        ? (t === 'number' && Number.isSafeInteger(v)) || t === 'bigint'
        : type.typeId === Type.Float
          ? t === 'number' || t === 'bigint'
          : type.typeId === Type.Bool
            ? t === 'boolean'
            : isStringType(type)
              ? t === 'string'
              : false;
    if (!ok) throw new TypeError(`${what}: value ${String(v)} (${t}) does not fit ${String(type)}`);
    if (type.typeId === Type.Int) {
      const w = (type as unknown as { bitWidth: number; isSigned: boolean });
      const big = BigInt(v as number | bigint);
      const lo = w.isSigned ? -(1n << BigInt(w.bitWidth - 1)) : 0n;
      const hi = w.isSigned ? (1n << BigInt(w.bitWidth - 1)) - 1n : (1n << BigInt(w.bitWidth)) - 1n;
      if (big < lo || big > hi) throw new RangeError(`${what}: value ${String(v)} does not fit ${String(type)}`);
    }
  }
  if (type.typeId === Type.Dictionary || (type.typeId === Type.Float && (type as unknown as { precision: number }).precision !== 2)) {
    throw new TypeError(`${what}: meta declares ${String(type)}, which a column of plain values cannot be built as; declare it as 'utf8' or 'float64', or return an Arrow batch`);
  }
  return buildColumn(type, values);
}
