// Dictionary types that differ only by their id are one type to tessera. apache-arrow gives every
// Dictionary type an id (each vectorFromArray call, each IPC file numbers its own) and its Table refuses
// batches whose schema differs from the table's in any id. Relabelling touches no value: each partition
// keeps its own dictionary, and kernels compare dictionary entries by value (concat.ts unifies them,
// groupby and filters decode them), so frames whose batches came from different origins combine.

import { type Data, type DataType, type Field, type RecordBatch, type Schema, Data as ArrowData, makeVector, util } from 'apache-arrow';
import { makeBatch } from './arrow-build.ts';

/** The same type up to dictionary ids (and child field nullability): apache-arrow prints ids nowhere. */
export function sameUpToIds(a: DataType, b: DataType): boolean {
  return String(a) === String(b);
}

/** `d` with type `type` (the same up to ids), its children and dictionary relabelled alike. */
export function relabelData(d: Data, type: DataType): Data {
  if (d.type === type) return d;
  const childTypes = (type.children ?? []) as Field[];
  const children = d.children.map((c, i) => relabelData(c as Data, childTypes[i]!.type));
  const valueType = (type as { dictionary?: DataType }).dictionary;
  let dictionary = d.dictionary;
  if (dictionary && valueType && dictionary.data.some((c) => !util.compareTypes(c.type, valueType))) {
    dictionary = makeVector(dictionary.data.map((c) => relabelData(c as Data, valueType)));
  }
  // Passing `d` as the buffers argument keeps its values, offsets, validity and stride as they are.
  return new ArrowData(type, d.offset, d.length, d.nullCount, d as never, children, dictionary);
}

/**
 * `batch` under `schema` when its columns have the same names and types up to dictionary ids (as one
 * frame's partitions have); a real difference is an error naming the column.
 */
export function relabelBatch(batch: RecordBatch, schema: Schema): RecordBatch {
  // (compareSchemas is typed as a guard: its false branch would narrow `batch` to never.)
  if (batch.schema === schema || (util.compareSchemas(schema, batch.schema) as boolean)) return batch;
  const fields = batch.schema.fields;
  if (fields.length !== schema.fields.length) {
    throw new TypeError(`a partition has columns [${fields.map((f) => f.name).join(', ')}], the frame has [${schema.fields.map((f) => f.name).join(', ')}]`);
  }
  const columns = schema.fields.map((f, i) => {
    const got = fields[i]!;
    if (got.name !== f.name || !sameUpToIds(got.type, f.type)) {
      throw new TypeError(`a partition's column ${i} is '${got.name}': ${String(got.type)}, the frame's is '${f.name}': ${String(f.type)}`);
    }
    return relabelData(batch.data.children[i] as Data, f.type);
  });
  return makeBatch(schema, columns);
}
