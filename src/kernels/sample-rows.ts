// Random row selection for sample() and randomSplit(): row i of partition p draws u from Philox with the
// seed's key at counter (i, p), so the draw depends only on the seed, the partition and the row: the same on
// every scheduler, in any task order, and in a retried task. A row is kept when lo <= u < hi.

import type { RecordBatch } from 'apache-arrow';
import { fillUniform } from '../random/distributions.ts';
import { takeBatch } from './take.ts';

export function sampleRows(batch: RecordBatch, key: readonly [number, number], partition: number, lo: number, hi: number): RecordBatch {
  const n = batch.numRows;
  const u = new Float64Array(n);
  // The partition number is the high counter word: each partition has its own 2^64-block stream.
  fillUniform({ key0: key[0], key1: key[1], p0: 0, p1: 0, p2: partition }, 0, n, u, 0);
  const keep = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) if (u[i]! >= lo && u[i]! < hi) keep[k++] = i;
  return k === n ? batch : takeBatch(batch, keep.subarray(0, k));
}
