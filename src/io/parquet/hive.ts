// Hive partition columns: a `key=value` folder becomes a column holding that value on every row of the
// files below it. Types come from the writer's note in the file metadata when tessera wrote the folders
// (so they round-trip exactly), else are inferred from the folder names (ints, then floats, else strings).

import { type Data, type DataType, type Field, Bool, DataType as DT, Dictionary, Float64, Int32, Int64, Message, Schema, Utf8, makeData } from 'apache-arrow';
import { dictionaryData, sharedArray, utf8Data } from '../../kernels/arrow-build.ts';
import type { TermValue } from './filters.ts';

/** Key in a Parquet file's key-value metadata holding the partition columns' Arrow fields (base64 IPC schema). */
export const HIVE_SCHEMA_KEY = 'tessera:hive_schema';

export function encodeHiveSchema(fields: readonly Field[]): string {
  return Buffer.from(Message.encode(Message.from(new Schema([...fields])))).toString('base64');
}

export function decodeHiveSchema(b64: string): Schema | null {
  try {
    return Message.decode(new Uint8Array(Buffer.from(b64, 'base64'))).header() as Schema;
  } catch {
    return null;
  }
}

/** Types a partition column may have (what writes and reads back as a folder name exactly). */
export function isHiveType(t: DataType): boolean {
  return DT.isInt(t) || DT.isFloat(t) || DT.isBool(t) || DT.isUtf8(t) || (DT.isDictionary(t) && DT.isUtf8(t.dictionary));
}

/** Infer a type from the raw folder values of one key. */
export function inferHiveType(values: readonly (string | null)[]): DataType {
  const present = values.filter((v): v is string => v !== null);
  if (present.length > 0 && present.every((v) => /^-?\d+$/.test(v))) {
    return present.every((v) => Math.abs(Number(v)) <= 2147483647) ? new Int32() : new Int64();
  }
  if (present.length > 0 && present.every((v) => v.trim() !== '' && Number.isFinite(Number(v)))) return new Float64();
  return new Dictionary(new Utf8(), new Int32());
}

/** The value of a folder name under a type, or undefined when it does not parse. */
export function parseHiveValue(type: DataType, raw: string | null): TermValue | null | undefined {
  if (raw === null) return null;
  if (DT.isInt(type)) {
    if (!/^-?\d+$/.test(raw)) return undefined;
    return type.bitWidth === 64 ? BigInt(raw) : Number(raw);
  }
  if (DT.isFloat(type)) {
    const x = Number(raw);
    return raw.trim() !== '' && !Number.isNaN(x) ? x : raw === 'NaN' ? NaN : undefined;
  }
  if (DT.isBool(type)) return raw === 'true' ? true : raw === 'false' ? false : undefined;
  return raw;
}

/** The folder text for a value (inverse of parseHiveValue). */
export function formatHiveValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return String(v);
}

/** A SharedArrayBuffer-backed column of `rows` copies of `value` (all null when value is null). */
export function constantColumn(type: DataType, value: TermValue | null, rows: number): Data {
  const validity = value === null ? sharedArray(Uint8Array, (rows + 7) >> 3) : null;
  const nullCount = value === null ? rows : 0;
  if (DT.isDictionary(type)) {
    const s = value === null ? '' : String(value);
    const bytes = new TextEncoder().encode(s);
    const buf = sharedArray(Uint8Array, bytes.length);
    buf.set(bytes);
    const offsets = sharedArray(Int32Array, 2);
    offsets[1] = bytes.length;
    return dictionaryData(type, rows, sharedArray(Int32Array, rows), utf8Data(1, offsets, buf, null), validity);
  }
  if (DT.isUtf8(type)) {
    const bytes = new TextEncoder().encode(value === null ? '' : String(value));
    const buf = sharedArray(Uint8Array, bytes.length * rows);
    const offsets = sharedArray(Int32Array, rows + 1);
    for (let i = 0; i < rows; i++) {
      buf.set(bytes, i * bytes.length);
      offsets[i + 1] = (i + 1) * bytes.length;
    }
    return utf8Data(rows, offsets, buf, validity);
  }
  if (DT.isBool(type)) {
    const bits = sharedArray(Uint8Array, (rows + 7) >> 3);
    if (value === true) bits.fill(0xff);
    return makeData({ type: type as Bool, length: rows, nullCount, data: bits, nullBitmap: validity ?? undefined });
  }
  if (DT.isInt(type) || DT.isFloat(type)) {
    const Ctor = (type as unknown as { ArrayType: new (b: SharedArrayBuffer, o: number, n: number) => { fill(v: unknown): void } }).ArrayType;
    const per = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const arr = new Ctor(new SharedArrayBuffer(Math.max(8, Math.ceil((rows * per) / 8) * 8)), 0, rows);
    if (value !== null) arr.fill(DT.isInt(type) && type.bitWidth === 64 ? BigInt(value as number | bigint) : Number(value));
    return makeData({ type: type as Int32, length: rows, nullCount, data: arr as unknown as Int32Array, nullBitmap: validity ?? undefined });
  }
  throw new TypeError(`a partition column cannot have type ${String(type)}`);
}

