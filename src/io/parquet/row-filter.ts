// Applying resolved filters row by row inside a read task: statistics only prune whole row groups, so
// the rows of the groups that survive are checked exactly here (nulls satisfy no comparison, as in SQL).

import { type Data, type RecordBatch, DataType, Type } from 'apache-arrow';
import { takeBatch } from '../../kernels/take.ts';
import { validityOf } from '../../kernels/validity.ts';
import { boolAt } from '../../kernels/column-values.ts';
import { type Dnf, type Term, type TermValue, cmpBytes, cmpNum, holds } from './filters.ts';

const enc = new TextEncoder();

/** The rows of `batch` that satisfy `dnf` (the batch itself when all do, or when there is no filter). */
export function filterRows(batch: RecordBatch, dnf: Dnf): RecordBatch {
  if (dnf.length === 0 || batch.numRows === 0) return batch;
  const n = batch.numRows;
  const any = new Uint8Array(n);
  for (const group of dnf) {
    const all = new Uint8Array(n).fill(1);
    for (const term of group) andTerm(all, batch, term);
    for (let i = 0; i < n; i++) any[i]! |= all[i]!;
  }
  let k = 0;
  for (let i = 0; i < n; i++) k += any[i]!;
  if (k === n) return batch;
  const idx = new Int32Array(k);
  k = 0;
  for (let i = 0; i < n; i++) if (any[i]) idx[k++] = i;
  return takeBatch(batch, idx);
}

function andTerm(mask: Uint8Array, batch: RecordBatch, term: Term): void {
  const j = batch.schema.fields.findIndex((f) => f.name === term.column);
  if (j < 0) throw new Error(`filter column '${term.column}' was not read`);
  const data = batch.data.children[j]! as Data;
  const valid = validityOf(data);
  const test = termTest(data, term);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    if (valid !== null && !((valid[i >> 3]! >> (i & 7)) & 1)) mask[i] = 0;
    else if (!test(i)) mask[i] = 0;
  }
}

/** A per-row predicate for a non-null row of `data` (read by the slice rule of kernels/column-values.ts). */
function termTest(data: Data, term: Term): (i: number) => boolean {
  const { op, values } = term;
  const type = data.type;
  if (DataType.isDictionary(type)) {
    // Decide once per dictionary entry, then look codes up.
    const dict = data.dictionary!.data[0]!;
    const ok = new Uint8Array(dict.length);
    const t = termTest(dict, term);
    for (let e = 0; e < dict.length; e++) ok[e] = t(e) ? 1 : 0;
    const codes = data.values as ArrayLike<number>;
    return (i) => ok[codes[i]!] === 1;
  }
  switch (type.typeId) {
    case Type.Int:
    case Type.Float: {
      const v = data.values as ArrayLike<number | bigint>;
      return (i) => holds(op, values, (x) => cmpNum(v[i]!, x as number | bigint));
    }
    case Type.Bool: {
      return (i) => {
        const b = boolAt(data, i);
        return holds(op, values, (x) => b - (x ? 1 : 0));
      };
    }
    case Type.Utf8:
    case Type.LargeUtf8: {
      const bytes = data.values as Uint8Array;
      const offs = data.valueOffsets as ArrayLike<number | bigint>;
      const targets = values.map((s) => enc.encode(String(s)));
      const byValue = new Map<TermValue, Uint8Array>(values.map((s, k) => [s, targets[k]!]));
      return (i) => {
        const s = bytes.subarray(Number(offs[i]!), Number(offs[i + 1]!));
        return holds(op, values, (x) => cmpBytes(s, byValue.get(x as TermValue)!));
      };
    }
    case Type.Date:
    case Type.Timestamp: {
      const vec = { get: (i: number) => readTime(data, i) };
      return (i) => {
        const ms = vec.get(i);
        return holds(op, values, (x) => cmpNum(ms, x as number));
      };
    }
    default:
      throw new Error(`cannot filter a column of type ${String(type)}`);
  }
}

/** Milliseconds since the epoch of row i of a date or timestamp column (a slice's values start at its row 0). */
function readTime(data: Data, i: number): number {
  const type = data.type as DataType & { unit: number };
  const v = data.values as ArrayLike<number | bigint>;
  if (type.typeId === Type.Date) {
    // DateDay: int32 days; DateMillisecond: int64 (or int32 pairs in older arrow-js) ms.
    if (type.unit === 0) return Number(v[i]!) * 86_400_000;
    return Number((v as ArrayLike<number | bigint>)[i]!);
  }
  const x = Number(v[i]!);
  switch (type.unit) {
    case 0:
      return x * 1000; // seconds
    case 1:
      return x; // ms
    case 2:
      return x / 1000; // us
    default:
      return x / 1e6; // ns
  }
}
