// Partition-level kernels for repartitioning and concatenation: cut a batch into row ranges, join pieces
// back into one batch, and measure a batch (rows, bytes) for repartition({partitionSize}).

import type { Data, RecordBatch } from 'apache-arrow';
import { concatBatches } from './concat.ts';
import { emptyBatch } from './arrow-build.ts';
import { sliceBatch } from './take.ts';
import { conformBatch } from './union-cast.ts';

/** Pieces of `batch` in order, `parts` of them, sizes as equal as rows allow. */
export function splitEven(batch: RecordBatch, parts: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (let j = 0; j < parts; j++) {
    const start = Math.floor((j * batch.numRows) / parts);
    const end = Math.floor(((j + 1) * batch.numRows) / parts);
    out.push(sliceBatch(batch, start, end));
  }
  return out;
}

/**
 * One batch of several, in order, in the shape of `like` (an empty batch carrying the schema: Arrow types do
 * not survive a structured clone to a worker, a batch does). Pieces whose schema differs are conformed.
 */
export function concatPieces(pieces: readonly RecordBatch[], like: RecordBatch): RecordBatch {
  const schema = like.schema;
  const nonEmpty = pieces.filter((p) => p.numRows > 0).map((p) => conformBatch(p, schema, 'concat'));
  return nonEmpty.length === 0 ? emptyBatch(schema) : concatBatches(schema, nonEmpty);
}

/** Rows [start, end) of each input, concatenated (one output partition of repartition({partitionSize})). */
export function sliceConcat(inputs: readonly RecordBatch[], ranges: ReadonlyArray<readonly [number, number]>, like: RecordBatch): RecordBatch {
  return concatPieces(inputs.map((b, k) => sliceBatch(b, ranges[k]![0], Math.min(ranges[k]![1], b.numRows))), like);
}

/** A partition as the shape of the frame (concat of frames whose schemas differ). */
export function conformTo(batch: RecordBatch, like: RecordBatch): RecordBatch {
  return conformBatch(batch, like.schema, 'concat');
}

function dataBytes(d: Data, seen: Set<unknown>): number {
  let n = 0;
  for (const b of [d.values, d.valueOffsets, d.nullBitmap] as Array<ArrayBufferView | undefined>) if (b) n += b.byteLength;
  for (const c of d.children) n += dataBytes(c, seen);
  // A dictionary shared by several slices counts once.
  if (d.dictionary && !seen.has(d.dictionary)) {
    seen.add(d.dictionary);
    for (const c of d.dictionary.data) n += dataBytes(c, seen);
  }
  return n;
}

/** Rows and the bytes of the buffers a batch holds. */
export function batchSize(batch: RecordBatch): { rows: number; bytes: number } {
  const seen = new Set<unknown>();
  let bytes = 0;
  for (const c of batch.data.children) bytes += dataBytes(c, seen);
  return { rows: batch.numRows, bytes };
}
