// Arrow IPC bytes -> record batches whose buffers live in ONE SharedArrayBuffer: the bytes are copied
// once into shared memory and Arrow's reader makes its columns views into that copy, so partitions read
// from Parquet (via parquet-wasm's IPC export) or from Arrow files cross to worker threads as handles.

import { type Data, type RecordBatch, type Schema, RecordBatch as RB, Struct, makeData, tableFromIPC } from 'apache-arrow';
import { concatBatches } from '../kernels/concat.ts';

/** Decode an IPC stream (or file) into its schema and batches, all over one shared copy of `bytes`. */
export function batchesFromIpc(bytes: Uint8Array): { schema: Schema; batches: RecordBatch[] } {
  const sab = new SharedArrayBuffer(Math.max(8, Math.ceil(bytes.byteLength / 8) * 8));
  const view = new Uint8Array(sab, 0, bytes.byteLength);
  view.set(bytes);
  const table = tableFromIPC(view);
  return { schema: table.schema, batches: table.batches };
}

/** One batch from several (a copy only when there are several). */
export function oneBatch(schema: Schema, batches: readonly RecordBatch[]): RecordBatch {
  return concatBatches(schema, batches);
}

/** A batch over the given fields and columns (children re-typed to the declared fields' types). */
export function batchOf(schema: Schema, columns: readonly Data[], rows: number): RecordBatch {
  const children = columns.map((d, i) => {
    const t = schema.fields[i]!.type;
    return d.type === t ? d : d.clone(t);
  });
  return new RB(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
}
