// Assembling a groupby-apply result from its buckets: one schema for all (a field that was all-null in
// one bucket takes the type other buckets found), then rows ordered by key like pandas.

import { type Data, type DataType, type RecordBatch, Field, Float64, Int64, Schema, Table, Type, makeVector } from 'apache-arrow';
import { concatBatches } from '../kernels/concat.ts';
import { makeBatch } from '../kernels/arrow-build.ts';
import { takeBatch } from '../kernels/take.ts';
import { project } from '../kernels/frame-ops.ts';
import { FROM_NUMBERS, POSITION_COLUMNS } from '../kernels/groupby/apply.ts';
import { buildColumn } from '../kernels/groupby/aggregate.ts';
import { type KeyValue, compareKeys } from '../kernels/groupby/group-ids.ts';
import type { ApplyNode } from './plan.ts';

export function assembleApplied(buckets: ReadonlyArray<RecordBatch | null>, node: ApplyNode): Table {
  const batches = buckets.filter((b): b is RecordBatch => b !== null);
  if (batches.length === 0) return new Table(new Schema(node.keys.map((k) => node.input.schema.fields.find((f) => f.name === k)!)));
  const names = batches[0]!.schema.fields.map((f) => f.name);
  const types: DataType[] = batches[0]!.schema.fields.map((f) => f.type);
  for (const b of batches) {
    const bn = b.schema.fields.map((f) => f.name);
    if (bn.join('\u0000') !== names.join('\u0000')) {
      throw new Error(`groupby.${node.mode}: groups returned different fields: [${names.join(', ')}] and [${bn.join(', ')}]; every group must return the same fields`);
    }
    b.schema.fields.forEach((f, i) => {
      if (types[i]!.typeId === Type.Null) types[i] = f.type;
      else if (widenNumbers(types[i]!, f, batches)) types[i] = widenNumbers(types[i]!, f, batches)!;
      else if (f.type.typeId !== Type.Null && String(f.type) !== String(types[i])) {
        throw new TypeError(`groupby.${node.mode}: field '${f.name}' is ${String(types[i])} for some groups and ${String(f.type)} for others; return one type per field`);
      }
    });
  }
  const schema = new Schema(names.map((n, i) => new Field(n, types[i]!, true)));
  const aligned = batches.map((b) =>
    makeBatch(
      schema,
      b.data.children.map((d, i): Data => {
        if (d.type.typeId === Type.Null && types[i]!.typeId !== Type.Null) return buildColumn(types[i]!, new Array<KeyValue>(d.length).fill(null));
        if (d.type.typeId === Type.Int && String(d.type) !== String(types[i])) {
          const vals = [...makeVector(d)] as KeyValue[];
          return buildColumn(types[i]!, types[i]!.typeId === Type.Float ? vals.map((v) => (v === null ? null : Number(v))) : vals);
        }
        return d;
      }),
    ),
  );
  let all = concatBatches(schema, aligned);
  if (node.mode === 'transform') all = inInputOrder(all);
  else if (node.sort) all = sortByKeys(all, node.keys);
  return new Table([all]);
}

/**
 * A field inferred from JS numbers as int32 in one bucket may be int64 or float64 in another (larger or
 * fractional values there): the whole field takes the wider type. Null when the types do not meet that way.
 */
function widenNumbers(current: DataType, f: Field, batches: readonly RecordBatch[]): DataType | null {
  const numeric = (t: DataType) => t.typeId === Type.Int || t.typeId === Type.Float;
  if (!numeric(current) || !numeric(f.type) || String(current) === String(f.type)) return null;
  const fromNumbers = batches.every((b) => {
    const g = b.schema.fields.find((x) => x.name === f.name)!;
    return g.type.typeId !== Type.Int || g.metadata.get(FROM_NUMBERS) === '1';
  });
  // Integers of different widths meet losslessly in int64; integers meet floats only when they came from JS numbers.
  if (current.typeId === Type.Float || f.type.typeId === Type.Float) return fromNumbers ? new Float64() : null;
  return new Int64();
}

/** transform: rows back in the order of the input (partition, then row), hidden position columns dropped. */
function inInputOrder(batch: RecordBatch): RecordBatch {
  const part = batch.getChild(POSITION_COLUMNS[0])?.toArray() as Int32Array | undefined;
  const row = batch.getChild(POSITION_COLUMNS[1])?.toArray() as Int32Array | undefined;
  if (!part || !row) return batch;
  const idx = Int32Array.from({ length: batch.numRows }, (_, i) => i).sort((x, y) => part[x]! - part[y]! || row[x]! - row[y]!);
  const keep = batch.schema.fields.map((f) => f.name).filter((n) => !(POSITION_COLUMNS as readonly string[]).includes(n));
  return project(takeBatch(batch, idx), keep);
}

function sortByKeys(batch: RecordBatch, keys: readonly string[]): RecordBatch {
  const cols = keys.map((k) => batch.getChild(k)!.toArray() as ArrayLike<KeyValue>);
  const valid = keys.map((k) => batch.getChild(k)!);
  const n = batch.numRows;
  const idx = Array.from({ length: n }, (_, i) => i);
  const value = (c: number, i: number): KeyValue => (valid[c]!.isValid(i) ? (cols[c]![i] as KeyValue) : null);
  idx.sort((x, y) => {
    for (let c = 0; c < keys.length; c++) {
      const d = compareKeys(value(c, x), value(c, y));
      if (d !== 0) return d;
    }
    return x - y;
  });
  return takeBatch(batch, Int32Array.from(idx));
}
