// Partitions already in memory (fromArrow, fromColumns, persist). Each batch travels inside its task as
// data; its buffers are SharedArrayBuffers, so the thread scheduler hands workers handles, not copies.

import type { RecordBatch, Schema } from 'apache-arrow';
import { uniqueToken } from '../scheduler/tokenize.ts';
import type { PartitionSource, PartitionTaskSpec } from './source.ts';

export class MemorySource implements PartitionSource {
  readonly name = 'from-memory';
  readonly token: string;
  readonly supportsProjection = true;
  constructor(
    readonly schema: Schema,
    private readonly batches: readonly RecordBatch[],
    private readonly origin: string,
  ) {
    this.token = uniqueToken('memory');
  }
  get npartitions(): number {
    return this.batches.length;
  }
  partitionTask(i: number, columns: readonly string[] | null): PartitionTaskSpec {
    return { op: 'frame.from-memory', args: [this.batches[i]!, columns] };
  }
  describe(): string {
    const rows = this.batches.reduce((s, b) => s + b.numRows, 0);
    return `${this.origin}: ${rows} rows in memory`;
  }
}
