// ArrowIpcSource: the PartitionSource behind readArrowIpc. One partition per record batch; the read op
// gets the byte ranges of the schema, the dictionaries before the batch, and the batch itself.

import type { Schema } from 'apache-arrow';
import type { PartitionSource, PartitionTaskSpec } from '../../collections/source.ts';
import { tokenize } from '../../scheduler/tokenize.ts';
import { ArrowIpcFileError } from './errors.ts';
import type { IpcLayout, Range } from './scan.ts';

export const IPC_READ_OP = 'io.arrow-ipc.read';

export interface IpcReadPlan {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** The schema message; then the byte ranges of the dictionary batches and the record batch. Together: a stream. */
  readonly schema: Uint8Array;
  readonly ranges: readonly Range[];
  readonly rows: number;
  readonly columns: readonly string[] | null;
}

export class ArrowIpcSource implements PartitionSource {
  readonly name = 'read-arrow-ipc';
  readonly supportsProjection = true;
  readonly token: string;
  readonly npartitions: number;
  private readonly parts: Array<{ file: number; batch: number }> = [];

  constructor(readonly files: readonly IpcLayout[], readonly schema: Schema) {
    files.forEach((f, fi) => f.batches.forEach((_, bi) => this.parts.push({ file: fi, batch: bi })));
    this.npartitions = this.parts.length;
    this.token = tokenize('read-arrow-ipc', files.map((f) => [f.path, f.size, f.mtimeMs]));
  }

  partitionTask(i: number, columns: readonly string[] | null): PartitionTaskSpec {
    const part = this.parts[i];
    if (!part) throw new RangeError(`read-arrow-ipc has ${this.npartitions} partitions; partition ${i} does not exist`);
    for (const c of columns ?? []) {
      if (!this.schema.fields.some((f) => f.name === c)) {
        throw new ArrowIpcFileError(`read-arrow-ipc has no column '${c}'; the columns are: ${this.schema.fields.map((f) => `'${f.name}'`).join(', ')}`);
      }
    }
    const f = this.files[part.file]!;
    const b = f.batches[part.batch]!;
    const plan: IpcReadPlan = {
      path: f.path, size: f.size, mtimeMs: f.mtimeMs,
      schema: f.schemaMessage,
      ranges: [...f.dictionaries.slice(0, b.dictsBefore), { start: b.start, end: b.end }],
      rows: b.rows, columns,
    };
    return { op: IPC_READ_OP, args: [plan] };
  }

  inputFiles(): readonly string[] {
    return this.files.map((f) => f.path);
  }

  describe(): string {
    const n = this.files.length;
    const formats = [...new Set(this.files.map((f) => f.format))].join('/');
    return `read-arrow-ipc ${n} ${formats} file${n === 1 ? '' : 's'}, ${this.npartitions} record batch partition${this.npartitions === 1 ? '' : 's'}`;
  }
}
