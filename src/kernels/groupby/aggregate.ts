// Hash aggregation in three steps, like the scalar reductions: a chunk turns one partition into per-group
// partial states (one pass over each value column), merge combines partials by key tuple, finalize builds
// the result batch. Partials are plain data (typed arrays, arrays, Sets) so they cross threads.

import { type Data, type DataType, type RecordBatch, Bool, Field, Float64, Int32, Int64, Schema, Type, Utf8, makeVector } from 'apache-arrow';
import { makeBatch, primitiveData, sharedArray, utf8Data } from '../arrow-build.ts';
import { validityOf } from '../validity.ts';
import { typeFromTag } from '../type-tags.ts';
import { type CustomAggRef, type LoadedCustomAgg, callCustom, checkDeclared, groupValues, loadCustomAggs } from './custom-agg.ts';
import { type KeyValue, compareKeys, groupRows, hashKey, tupleKey } from './group-ids.ts';

export type GroupAggName = 'sum' | 'mean' | 'count' | 'size' | 'min' | 'max' | 'var' | 'std' | 'first' | 'last' | 'nunique' | 'median' | 'custom';
export const GROUP_AGGS: readonly GroupAggName[] = ['sum', 'mean', 'count', 'size', 'min', 'max', 'var', 'std', 'first', 'last', 'nunique', 'median', 'custom'];

/** One output column: `out` = fn(column) per group (column is null for size). */
export interface GroupAggSpec {
  readonly out: string;
  readonly column: string | null;
  readonly fn: GroupAggName;
  readonly ddof: number;
  /** fn 'custom': the shipped chunk/combine/finalize (set at lowering) and the output type tag. */
  readonly custom?: CustomAggRef;
  readonly customType?: string;
  /** fn 'custom' before lowering: the user's functions (never shipped as such). */
  readonly customFns?: { readonly chunk: unknown; readonly combine: unknown; readonly finalize: unknown; readonly params: unknown };
}

/** Per-group statistics of one value column. Arrays are indexed by group id. */
/** Numbers per group: typed arrays straight out of a chunk, growable arrays once partials are merged. */
type Numbers = Float64Array | number[];

export interface ColumnState {
  numeric: boolean;
  n: Numbers;
  /** Float sum (float columns); integer and boolean columns sum exactly in `isum` instead. */
  sum?: Numbers;
  isum?: bigint[];
  /** min/max as numbers; 64-bit integer columns keep them exact in `imin`/`imax` instead (null = none yet). */
  min?: Numbers;
  max?: Numbers;
  imin?: Array<bigint | null>;
  imax?: Array<bigint | null>;
  mean?: Numbers;
  m2?: Numbers;
  first?: KeyValue[];
  last?: KeyValue[];
  distinct?: Array<Set<KeyValue>>;
  values?: number[][];
}

export interface GroupPartial {
  keys: KeyValue[][];
  ngroups: number;
  size: number[];
  /** By value column name; Maps, not objects, so a column named '__proto__' is an ordinary key. */
  columns: Map<string, ColumnState>;
  /** Custom aggregation states by output name, per group. */
  custom?: Map<string, unknown[]>;
}

export interface ColumnNeeds {
  sum?: boolean;
  minmax?: boolean;
  moments?: boolean;
  first?: boolean;
  last?: boolean;
  distinct?: boolean;
  values?: boolean;
}

export function needsByColumn(specs: readonly GroupAggSpec[]): Map<string, ColumnNeeds> {
  const out = new Map<string, ColumnNeeds>();
  for (const s of specs) {
    if (s.column === null) continue;
    const n = out.get(s.column) ?? {};
    if (s.fn === 'sum' || s.fn === 'mean') n.sum = true;
    if (s.fn === 'min' || s.fn === 'max') n.minmax = true;
    if (s.fn === 'var' || s.fn === 'std') n.moments = true;
    if (s.fn === 'first') n.first = true;
    if (s.fn === 'last') n.last = true;
    if (s.fn === 'nunique') n.distinct = true;
    if (s.fn === 'median') n.values = true;
    out.set(s.column, n);
  }
  return out;
}

export function columnIndex(batch: RecordBatch, name: string): number {
  const i = batch.schema.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`no column named '${name}' in partition; columns: ${batch.schema.fields.map((f) => f.name).join(', ')}`);
  return i;
}

/** Value of row i of a column as a JS value (used for first/last/nunique; numbers stay numbers). */
function valueGetter(data: Data): (i: number) => KeyValue {
  // Dates and timestamps as their stored integers, so first/last/nunique stay exact in any unit.
  const temporal = data.typeId === Type.Date || data.typeId === Type.Timestamp;
  if (temporal || data.typeId === Type.Float || (data.typeId === Type.Int && (data.type as unknown as { bitWidth: number }).bitWidth < 64)) {
    const v = data.values as ArrayLike<number>;
    return (i) => v[i]!;
  }
  const vec = makeVector(data);
  return (i) => vec.get(i) as KeyValue;
}

function customRefs(specs: readonly GroupAggSpec[]): Array<readonly [string, CustomAggRef]> {
  return specs.filter((s) => s.fn === 'custom').map((s) => [s.out, s.custom!] as const);
}

/** Call `then` with the loaded custom aggregations, synchronously when they load synchronously. */
function withCustom<T>(specs: readonly GroupAggSpec[], then: (c: Map<string, LoadedCustomAgg>) => T): T | Promise<T> {
  const refs = customRefs(specs);
  if (refs.length === 0) return then(new Map());
  const loaded = loadCustomAggs(refs);
  return loaded instanceof Promise ? loaded.then(then) : then(loaded);
}

const keyText = (p: GroupPartial, g: number) => () => JSON.stringify(p.keys.map((k) => (typeof k[g] === 'bigint' ? String(k[g]) : k[g])));

/** Chunk: one partition -> partial per-group states. */
export function groupChunk(batch: RecordBatch, keyNames: readonly string[], specs: readonly GroupAggSpec[], dropna: boolean): GroupPartial | Promise<GroupPartial> {
  return withCustom(specs, (custom) => chunkWith(batch, keyNames, specs, dropna, custom));
}

function chunkWith(batch: RecordBatch, keyNames: readonly string[], specs: readonly GroupAggSpec[], dropna: boolean, custom: Map<string, LoadedCustomAgg>): GroupPartial {
  const keyData = keyNames.map((k) => batch.data.children[columnIndex(batch, k)]!);
  const { ids, ngroups, keys } = groupRows(keyData, dropna);
  const n = batch.numRows;
  const size = new Array<number>(ngroups).fill(0);
  for (let i = 0; i < n; i++) if (ids[i]! >= 0) size[ids[i]!]! += 1;
  const columns = new Map<string, ColumnState>();
  for (const [name, needs] of needsByColumn(specs)) {
    columns.set(name, columnChunk(batch.data.children[columnIndex(batch, name)]!, ids, ngroups, needs));
  }
  const partial: GroupPartial = { keys, ngroups, size, columns };
  if (custom.size > 0) {
    partial.custom = new Map();
    for (const s of specs) {
      if (s.fn !== 'custom') continue;
      const c = custom.get(s.out)!;
      const data = batch.data.children[columnIndex(batch, s.column!)]!;
      const get = valueGetter(data);
      const valid = validityOf(data);
      const perGroup: KeyValue[][] = Array.from({ length: ngroups }, () => []);
      for (let i = 0; i < n; i++) {
        const g = ids[i]!;
        if (g >= 0 && (valid === null || ((valid[i >> 3]! >> (i & 7)) & 1) === 1)) perGroup[g]!.push(get(i));
      }
      partial.custom.set(s.out, perGroup.map((vals, g) => callCustom(s.out, 'chunk', c.chunk, [groupValues(vals), c.params], keyText(partial, g))));
    }
  }
  return partial;
}

export function columnChunk(data: Data, ids: Int32Array, ngroups: number, needs: ColumnNeeds): ColumnState {
  const numeric = data.typeId === Type.Int || data.typeId === Type.Float || data.typeId === Type.Bool;
  const integral = data.typeId === Type.Int || data.typeId === Type.Bool;
  const valid = validityOf(data);
  const len = data.length;
  const cnt = new Float64Array(ngroups);
  const st: ColumnState = { numeric, n: cnt };
  // Integer sums are exact (a separate pass); only float columns keep a float sum.
  const onlyCounts = !needs.minmax && !needs.moments && !needs.values && !needs.first && !needs.last && !needs.distinct;
  if (needs.sum && integral) {
    // sum / mean / count of an integer column: the sums pass counts too, so it is the only pass
    st.isum = integerSums(data, ids, ngroups, valid, onlyCounts ? cnt : null);
    if (onlyCounts) return st;
  }
  const sum = needs.sum && !integral ? new Float64Array(ngroups) : null;
  if (sum) st.sum = sum;
  const bigs = data.values instanceof BigInt64Array || data.values instanceof BigUint64Array ? (data.values as ArrayLike<bigint>) : null;
  if (needs.minmax && bigs) {
    st.imin = new Array<bigint | null>(ngroups).fill(null);
    st.imax = new Array<bigint | null>(ngroups).fill(null);
  } else if (needs.minmax) {
    st.min = new Float64Array(ngroups).fill(Infinity);
    st.max = new Float64Array(ngroups).fill(-Infinity);
  }
  if (needs.moments) {
    st.mean = new Float64Array(ngroups);
    st.m2 = new Float64Array(ngroups);
  }
  if (needs.first) st.first = new Array<KeyValue>(ngroups).fill(null);
  if (needs.last) st.last = new Array<KeyValue>(ngroups).fill(null);
  if (needs.distinct) st.distinct = Array.from({ length: ngroups }, () => new Set<KeyValue>());
  if (needs.values) st.values = Array.from({ length: ngroups }, () => []);
  const numbers = numeric ? numericValues(data) : null;
  const onlySums = !needs.minmax && !needs.moments && !needs.values && !needs.first && !needs.last && !needs.distinct;
  if (numbers && onlySums) {
    // The common case (sum / mean / count): one tight loop, no per-row branches on what is wanted.
    if (valid === null) {
      if (sum) for (let i = 0; i < len; i++) { const g = ids[i]!; if (g >= 0) { cnt[g]! += 1; sum[g]! += numbers[i]!; } }
      else for (let i = 0; i < len; i++) { const g = ids[i]!; if (g >= 0) cnt[g]! += 1; }
    } else {
      for (let i = 0; i < len; i++) {
        const g = ids[i]!;
        if (g < 0 || ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
        cnt[g]! += 1;
        if (sum) sum[g]! += numbers[i]!;
      }
    }
    return st;
  }
  const get = needs.first || needs.last || needs.distinct ? valueGetter(data) : null;
  for (let i = 0; i < len; i++) {
    const g = ids[i]!;
    if (g < 0) continue;
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const c = (cnt[g]! += 1);
    if (numbers) {
      const x = numbers[i]!;
      if (sum) sum[g]! += x;
      if (st.imin) {
        const b = bigs![i]!;
        if (st.imin[g] === null || b < st.imin[g]!) st.imin[g] = b;
        if (st.imax![g] === null || b > st.imax![g]!) st.imax![g] = b;
      } else if (st.min) {
        // NaN is a value: it wins min and max, as in the scalar reductions.
        if (x < st.min[g]! || x !== x) st.min[g] = x;
        if (x > st.max![g]! || x !== x) st.max![g] = x;
        if (st.min[g] !== st.min[g]) st.max![g] = NaN;
      }
      if (st.mean) {
        const d = x - st.mean[g]!;
        st.mean[g]! += d / c;
        st.m2![g]! += d * (x - st.mean[g]!);
      }
      if (st.values) st.values[g]!.push(x);
    }
    if (get) {
      const v = get(i);
      if (st.first && c === 1) st.first[g] = v;
      if (st.last) st.last[g] = v;
      if (st.distinct) st.distinct[g]!.add(v);
    }
  }
  return st;
}

const SUM_BLOCK = 1 << 21; // rows: 2^21 values below 2^32 in magnitude sum exactly in a double

/** Exact per-group sums of an integer or boolean column (nulls and dropped rows skipped). */
function integerSums(data: Data, ids: Int32Array, ngroups: number, valid: Uint8Array | null, counts: Float64Array | null): bigint[] {
  const out = new Array<bigint>(ngroups).fill(0n);
  const len = data.length;
  const v = data.values as unknown;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    for (let i = 0; i < len; i++) {
      const g = ids[i]!;
      if (g < 0 || (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0)) continue;
      out[g]! += v[i]!;
      if (counts) counts[g]! += 1;
    }
    return out;
  }
  // 8-32 bit integers and booleans: double accumulators, flushed to BigInt before they could round.
  const numbers = numericValues(data);
  const acc = new Float64Array(ngroups);
  for (let start = 0; start < len; start += SUM_BLOCK) {
    const end = Math.min(len, start + SUM_BLOCK);
    if (valid === null && counts) {
      for (let i = start; i < end; i++) {
        const g = ids[i]!;
        if (g >= 0) {
          acc[g]! += numbers[i]!;
          counts[g]! += 1;
        }
      }
    } else if (valid === null) {
      for (let i = start; i < end; i++) {
        const g = ids[i]!;
        if (g >= 0) acc[g]! += numbers[i]!;
      }
    } else {
      for (let i = start; i < end; i++) {
        const g = ids[i]!;
        if (g >= 0 && ((valid[i >> 3]! >> (i & 7)) & 1) === 1) {
          acc[g]! += numbers[i]!;
          if (counts) counts[g]! += 1;
        }
      }
    }
    for (let g = 0; g < ngroups; g++) {
      if (acc[g] !== 0) {
        out[g]! += BigInt(acc[g]!);
        acc[g] = 0;
      }
    }
  }
  return out;
}

/** Values as numbers without copying when the column already is a JS-number typed array. */
function numericValues(data: Data): ArrayLike<number> {
  const v0 = data.values as unknown;
  if (v0 instanceof Float64Array || v0 instanceof Int32Array || v0 instanceof Float32Array || v0 instanceof Int16Array || v0 instanceof Int8Array || v0 instanceof Uint8Array || v0 instanceof Uint16Array || v0 instanceof Uint32Array) {
    if (data.typeId !== Type.Bool) return v0;
  }
  const out = new Float64Array(data.length);
  if (data.typeId === Type.Bool) {
    const bits = data.values as Uint8Array;
    for (let i = 0; i < data.length; i++) out[i] = (bits[(data.offset + i) >> 3]! >> ((data.offset + i) & 7)) & 1;
    return out;
  }
  const v = data.values as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) out[i] = Number(v[i]!);
  return out;
}

/** Merge partials in order (order matters for first/last: earlier partitions come first). */
export function groupMerge(parts: readonly GroupPartial[], specs: readonly GroupAggSpec[] = []): GroupPartial | Promise<GroupPartial> {
  if (parts.length === 1) return parts[0]!;
  return withCustom(specs, (custom) => mergeWith(parts, custom));
}

function mergeWith(parts: readonly GroupPartial[], custom: Map<string, LoadedCustomAgg>): GroupPartial {
  const first = parts[0]!;
  const ncols = first.keys.length;
  const out: GroupPartial = { keys: Array.from({ length: ncols }, () => []), ngroups: 0, size: [], columns: new Map() };
  for (const [name, st] of first.columns) out.columns.set(name, emptyLike(st));
  const index = new Map<string, number>();
  let pending: Map<string, unknown[][]> | null = null;
  for (const p of parts) {
    for (let g = 0; g < p.ngroups; g++) {
      const tk = tupleKey(p.keys, g);
      let t = index.get(tk);
      if (t === undefined) {
        t = out.ngroups++;
        index.set(tk, t);
        for (let c = 0; c < ncols; c++) out.keys[c]!.push(p.keys[c]![g]!);
        out.size.push(0);
        for (const st of out.columns.values()) growState(st);
      }
      out.size[t]! += p.size[g]!;
      for (const [name, st] of p.columns) mergeInto(out.columns.get(name)!, t, st, g);
      if (p.custom) {
        pending ??= new Map();
        for (const [name, states] of p.custom) {
          let lists = pending.get(name);
          if (!lists) pending.set(name, (lists = []));
          (lists[t] ??= []).push(states[g]);
        }
      }
    }
  }
  if (pending) {
    out.custom = new Map();
    for (const [name, lists] of pending) {
      const c = custom.get(name);
      if (!c) throw new Error(`internal: custom aggregation '${name}' was not loaded for merging`);
      out.custom.set(
        name,
        Array.from({ length: out.ngroups }, (_, t) => {
          const states = lists[t] ?? [];
          return states.length === 1 ? states[0] : callCustom(name, 'combine', c.combine, [states, c.params], keyText(out, t));
        }),
      );
    }
  }
  return out;
}

function emptyLike(st: ColumnState): ColumnState {
  const e: ColumnState = { numeric: st.numeric, n: [] };
  if (st.sum) e.sum = [];
  if (st.isum) e.isum = [];
  if (st.min) {
    e.min = [];
    e.max = [];
  }
  if (st.imin) {
    e.imin = [];
    e.imax = [];
  }
  if (st.mean) {
    e.mean = [];
    e.m2 = [];
  }
  if (st.first) e.first = [];
  if (st.last) e.last = [];
  if (st.distinct) e.distinct = [];
  if (st.values) e.values = [];
  return e;
}

function growState(st: ColumnState): void {
  // merged states are built from emptyLike(), whose numbers are growable arrays
  (st.n as number[]).push(0);
  (st.sum as number[] | undefined)?.push(0);
  st.isum?.push(0n);
  st.imin?.push(null);
  st.imax?.push(null);
  (st.min as number[] | undefined)?.push(Infinity);
  (st.max as number[] | undefined)?.push(-Infinity);
  (st.mean as number[] | undefined)?.push(0);
  (st.m2 as number[] | undefined)?.push(0);
  st.first?.push(null);
  st.last?.push(null);
  st.distinct?.push(new Set());
  st.values?.push([]);
}

function mergeInto(a: ColumnState, t: number, b: ColumnState, g: number): void {
  const na = a.n[t]!;
  const nb = b.n[g]!;
  if (nb === 0) return;
  const n = na + nb;
  if (a.sum) a.sum[t]! += b.sum![g]!;
  if (a.isum) a.isum[t]! += b.isum![g]!;
  if (a.imin) {
    const mn = b.imin![g]!;
    const mx = b.imax![g]!;
    if (a.imin[t] === null || mn < a.imin[t]!) a.imin[t] = mn;
    if (a.imax![t] === null || mx > a.imax![t]!) a.imax![t] = mx;
  }
  if (a.min) {
    const mn = b.min![g]!;
    const mx = b.max![g]!;
    a.min[t] = mn !== mn || a.min[t] !== a.min[t] ? NaN : Math.min(a.min[t]!, mn);
    a.max![t] = mx !== mx || a.max![t] !== a.max![t] ? NaN : Math.max(a.max![t]!, mx);
  }
  if (a.mean) {
    // Chan et al.: exact merge of counts, means and squared deviations.
    const delta = b.mean![g]! - a.mean[t]!;
    a.mean[t] = a.mean[t]! + (delta * nb) / n;
    a.m2![t] = a.m2![t]! + b.m2![g]! + (delta * delta * na * nb) / n;
  }
  if (a.first && na === 0) a.first[t] = b.first![g]!;
  if (a.last) a.last[t] = b.last![g]!;
  if (a.distinct) for (const v of b.distinct![g]!) a.distinct[t]!.add(v);
  if (a.values) {
    const dst = a.values[t]!;
    for (const v of b.values![g]!) dst.push(v);
  }
  a.n[t] = n;
}

/** Split a partial into `parts` pieces by hash of the key tuple (splitOut / shuffle). */
export function groupSplit(p: GroupPartial, parts: number): GroupPartial[] {
  const assign = new Int32Array(p.ngroups);
  const counts = new Array<number>(parts).fill(0);
  for (let g = 0; g < p.ngroups; g++) {
    const j = hashKey(tupleKey(p.keys, g)) % parts;
    assign[g] = j;
    counts[j]! += 1;
  }
  return Array.from({ length: parts }, (_, j) => selectGroups(p, assign, j));
}

function selectGroups(p: GroupPartial, assign: Int32Array, j: number): GroupPartial {
  const idx: number[] = [];
  for (let g = 0; g < p.ngroups; g++) if (assign[g] === j) idx.push(g);
  const pickArr = <T>(a: ArrayLike<T> | undefined) => (a ? idx.map((g) => a[g]!) : undefined);
  const columns = new Map<string, ColumnState>();
  for (const [name, st] of p.columns) {
    const c: ColumnState = { numeric: st.numeric, n: pickArr<number>(st.n)! };
    for (const k of ['sum', 'isum', 'min', 'max', 'imin', 'imax', 'mean', 'm2', 'first', 'last', 'distinct', 'values'] as const) {
      const v = pickArr(st[k] as ArrayLike<unknown> | undefined);
      if (v) (c as unknown as Record<string, unknown>)[k] = v;
    }
    columns.set(name, c);
  }
  const out: GroupPartial = { keys: p.keys.map((k) => idx.map((g) => k[g]!)), ngroups: idx.length, size: idx.map((g) => p.size[g]!), columns };
  if (p.custom) out.custom = new Map([...p.custom].map(([name, states]) => [name, idx.map((g) => states[g])]));
  return out;
}

/**
 * Output type of one aggregation, given the input column's type (null for size); the table in
 * docs/TYPES.md. Counts are int64; sum of integers or booleans is int64 (exact); min/max/first/last keep
 * the column's type; mean/var/std/median are float64 (a median of two integers can be a half).
 */
export function groupAggType(fn: GroupAggName, input: DataType | null): DataType {
  switch (fn) {
    case 'count':
    case 'size':
    case 'nunique':
      return new Int64();
    case 'sum':
      return input && (input.typeId === Type.Int || input.typeId === Type.Bool) ? new Int64() : new Float64();
    case 'min':
    case 'max':
    case 'first':
    case 'last':
      return input ? keptType(input) : new Float64();
    default:
      return new Float64();
  }
}

/** The column's own type as an output type: strings as Utf8, floats as float64, integers and booleans as they are. */
function keptType(input: DataType): DataType {
  if (input.typeId === Type.Utf8 || input.typeId === Type.Dictionary) return new Utf8();
  if (input.typeId === Type.Bool) return new Bool();
  if (input.typeId === Type.Int) return (input as unknown as { bitWidth: number }).bitWidth === 64 && (input as unknown as { isSigned: boolean }).isSigned ? new Int64() : input;
  if (input.typeId === Type.Date || input.typeId === Type.Timestamp) return input;
  return new Float64();
}

/** Output type of a key column. */
export function groupKeyType(input: DataType): DataType {
  if (input.typeId === Type.Dictionary || input.typeId === Type.Utf8) return new Utf8();
  return input;
}


/** How the result rows are ordered (see GroupOrder in collections/plan.ts). */
export type ResultOrder = { by: 'keys' } | { by: 'none' } | { by: 'output-desc'; column: string };

/** Finalize: partial -> result batch (key columns, then one column per spec). `typeTags` name every output column's type. */
export function groupFinalize(
  p: GroupPartial,
  keyNames: readonly string[],
  specs: readonly GroupAggSpec[],
  typeTags: readonly string[],
  order: ResultOrder,
): RecordBatch | Promise<RecordBatch> {
  return withCustom(specs, (custom) => finalizeWith(p, keyNames, specs, typeTags, order, custom));
}

function finalizeWith(
  p: GroupPartial,
  keyNames: readonly string[],
  specs: readonly GroupAggSpec[],
  typeTags: readonly string[],
  order: ResultOrder,
  custom: Map<string, LoadedCustomAgg>,
): RecordBatch {
  const rows = Array.from({ length: p.ngroups }, (_, g) => g);
  const finalOf = (s: GroupAggSpec, g: number): KeyValue => {
    if (s.fn !== 'custom') return finalValue(p, s, g);
    const c = custom.get(s.out)!;
    const v = callCustom(s.out, 'finalize', c.finalize, [p.custom!.get(s.out)![g], c.params], keyText(p, g));
    return checkDeclared(s.out, s.customType ?? 'float64', v, keyText(p, g));
  };
  const values: KeyValue[][] = [...p.keys.map((k) => rows.map((g) => k[g]!)), ...specs.map((s) => rows.map((g) => finalOf(s, g)))];
  const names = [...keyNames, ...specs.map((s) => s.out)];
  if (order.by === 'keys') {
    rows.sort((x, y) => {
      for (let c = 0; c < p.keys.length; c++) {
        const d = compareKeys(p.keys[c]![x]!, p.keys[c]![y]!);
        if (d !== 0) return d;
      }
      return 0;
    });
  } else if (order.by === 'output-desc') {
    const col = values[names.indexOf(order.column)]!;
    rows.sort((x, y) => compareKeys(col[y]!, col[x]!) || x - y);
  }
  const fields: Field[] = [];
  const data: Data[] = [];
  names.forEach((name, c) => {
    const type = typeFromTag(typeTags[c]!);
    fields.push(new Field(name, type, true));
    data.push(buildColumn(type, rows.map((g) => values[c]![g]!)));
  });
  return makeBatch(new Schema(fields), data);
}

/** An empty partial (a frame with no partitions). */
export function groupEmpty(nkeys: number): GroupPartial {
  return { keys: Array.from({ length: nkeys }, () => []), ngroups: 0, size: [], columns: new Map() };
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  if (xs.some((x) => x !== x)) return NaN;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function finalValue(p: GroupPartial, s: GroupAggSpec, g: number): KeyValue {
  if (s.fn === 'size') return p.size[g]!;
  const st = p.columns.get(s.column!)!;
  const n = st.n[g]!;
  switch (s.fn) {
    case 'count':
      return n;
    case 'sum':
      return st.isum ? checkedInt64(st.isum[g]!, s.out, p, g) : st.sum![g]!;
    case 'mean':
      if (n === 0) return null;
      return st.isum ? Number(st.isum[g]!) / n : st.sum![g]! / n;
    case 'min':
      return n === 0 ? null : st.imin ? st.imin[g]! : st.min![g]!;
    case 'max':
      return n === 0 ? null : st.imax ? st.imax[g]! : st.max![g]!;
    case 'var':
    case 'std': {
      if (n - s.ddof <= 0) return null;
      const v = Math.max(0, st.m2![g]!) / (n - s.ddof);
      return s.fn === 'var' ? v : Math.sqrt(v);
    }
    case 'first':
      return n === 0 ? null : st.first![g]!;
    case 'last':
      return n === 0 ? null : st.last![g]!;
    case 'nunique':
      return st.distinct![g]!.size;
    case 'median':
      return median(st.values![g]!);
    case 'custom':
      throw new Error('internal: custom aggregations are finalized by finalizeWith');
  }
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function checkedInt64(x: bigint, out: string, p: GroupPartial, g: number): bigint {
  if (x < I64_MIN || x > I64_MAX) {
    throw new RangeError(`sum '${out}' for group ${keyText(p, g)()} is ${x}, beyond int64; sum a float64 copy instead (e.g. assign col.div(1))`);
  }
  return x;
}

const encoder = new TextEncoder();

/** A column of `type` from JS values (null = missing). */
export function buildColumn(type: DataType, values: readonly KeyValue[]): Data {
  const n = values.length;
  const valid = sharedArray(Uint8Array, (n + 7) >> 3);
  for (let i = 0; i < n; i++) if (values[i] !== null && values[i] !== undefined) valid[i >> 3]! |= 1 << (i & 7);
  switch (type.typeId) {
    case Type.Utf8: {
      const enc = values.map((v) => (v === null ? new Uint8Array(0) : encoder.encode(String(v))));
      const offs = sharedArray(Int32Array, n + 1);
      let total = 0;
      enc.forEach((b, i) => (offs[i + 1] = total += b.length));
      const bytes = sharedArray(Uint8Array, total);
      enc.forEach((b, i) => bytes.set(b, offs[i]!));
      return utf8Data(n, offs, bytes, valid);
    }
    case Type.Bool: {
      const bits = sharedArray(Uint8Array, (n + 7) >> 3);
      values.forEach((v, i) => {
        if (v === true || v === 1) bits[i >> 3]! |= 1 << (i & 7); // min/max of booleans are tracked as 0/1
      });
      return primitiveData(type, n, bits, valid);
    }
    case Type.Date:
    case Type.Timestamp:
    case Type.Int: {
      // Dates and timestamps hold their stored integers (int32 days, or int64 units).
      const width = type.typeId === Type.Int ? (type as unknown as { bitWidth: number }).bitWidth : (type as unknown as { ArrayType: unknown }).ArrayType === BigInt64Array ? 64 : 32;
      if (width === 64) {
        const unsigned = type.typeId === Type.Int && !(type as unknown as { isSigned: boolean }).isSigned;
        const a = unsigned ? sharedArray(BigUint64Array, n) : sharedArray(BigInt64Array, n);
        values.forEach((v, i) => (a[i] = v === null ? 0n : BigInt(v as number | bigint)));
        return primitiveData(type, n, a, valid);
      }
      const Ctor = (type as unknown as { ArrayType: { new (b: ArrayBufferLike, o: number, l: number): Int32Array; BYTES_PER_ELEMENT: number } }).ArrayType;
      const a = new Ctor(new SharedArrayBuffer(Math.max(8, n * Ctor.BYTES_PER_ELEMENT)), 0, n);
      values.forEach((v, i) => (a[i] = v === null ? 0 : (v as number)));
      return primitiveData(type, n, a, valid);
    }
    default: {
      const a = sharedArray(Float64Array, n);
      values.forEach((v, i) => (a[i] = v === null ? 0 : Number(v)));
      return primitiveData(new Float64(), n, a, valid);
    }
  }
}
