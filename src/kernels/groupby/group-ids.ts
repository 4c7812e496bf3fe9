// Assigning a dense group id to every row of a partition from one or several key columns, without a
// JS object per row: dictionary keys map through their codes, numbers through a Map of numbers, and
// several key columns combine their per-column ids arithmetically (strings only as a last resort).

import { type Data, Type } from 'apache-arrow';
import { validityOf } from '../validity.ts';

export type KeyValue = string | number | bigint | boolean | null;

export interface Grouping {
  /** Group of each row; -1 for rows dropped because a key is null and dropna is on. */
  readonly ids: Int32Array;
  readonly ngroups: number;
  /** keys[c][g]: value of key column c for group g (first-seen order). */
  readonly keys: KeyValue[][];
}

const decoder = new TextDecoder();

interface ColumnIds {
  ids: Int32Array; // -1 = null
  values: KeyValue[]; // distinct non-null values, by local id
  hasNull: boolean;
}

/** Local ids of one key column: distinct non-null values numbered in first-seen order; null -> -1. */
function columnIds(data: Data): ColumnIds {
  const n = data.length;
  const ids = new Int32Array(n);
  const valid = validityOf(data);
  const values: KeyValue[] = [];
  let hasNull = false;
  const isValid = (i: number) => valid === null || ((valid[i >> 3]! >> (i & 7)) & 1) === 1;
  if (data.typeId === Type.Dictionary) {
    // Codes are already dense: renumber them in first-seen order and decode each used entry once.
    const codes = data.values as Int32Array;
    const dict = data.dictionary!;
    const remap = new Int32Array(dict.length).fill(-1);
    for (let i = 0; i < n; i++) {
      if (!isValid(i)) {
        ids[i] = -1;
        hasNull = true;
        continue;
      }
      const c = codes[i]!;
      let id = remap[c]!;
      if (id < 0) {
        id = remap[c] = values.length;
        values.push(dict.get(c) as string);
      }
      ids[i] = id;
    }
    return { ids, values, hasNull };
  }
  if (data.typeId === Type.Utf8) {
    const offs = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      if (!isValid(i)) {
        ids[i] = -1;
        hasNull = true;
        continue;
      }
      const s = decoder.decode(bytes.subarray(offs[i]!, offs[i + 1]!));
      let id = seen.get(s);
      if (id === undefined) {
        id = values.length;
        seen.set(s, id);
        values.push(s);
      }
      ids[i] = id;
    }
    return { ids, values, hasNull };
  }
  if (data.typeId === Type.Bool) {
    const bits = data.values as Uint8Array;
    const remap = [-1, -1];
    for (let i = 0; i < n; i++) {
      if (!isValid(i)) {
        ids[i] = -1;
        hasNull = true;
        continue;
      }
      const j = data.offset + i;
      const b = (bits[j >> 3]! >> (j & 7)) & 1;
      if (remap[b]! < 0) {
        remap[b] = values.length;
        values.push(b === 1);
      }
      ids[i] = remap[b]!;
    }
    return { ids, values, hasNull };
  }
  // Dates and timestamps group by their stored integers (days, or units since the epoch): exact.
  if (data.typeId === Type.Int || data.typeId === Type.Float || data.typeId === Type.Date || data.typeId === Type.Timestamp) {
    const v = data.values as ArrayLike<number | bigint>;
    const seen = new Map<number | bigint, number>();
    for (let i = 0; i < n; i++) {
      if (!isValid(i)) {
        ids[i] = -1;
        hasNull = true;
        continue;
      }
      let x = v[i]!;
      if (typeof x === 'number' && x === 0) x = 0; // -0 and 0 are one group
      let id = seen.get(x);
      if (id === undefined) {
        id = values.length;
        seen.set(x, id);
        values.push(x);
      }
      ids[i] = id;
    }
    return { ids, values, hasNull };
  }
  throw new TypeError(`cannot group by a column of type ${String(data.type)}; use strings, integers, floats, booleans, dates or timestamps`);
}

/** Group ids for rows of a batch by `keyColumns` (Data of each key, in order). */
export function groupRows(keyColumns: readonly Data[], dropna: boolean): Grouping {
  const n = keyColumns[0]?.length ?? 0;
  const cols = keyColumns.map(columnIds);
  if (cols.length === 1) {
    const c = cols[0]!;
    if (!c.hasNull) return { ids: c.ids, ngroups: c.values.length, keys: [c.values] };
    const ids = c.ids;
    const values = c.values.slice();
    if (!dropna) {
      const nullId = values.length;
      values.push(null);
      for (let i = 0; i < n; i++) if (ids[i] === -1) ids[i] = nullId;
    }
    return { ids, ngroups: values.length, keys: [values] };
  }
  // Several keys: combine local ids into one number per row (null -> slot `size` of its column).
  const ids = new Int32Array(n);
  const keys: KeyValue[][] = cols.map(() => []);
  const seen = new Map<number | string, number>();
  const radix = cols.map((c) => c.values.length + 1);
  const fitsNumber = radix.reduce((p, r) => p * r, 1) < 2 ** 52;
  let ngroups = 0;
  for (let i = 0; i < n; i++) {
    let composite: number | string = fitsNumber ? 0 : '';
    let dropped = false;
    for (let c = 0; c < cols.length; c++) {
      let local = cols[c]!.ids[i]!;
      if (local < 0) {
        if (dropna) {
          dropped = true;
          break;
        }
        local = radix[c]! - 1;
      }
      if (fitsNumber) composite = (composite as number) * radix[c]! + local;
      else composite = `${composite as string}${local},`;
    }
    if (dropped) {
      ids[i] = -1;
      continue;
    }
    let g = seen.get(composite);
    if (g === undefined) {
      g = ngroups++;
      seen.set(composite, g);
      for (let c = 0; c < cols.length; c++) {
        const local = cols[c]!.ids[i]!;
        keys[c]!.push(local < 0 ? null : cols[c]!.values[local]!);
      }
    }
    ids[i] = g;
  }
  return { ids, ngroups, keys };
}

/**
 * A text key for a tuple of key values, used to merge partials of different partitions by value. Every
 * value is tagged with its kind and strings with their length, so no two distinct tuples share a key
 * whatever their strings contain (a joined key let ('a', 'b\u0001sc') meet ('a\u0001sb', 'c')).
 */
export function tupleKey(keys: readonly KeyValue[][], g: number): string {
  let s = '';
  for (let c = 0; c < keys.length; c++) {
    const v = keys[c]![g];
    if (v === null || v === undefined) s += 'N;';
    else if (typeof v === 'string') s += `s${v.length}:${v}`;
    else if (typeof v === 'bigint') s += `b${v};`;
    else if (typeof v === 'boolean') s += v ? 'T;' : 'F;';
    else s += `n${v === 0 ? 0 : v};`; // -0 and 0 are one group
  }
  return s;
}

/** FNV-1a hash of a tuple key, for hash partitioning (splitOut, shuffles). */
export function hashKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Order of key values in results: numbers (NaN after them), strings by Unicode code point (the order of
 * string comparisons and of DuckDB, not JS's UTF-16 `<`), booleans false first; nulls last.
 */
export function compareKeys(a: KeyValue, b: KeyValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Code point order of two strings; differs from `<` only where a surrogate meets U+E000..U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // surrogates (astral code points) sort above U+E000..U+FFFF
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
