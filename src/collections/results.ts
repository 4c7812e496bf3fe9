// Plain JavaScript out of Arrow results: rows as objects, columns as arrays, and a readable text table
// like pandas' repr. Arrow's own toArray() turns nulls into 0 and prints internals; these keep nulls as
// null, int64 values as numbers when exact and bigints beyond 2^53, and dates as Date.

import { DataType, RecordBatch, Table, Vector } from 'apache-arrow';

/** A value as a JS user expects it: null, number, bigint (only beyond 2^53), string, boolean, Date, array, object. */
export type PlainValue = null | number | bigint | string | boolean | Date | PlainValue[] | { [k: string]: PlainValue };

type Columnar = Table | RecordBatch;

function plainValue(type: DataType, v: unknown): PlainValue {
  if (v === null || v === undefined) return null;
  if (DataType.isDate(type) || DataType.isTimestamp(type)) return new Date(Number(v)); // Arrow gives epoch ms
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (DataType.isList(type) || DataType.isFixedSizeList(type)) {
    const child = (type as unknown as { children: { type: DataType }[] }).children[0]!.type;
    return [...(v as Iterable<unknown>)].map((x) => plainValue(child, x));
  }
  if (DataType.isStruct(type)) {
    const out = Object.create(null) as { [k: string]: PlainValue };
    const row = v as { [k: string]: unknown };
    for (const f of (type as unknown as { children: { name: string; type: DataType }[] }).children) out[f.name] = plainValue(f.type, row[f.name]);
    return out;
  }
  if (typeof v === 'object' && !(v instanceof Date)) return String(v); // decimals and other exotic values: their text
  return v as PlainValue;
}

/** The values of a column (Vector), as an array of plain values. */
export function vectorValues(v: Vector): PlainValue[] {
  const out: PlainValue[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = plainValue(v.type, v.get(i));
  return out;
}

function columnsOf(x: Columnar): { name: string; vector: Vector }[] {
  return x.schema.fields.map((f, i) => ({ name: f.name, vector: x.getChildAt(i)! as Vector }));
}

/**
 * Rows as objects `{column: value}`: nulls stay null, int64 beyond 2^53 is a bigint, dates are Date.
 * Objects have no prototype, so a column named `__proto__` or `constructor` is an ordinary key.
 */
export function toRecords(x: Columnar): Record<string, PlainValue>[] {
  const cols = columnsOf(x).map((c) => ({ name: c.name, values: vectorValues(c.vector) }));
  const out: Record<string, PlainValue>[] = new Array(x.numRows);
  for (let r = 0; r < x.numRows; r++) {
    const row = Object.create(null) as Record<string, PlainValue>;
    for (const c of cols) row[c.name] = c.values[r]!;
    out[r] = row;
  }
  return out;
}

/** 8-to-32-bit integer and float columns without nulls become typed arrays; everything else arrays of plain values. */
function isTypedArrayFriendly(v: Vector): boolean {
  const t = v.type;
  return v.nullCount === 0 && ((DataType.isInt(t) && (t as unknown as { bitWidth: number }).bitWidth < 64) || DataType.isFloat(t));
}

/**
 * Columns as `{column: values}`: a typed array (Float64Array, Int32Array, ...) for a numeric column of at
 * most 32-bit integers or floats without nulls, otherwise an array of plain values as toRecords gives them.
 */
export function toColumns(x: Columnar): Record<string, PlainValue[] | Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array> {
  const out = Object.create(null) as ReturnType<typeof toColumns>;
  for (const { name, vector } of columnsOf(x)) {
    out[name] = isTypedArrayFriendly(vector) ? (vector.toArray() as Float64Array) : vectorValues(vector);
  }
  return out;
}

/** Options of formatTable and print(). */
export interface FormatOptions {
  /** Rows shown: when there are more, the first and last half of this many, with '...' between. Default 10. */
  readonly rows?: number;
  /** Longest cell text before it is cut with '…'. Default 30. */
  readonly maxWidth?: number;
}

/** The same text for a lazy frame's first rows: the shape line says what is known without a full pass. */
export function formatHead(head: Table, more: boolean, npartitions: number, options: FormatOptions = {}): string {
  const text = formatTable(head, { ...options, rows: Math.max(head.numRows, 2) });
  const shape = more ? `[first ${head.numRows} rows of a lazy frame; ${npartitions} partitions x ${head.numCols} columns; compute() for all rows]` : `[${head.numRows} rows x ${head.numCols} columns]`;
  return text.replace(/\n\[\d+ rows x \d+ columns\]\n/, `\n${shape}\n`);
}

/** A lazy frame's description, computing nothing (as Dask's repr): partitions and dtypes. */
export function describeLazy(kind: string, npartitions: number, fields: readonly { name: string; type: DataType }[]): string {
  return `${kind}(npartitions=${npartitions})\n${fields.map((f) => `  ${f.name}: ${dtypeName(f.type)}`).join('\n')}`;
}

/** toRecords under the name some users look for first. */
export const toObjects = (x: Table | RecordBatch): Record<string, PlainValue>[] => toRecords(x);

function cellText(v: PlainValue, maxWidth: number): string {
  let s: string;
  if (v === null) s = 'null';
  else if (typeof v === 'number') s = Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  else if (v instanceof Date) s = Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString().replace('T00:00:00.000Z', '').replace('.000Z', 'Z');
  else if (typeof v === 'object') s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}` : x));
  else s = String(v);
  s = s.replace(/\n/g, '\\n');
  return s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s;
}

/** Short dtype names, as DataFrame.dtypes gives them. */
export function dtypeName(t: DataType): string {
  if (DataType.isDictionary(t)) return dtypeName((t as unknown as { dictionary: DataType }).dictionary);
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return 'string';
  if (DataType.isBool(t)) return 'bool';
  if (DataType.isInt(t)) {
    const i = t as unknown as { bitWidth: number; isSigned: boolean };
    return `${i.isSigned ? 'int' : 'uint'}${i.bitWidth}`;
  }
  if (DataType.isFloat(t)) return ['float16', 'float32', 'float64'][(t as unknown as { precision: number }).precision] ?? 'float';
  if (DataType.isDate(t)) return 'date';
  if (DataType.isTimestamp(t)) return 'timestamp';
  return String(t).toLowerCase();
}

/**
 * A text table like pandas' repr: the row index, column names, first and last rows, then the shape and
 * each column's dtype. For a Table or RecordBatch (a computed frame) or a Vector (a computed series).
 */
export function formatTable(x: Columnar | Vector, options: FormatOptions = {}, name = 'value'): string {
  const maxRows = Math.max(2, options.rows ?? 10);
  const maxWidth = Math.max(4, options.maxWidth ?? 30);
  const cols = x instanceof Vector ? [{ name, vector: x }] : columnsOf(x);
  const n = x instanceof Vector ? x.length : x.numRows;
  const shown = n <= maxRows ? [...Array(n).keys()] : [...Array(Math.ceil(maxRows / 2)).keys(), -1, ...Array.from({ length: Math.floor(maxRows / 2) }, (_, i) => n - Math.floor(maxRows / 2) + i)];
  const index = ['', ...shown.map((r) => (r < 0 ? '...' : String(r)))];
  const columns = cols.map(({ name: colName, vector }) => [
    cellText(colName, maxWidth),
    ...shown.map((r) => (r < 0 ? '...' : cellText(plainValue(vector.type, vector.get(r)), maxWidth))),
  ]);
  const all = [index, ...columns];
  const widths = all.map((c) => Math.max(...c.map((s) => s.length)));
  const lines = index.map((_, r) => all.map((c, j) => (j === 0 ? c[r]!.padEnd(widths[j]!) : c[r]!.padStart(widths[j]!))).join('  ').trimEnd());
  const shape = x instanceof Vector ? `[${n} values]` : `[${n} rows x ${cols.length} columns]`;
  const dtypes = cols.map((c) => `${c.name}: ${dtypeName(c.vector.type)}`).join(', ');
  return [...lines, '', shape, `dtypes: ${dtypes}`].join('\n');
}
