// Groupby-apply: a hash shuffle puts every row of a group into one bucket; each bucket task sorts its
// rows by group once and calls the user's function on each group as a zero-copy slice. Buckets run in
// parallel on the pool, so groups of one input partition spread over all workers.

import { type Data, type DataType, type RecordBatch, Bool, Field, Float64, Int32, Int64, Null, Schema, Type, Utf8, makeData } from 'apache-arrow';
import { makeBatch, primitiveData, sharedArray } from '../arrow-build.ts';
import { project } from '../frame-ops.ts';
import { concatBatches } from '../concat.ts';
import { takeBatch } from '../take.ts';
import { typeFromTag } from '../type-tags.ts';
import { setOwn } from '../name-records.ts';
import { buildColumn } from './aggregate.ts';
import { GroupFrame } from './group-frame.ts';
import { type KeyValue, compareKeys, groupRows, hashKey, tupleKey } from './group-ids.ts';
import { type UdfRef, loadUdf } from './udf-runtime.ts';

function keyData(batch: RecordBatch, keys: readonly string[]): Data[] {
  return keys.map((k) => {
    const i = batch.schema.fields.findIndex((f) => f.name === k);
    if (i < 0) throw new Error(`no key column '${k}' in partition`);
    return batch.data.children[i]!;
  });
}

/** Hidden columns a transform carries through the shuffle: where each row came from, to restore input order. */
export const POSITION_COLUMNS = ['__tessera_partition', '__tessera_row'] as const;

function withPosition(batch: RecordBatch, partition: number): RecordBatch {
  const n = batch.numRows;
  const part = sharedArray(Int32Array, n).fill(partition);
  const row = sharedArray(Int32Array, n);
  for (let i = 0; i < n; i++) row[i] = i;
  const fields = [...batch.schema.fields, ...POSITION_COLUMNS.map((c) => new Field(c, new Int32(), false))];
  return makeBatch(new Schema(fields), [...batch.data.children, primitiveData(new Int32(), n, part, null), primitiveData(new Int32(), n, row, null)]);
}

/**
 * Split one partition into `nbuckets` batches by hash of each row's key tuple (null keys dropped when dropna).
 * `partition` (for transform) adds the hidden position columns.
 */
export function shuffleSplit(input: RecordBatch, keys: readonly string[], nbuckets: number, dropna: boolean, partition: number | null = null): RecordBatch[] {
  const batch = partition === null ? input : withPosition(input, partition);
  const g = groupRows(keyData(batch, keys), dropna);
  const bucketOf = new Int32Array(g.ngroups);
  for (let k = 0; k < g.ngroups; k++) bucketOf[k] = hashKey(tupleKey(g.keys, k)) % nbuckets;
  const counts = new Int32Array(nbuckets);
  for (let i = 0; i < g.ids.length; i++) if (g.ids[i]! >= 0) counts[bucketOf[g.ids[i]!]!]! += 1;
  const idx = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(nbuckets);
  for (let i = 0; i < g.ids.length; i++) {
    const id = g.ids[i]!;
    if (id < 0) continue;
    const b = bucketOf[id]!;
    idx[b]![fill[b]!++] = i;
  }
  return idx.map((ix) => takeBatch(batch, ix));
}


export interface ApplyArgs {
  readonly keys: readonly string[];
  /** Output type tags of the key columns. */
  readonly keyTags: readonly string[];
  readonly fn: UdfRef;
  readonly params: unknown;
  readonly mode: 'apply' | 'transform';
  /** transform: name of the column when the function returns an array. */
  readonly name: string;
  readonly bucket: number;
  readonly dropna: boolean;
}

function describeKey(key: Record<string, KeyValue>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`)
    .join(', ');
}

/** Run the user's function on every group of one bucket. Returns null when the bucket holds no group. */
export async function applyBucket(pieces: readonly RecordBatch[], args: ApplyArgs): Promise<RecordBatch | null> {
  const nonEmpty = pieces.filter((p) => p.numRows > 0);
  if (nonEmpty.length === 0) return null;
  const all = concatBatches(nonEmpty[0]!.schema, nonEmpty);
  const g = groupRows(keyData(all, args.keys), args.dropna);
  // Sort rows by group (groups in key order) once; each group is then a contiguous zero-copy slice.
  const groupOrder = Array.from({ length: g.ngroups }, (_, k) => k);
  groupOrder.sort((x, y) => {
    for (let c = 0; c < g.keys.length; c++) {
      const d = compareKeys(g.keys[c]![x]!, g.keys[c]![y]!);
      if (d !== 0) return d;
    }
    return 0;
  });
  const rank = new Int32Array(g.ngroups);
  groupOrder.forEach((k, r) => (rank[k] = r));
  const start = new Int32Array(g.ngroups + 1);
  for (let i = 0; i < g.ids.length; i++) if (g.ids[i]! >= 0) start[rank[g.ids[i]!]! + 1]! += 1;
  for (let r = 0; r < g.ngroups; r++) start[r + 1]! += start[r]!;
  const fill = start.slice(0, g.ngroups);
  const order = new Int32Array(start[g.ngroups]!);
  for (let i = 0; i < g.ids.length; i++) if (g.ids[i]! >= 0) order[fill[rank[g.ids[i]!]!]!++] = i;
  const sorted = takeBatch(all, order);
  const fn = await loadUdf(args.fn);
  // The user's function never sees the hidden position columns.
  const hidden = sorted.schema.fields.some((f) => f.name === POSITION_COLUMNS[0]);
  const visible = hidden ? project(sorted, sorted.schema.fields.map((f) => f.name).filter((n) => !(POSITION_COLUMNS as readonly string[]).includes(n))) : sorted;

  const rows = new ResultRows(args);
  for (let r = 0; r < g.ngroups; r++) {
    const k = groupOrder[r]!;
    const key: Record<string, KeyValue> = {};
    args.keys.forEach((name, c) => setOwn(key, name, g.keys[c]![k]!));
    const frame = new GroupFrame(visible.slice(start[r]!, start[r + 1]!), key);
    let result: unknown;
    try {
      result = await fn(frame, args.params);
    } catch (e) {
      const err = new Error(`groupby.${args.mode}: the function failed for group ${describeKey(key)} (bucket ${args.bucket}): ${(e as Error)?.message ?? String(e)}`, { cause: e });
      throw err;
    }
    rows.add(key, result, frame);
  }
  return rows.build(args.mode === 'transform' ? sorted : null);
}

type Cell = KeyValue | undefined;

/** Collects each group's result as rows and builds one batch with types taken from the results. */
class ResultRows {
  private readonly keyValues: KeyValue[][];
  private names: string[] | null = null;
  private firstKey = '';
  private readonly columns: Cell[][] = [];
  /** Types of fields the function returned inside Arrow batches (a float column of whole numbers stays float). */
  private readonly declared = new Map<string, DataType>();
  constructor(private readonly args: ApplyArgs) {
    this.keyValues = args.keys.map(() => []);
  }

  private pushRow(key: Record<string, KeyValue>, row: Record<string, unknown>): void {
    const names = Object.keys(row);
    if (this.names === null) {
      this.names = names;
      this.firstKey = describeKey(key);
      for (let i = 0; i < names.length; i++) this.columns.push([]);
    } else if (names.length !== this.names.length || names.some((n, i) => n !== this.names![i])) {
      throw new Error(
        `groupby.${this.args.mode}: group ${describeKey(key)} returned fields [${names.join(', ')}] but group ${this.firstKey} ` +
          `returned [${this.names.join(', ')}]; every group must return the same fields in the same order`,
      );
    }
    this.args.keys.forEach((k, c) => this.keyValues[c]!.push(key[k]!));
    names.forEach((n, i) => this.columns[i]!.push(cell(row[n], key, n, this.args.mode)));
  }

  add(key: Record<string, KeyValue>, result: unknown, frame: GroupFrame): void {
    if (this.args.mode === 'transform') return this.addTransform(key, result, frame);
    if (result instanceof GroupFrame) result = result.batch;
    if (isBatchLike(result)) {
      const b = result as RecordBatch;
      for (const f of b.schema.fields) if (!this.declared.has(f.name)) this.declared.set(f.name, f.type);
      for (let i = 0; i < b.numRows; i++) this.pushRow(key, (b.get(i) as { toJSON(): Record<string, unknown> }).toJSON());
    } else if (Array.isArray(result)) {
      for (const r of result) {
        if (typeof r !== 'object' || r === null) throw new TypeError(`groupby.apply: group ${describeKey(key)} returned an array whose items are not objects; return one object per row`);
        this.pushRow(key, r as Record<string, unknown>);
      }
    } else if (typeof result === 'object' && result !== null && !ArrayBuffer.isView(result)) {
      this.pushRow(key, result as Record<string, unknown>);
    } else {
      this.pushRow(key, { value: result });
    }
  }

  private addTransform(key: Record<string, KeyValue>, result: unknown, frame: GroupFrame): void {
    const cols: Record<string, ArrayLike<unknown>> =
      Array.isArray(result) || ArrayBuffer.isView(result) ? { [this.args.name]: result as ArrayLike<unknown> } : (result as Record<string, ArrayLike<unknown>>);
    if (typeof cols !== 'object' || cols === null) throw new TypeError(`groupby.transform: group ${describeKey(key)} returned ${String(result)}; return an array with one value per row, or an object of such arrays`);
    const names = Object.keys(cols);
    if (this.names === null) {
      this.names = names;
      this.firstKey = describeKey(key);
      names.forEach(() => this.columns.push([]));
    } else if (names.join('\u0000') !== this.names.join('\u0000')) {
      throw new Error(`groupby.transform: group ${describeKey(key)} returned columns [${names.join(', ')}] but group ${this.firstKey} returned [${this.names.join(', ')}]`);
    }
    names.forEach((n, i) => {
      const arr = cols[n]!;
      if (typeof arr !== 'object' || arr === null || arr.length !== frame.numRows) {
        throw new Error(`groupby.transform: group ${describeKey(key)} returned ${arr?.length ?? 'no'} values for '${n}' but has ${frame.numRows} rows`);
      }
      for (let j = 0; j < arr.length; j++) this.columns[i]!.push(cell(arr[j], key, n, 'transform'));
    });
  }

  build(groupedRows: RecordBatch | null): RecordBatch | null {
    const names = this.names ?? [];
    const fields: Field[] = [];
    const data: Data[] = [];
    if (groupedRows) {
      groupedRows.schema.fields.forEach((f, i) => {
        if (!names.includes(f.name)) {
          fields.push(f);
          data.push(groupedRows.data.children[i]!);
        }
      });
    } else {
      this.args.keys.forEach((k, c) => {
        if (names.includes(k)) return; // the function returned its key column itself
        const type = typeFromTag(this.args.keyTags[c]!);
        fields.push(new Field(k, type, true));
        data.push(buildColumn(type, this.keyValues[c]!));
      });
    }
    names.forEach((n, i) => {
      const values = this.columns[i]!;
      const type = inferType(values, n, this.declared.get(n));
      const fromNumbers = type.typeId === Type.Int && values.some((v) => typeof v === 'number');
      fields.push(new Field(n, type, true, fromNumbers ? new Map([[FROM_NUMBERS, '1']]) : undefined));
      data.push(type.typeId === Type.Null ? makeData({ type: new Null(), length: values.length, nullCount: values.length } as any) : buildColumn(type, values as KeyValue[]));
    });
    return makeBatch(new Schema(fields), data);
  }
}

function isBatchLike(x: unknown): boolean {
  return typeof x === 'object' && x !== null && 'schema' in x && 'numRows' in x && typeof (x as RecordBatch).get === 'function';
}

function cell(v: unknown, key: Record<string, KeyValue>, name: string, mode: string): Cell {
  if (v === undefined || v === null) return null;
  const t = typeof v;
  if (t === 'number' || t === 'string' || t === 'boolean' || t === 'bigint') return v as KeyValue;
  throw new TypeError(`groupby.${mode}: group ${describeKey(key)} returned ${Array.isArray(v) ? 'an array' : t} for '${name}'; fields must be numbers, strings, booleans, bigints or null`);
}

/** Field metadata marking an integer column inferred from JS numbers: other buckets may still widen it (to int64 or float64). */
export const FROM_NUMBERS = 'tessera.from-numbers';

function inferType(values: readonly Cell[], name: string, declared: DataType | undefined): DataType {
  let kind: string | null = null;
  let integers = true;
  let int32 = true;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const t = typeof v;
    if (kind === null || (kind === 'number' && t === 'bigint')) kind = t;
    else if (kind !== t && !(kind === 'bigint' && t === 'number')) throw new TypeError(`groupby.apply: column '${name}' holds both ${kind} and ${t} values across groups; return one type per field`);
    if (t === 'number' && integers) {
      if (!Number.isSafeInteger(v)) integers = false;
      else if ((v as number) < -2147483648 || (v as number) > 2147483647) int32 = false;
    }
  }
  switch (kind) {
    case 'number':
      // JS numbers that are all safe integers are integers: int32 when they fit (so they stay JS numbers), else
      // int64. A float column the function handed back stays float.
      if (!integers || (declared && declared.typeId === Type.Float)) return new Float64();
      return int32 ? new Int32() : new Int64();
    case 'string':
      return new Utf8();
    case 'boolean':
      return new Bool();
    case 'bigint':
      // bigints next to JS numbers: int64 when the numbers are whole (buildColumn converts them exactly)
      if (!integers) throw new TypeError(`groupby.apply: column '${name}' holds bigints and fractional numbers; return one type per field`);
      return new Int64();
    default:
      return new Null();
  }
}
