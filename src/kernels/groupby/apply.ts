// Groupby-apply: a hash shuffle puts every row of a group into one bucket, each group as one contiguous run
// per piece; each bucket task copies the runs once into key order and calls the user's function on each
// group as a zero-copy slice. Buckets run in parallel on the pool, so groups of one partition spread over all workers.

import { type Data, type DataType, Bool, Field, Float64, Int32, Int64, Null, RecordBatch, Schema, Struct, Type, Utf8, makeData } from 'apache-arrow';
import { makeBatch, primitiveData, sharedArray } from '../arrow-build.ts';
import { project } from '../frame-ops.ts';
import { concatData } from '../concat.ts';
import { takeData } from '../take.ts';
import { scatterFixed, scatterable } from '../scatter.ts';
import { releaseScratch } from '../scratch.ts';
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
 * What a shuffle split sends one bucket: its groups' rows, each group one contiguous run (groups in
 * first-seen order, rows in input order within a group). The key columns are not repeated on every row:
 * a run has one key, so `keys` holds one row per run. That is a quarter less memory for a one-key shuffle
 * of three value columns, and the bucket finds its runs without grouping rows again.
 */
export interface ShufflePiece {
  /** Every column but the keys. */
  readonly rows: RecordBatch;
  /** The key columns, one row per run. */
  readonly keys: RecordBatch;
  /** Rows in each run, in order. */
  readonly runLengths: Int32Array;
  /** The partition's column names in order, keys included: the bucket puts the keys back where they were. */
  readonly columns: readonly string[];
}

/**
 * Split one partition into `nbuckets` pieces by hash of each row's key tuple (null keys dropped when dropna).
 * `partition` (for transform) adds the hidden position columns.
 */
export function shuffleSplit(input: RecordBatch, keys: readonly string[], nbuckets: number, dropna: boolean, partition: number | null = null): ShufflePiece[] {
  const batch = partition === null ? input : withPosition(input, partition);
  const g = groupRows(keyData(batch, keys), dropna);
  const bucketOf = new Int32Array(g.ngroups);
  for (let k = 0; k < g.ngroups; k++) bucketOf[k] = hashKey(tupleKey(g.keys, k)) % nbuckets;
  const groupRowsCount = new Int32Array(g.ngroups);
  const firstRow = new Int32Array(g.ngroups).fill(-1);
  for (let i = 0; i < g.ids.length; i++) {
    const id = g.ids[i]!;
    if (id < 0) continue;
    if (groupRowsCount[id] === 0) firstRow[id] = i;
    groupRowsCount[id]! += 1;
  }
  // A piece's runs are its groups in id order: where each group starts in its bucket, and the runs per bucket.
  const counts = new Int32Array(nbuckets);
  const runsIn = new Int32Array(nbuckets);
  const groupStart = new Int32Array(g.ngroups);
  for (let k = 0; k < g.ngroups; k++) {
    const b = bucketOf[k]!;
    groupStart[k] = counts[b]!;
    counts[b]! += groupRowsCount[k]!;
    runsIn[b]! += 1;
  }
  const runLengths = Array.from(runsIn, (r) => new Int32Array(r));
  const runFirstRow = Array.from(runsIn, (r) => new Int32Array(r));
  const filled = new Int32Array(nbuckets);
  for (let k = 0; k < g.ngroups; k++) {
    const b = bucketOf[k]!;
    const r = filled[b]!++;
    runLengths[b]![r] = groupRowsCount[k]!;
    runFirstRow[b]![r] = firstRow[k]!;
  }
  // Where each row goes: bucket and row within it (-1: a dropped null key).
  const n = g.ids.length;
  const rowBucket = new Int32Array(n);
  const rowPos = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const id = g.ids[i]!;
    if (id < 0) {
      rowBucket[i] = -1;
      continue;
    }
    rowBucket[i] = bucketOf[id]!;
    rowPos[i] = groupStart[id]!++;
  }
  const isKey = batch.schema.fields.map((f) => keys.includes(f.name));
  const valueFields = batch.schema.fields.filter((_, c) => !isKey[c]);
  const keyFields = batch.schema.fields.filter((_, c) => isKey[c]);
  // Fixed-width columns scatter in one sequential pass; others gather by per-bucket row lists.
  let idx: Int32Array[] | null = null;
  const values = batch.data.children.filter((_, c) => !isKey[c]).map((d) => {
    if (scatterable(d)) return scatterFixed(d, rowBucket, rowPos, counts);
    if (idx === null) {
      const lists = Array.from(counts, (c) => new Int32Array(c));
      for (let i = 0; i < n; i++) if (rowBucket[i]! >= 0) lists[rowBucket[i]!]![rowPos[i]!] = i;
      idx = lists;
    }
    return idx.map((ix) => takeData(d, ix));
  });
  const keyColumns = batch.data.children.filter((_, c) => isKey[c]);
  const valueSchema = new Schema(valueFields);
  const keySchema = new Schema(keyFields);
  const columns = batch.schema.fields.map((f) => f.name);
  return Array.from(counts, (_, b) => ({
    rows: batchOfRows(valueSchema, values.map((col) => col[b]!), counts[b]!),
    keys: makeBatch(keySchema, keyColumns.map((d) => takeData(d, runFirstRow[b]!))),
    runLengths: runLengths[b]!,
    columns,
  }));
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

/** One bucket's groups in key order, each a contiguous run of rows of `sorted` (from start[r] to start[r + 1]). */
interface SortedGroups {
  readonly sorted: RecordBatch;
  /** keys[c][r]: value of key column c for the group of rank r. */
  readonly keys: KeyValue[][];
  readonly start: Int32Array;
}

/**
 * Merge the pieces a shuffle sent to one bucket into one batch sorted by group (groups in key order, rows of a
 * group in input order: piece by piece, then row by row). Pieces hold each group as one run, so this is one
 * copy of runs; groups meet across pieces by their tuple key, the same identity as the shuffle's hash. The
 * key columns are rebuilt from each group's key, where the partition had them.
 */
function sortGroups(pieces: readonly ShufflePiece[], keys: readonly string[], dropna: boolean): SortedGroups {
  const index = new Map<string, number>();
  const keyValues: KeyValue[][] = keys.map(() => []);
  // runs[G]: the group's runs as (piece, start, end) triples; keyAt[G]: (piece, run) holding its key
  const runs: number[][] = [];
  const keyAt: number[] = [];
  pieces.forEach((piece, p) => {
    const g = groupRows(keyData(piece.keys, keys), dropna);
    const local = new Int32Array(g.ngroups).fill(-1);
    let i = 0;
    for (let r = 0; r < piece.runLengths.length; r++) {
      const j = i + piece.runLengths[r]!;
      const id = g.ids[r]!;
      if (id >= 0) {
        let G = local[id]!;
        if (G < 0) {
          const t = tupleKey(g.keys, id);
          G = index.get(t) ?? -1;
          if (G < 0) {
            G = runs.length;
            index.set(t, G);
            runs.push([]);
            keyAt.push(p, r);
            for (let c = 0; c < keys.length; c++) keyValues[c]!.push(g.keys[c]![id]!);
          }
          local[id] = G;
        }
        runs[G]!.push(p, i, j);
      }
      i = j;
    }
  });
  const ngroups = runs.length;
  const order = Array.from({ length: ngroups }, (_, k) => k);
  order.sort((x, y) => {
    for (let c = 0; c < keyValues.length; c++) {
      const d = compareKeys(keyValues[c]![x]!, keyValues[c]![y]!);
      if (d !== 0) return d;
    }
    return 0;
  });
  const start = new Int32Array(ngroups + 1);
  order.forEach((G, r) => {
    const rs = runs[G]!;
    let rows = 0;
    for (let q = 0; q < rs.length; q += 3) rows += rs[q + 2]! - rs[q + 1]!;
    start[r + 1] = start[r]! + rows;
  });
  const total = start[ngroups]!;
  // Row i of the sorted batch belongs to the group of rank rankOf[i]: the key columns are each group's key
  // (one row per group, in rank order) gathered by it.
  let rankOf: Int32Array | null = null;
  const first = pieces[0]!;
  const fields = first.columns.map((name) => first.rows.schema.fields.find((f) => f.name === name) ?? first.keys.schema.fields.find((f) => f.name === name)!);
  // Column by column: the runs in group order, as zero-copy slices, copied once into one buffer.
  const columns = fields.map((f) => {
    const parts: Data[] = [];
    const k = first.keys.schema.fields.findIndex((x) => x.name === f.name);
    if (k >= 0) {
      for (const G of order) parts.push(pieces[keyAt[2 * G]!]!.keys.data.children[k]!.slice(keyAt[2 * G + 1]!, 1));
      if (rankOf === null) {
        rankOf = new Int32Array(total);
        for (let r = 0; r < ngroups; r++) rankOf.fill(r, start[r]!, start[r + 1]!);
      }
      return takeData(concatData(f.type, parts), rankOf);
    }
    const c = first.rows.schema.fields.findIndex((x) => x.name === f.name);
    for (const G of order) {
      const rs = runs[G]!;
      for (let q = 0; q < rs.length; q += 3) parts.push(pieces[rs[q]!]!.rows.data.children[c]!.slice(rs[q + 1]!, rs[q + 2]! - rs[q + 1]!));
    }
    return concatData(f.type, parts);
  });
  return { sorted: batchOfRows(new Schema(fields), columns, total), keys: keyValues.map((vs) => order.map((G) => vs[G]!)), start };
}

/** A batch of `rows` rows (makeBatch takes the count from the first column; here there may be none). */
function batchOfRows(schema: Schema, columns: readonly Data[], rows: number): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: columns as Data[] }));
}

/** Run the user's function on every group of one bucket. Returns null when the bucket holds no group. */
export async function applyBucket(pieces: readonly ShufflePiece[], args: ApplyArgs): Promise<RecordBatch | null> {
  // Every read of this shuffle's input is over: buffers kept for reading are idle beside its pieces.
  releaseScratch();
  const nonEmpty = pieces.filter((p) => p.runLengths.length > 0);
  if (nonEmpty.length === 0) return null;
  const { sorted, keys: groupKeys, start } = sortGroups(nonEmpty, args.keys, args.dropna);
  const ngroups = start.length - 1;
  const fn = await loadUdf(args.fn);
  // The user's function never sees the hidden position columns.
  const hidden = sorted.schema.fields.some((f) => f.name === POSITION_COLUMNS[0]);
  const visible = hidden ? project(sorted, sorted.schema.fields.map((f) => f.name).filter((n) => !(POSITION_COLUMNS as readonly string[]).includes(n))) : sorted;

  const rows = new ResultRows(args);
  for (let r = 0; r < ngroups; r++) {
    const key: Record<string, KeyValue> = {};
    args.keys.forEach((name, c) => setOwn(key, name, groupKeys[c]![r]!));
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
