// Partition-wise DataFrame operations, each a pure function of one RecordBatch (plus plain-data args).

import { type Data, type RecordBatch, Field, Schema } from 'apache-arrow';
import type { ColExpr } from '../expr.ts';
import { makeBatch } from './arrow-build.ts';
import { evaluate, evaluateColumn, type Evaluated } from './evaluate.ts';
import { kernelStats } from './stats.ts';
import { maskToIndices, sliceBatch, takeBatch } from './take.ts';
import { broadcast } from './evaluate.ts';

/** An in-memory partition handed over as task data; `columns` prunes it like a file reader would. */
export function partitionFromMemory(batch: RecordBatch, columns: readonly string[] | null): RecordBatch {
  kernelStats.partitionReads += 1;
  return columns === null ? batch : project(batch, columns);
}

export function project(batch: RecordBatch, columns: readonly string[]): RecordBatch {
  const fields: Field[] = [];
  const data: Data[] = [];
  for (const name of columns) {
    const i = batch.schema.fields.findIndex((f) => f.name === name);
    if (i < 0) throw new Error(`no column named '${name}' in partition; columns: ${batch.schema.fields.map((f) => f.name).join(', ')}`);
    fields.push(batch.schema.fields[i]!);
    data.push(batch.data.children[i]!);
  }
  return makeBatch(new Schema(fields), data);
}

/** Add or replace columns; replaced columns keep their position, new ones go to the end (as in pandas). */
export function assign(batch: RecordBatch, assignments: ReadonlyArray<readonly [string, ColExpr]>): RecordBatch {
  const cache = new Map<string, Evaluated>();
  const fields = [...batch.schema.fields];
  const data = [...batch.data.children];
  for (const [name, expr] of assignments) {
    const e = evaluate(batch, expr, cache);
    const col = 'data' in e ? e.data : broadcast(e.lit, batch.numRows);
    const field = new Field(name, col.type, true);
    const i = fields.findIndex((f) => f.name === name);
    if (i >= 0) {
      fields[i] = field;
      data[i] = col;
    } else {
      fields.push(field);
      data.push(col);
    }
  }
  return makeBatch(new Schema(fields), data);
}

export function filter(batch: RecordBatch, predicate: ColExpr): RecordBatch {
  const mask = evaluateColumn(batch, predicate);
  const idx = maskToIndices(mask);
  if (idx.length === batch.numRows) return batch;
  return takeBatch(batch, idx);
}

/** First `n` rows of a partition (head() reads partitions in order until it has enough). */
export function headRows(batch: RecordBatch, n: number): RecordBatch {
  return batch.numRows <= n ? batch : sliceBatch(batch, 0, n);
}
