// Registered Arrow IPC ops: 'io.arrow-ipc.read' reads one record batch (plus the schema and dictionaries it
// needs) by byte range and decodes it over shared memory; 'io.arrow-ipc.write' writes one partition.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { project } from '../../kernels/frame-ops.ts';
import { kernelStats } from '../../kernels/stats.ts';
import { registerOp } from '../../scheduler/registry.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { normalizeBatch } from '../../kernels/ingest-types.ts';
import { ArrowIpcFileError } from './errors.ts';
import { batchesFromIpc, oneBatch } from '../shared-ipc.ts';
import { IPC_READ_OP, type IpcReadPlan } from './source.ts';
import { readFully } from '../read-fully.ts';
import { checkPin } from '../files.ts';
import { writeFileDurably } from '../manifest.ts';
import { mkdirBelow } from '../output-target.ts';
import type { WrittenFile } from '../write-partitions.ts';

export { IPC_READ_OP };
export const IPC_WRITE_OP = 'io.arrow-ipc.write';

export function readIpcPartition(plan: IpcReadPlan): RecordBatch {
  const total = plan.schema.length + plan.ranges.reduce((s, r) => s + (r.end - r.start), 0);
  const bytes = new Uint8Array(total + 8);
  bytes.set(plan.schema);
  let fd: number;
  try {
    fd = fs.openSync(plan.path, 'r');
  } catch (e) {
    throw new ArrowIpcFileError(`cannot read Arrow IPC file '${plan.path}': ${(e as Error).message}; if it was removed since readArrowIpc() was called, call readArrowIpc() again`);
  }
  try {
    checkPin(plan.path, plan, { label: `Arrow IPC file '${plan.path}'`, reader: 'readArrowIpc', fail: (m) => new ArrowIpcFileError(m) }, fd);
    let at = plan.schema.length;
    for (const r of plan.ranges) {
      const got = readFully(fd, bytes, at, r.end - r.start, r.start);
      if (got < r.end - r.start) throw new ArrowIpcFileError(`Arrow IPC file '${plan.path}' ended early at byte ${r.start + got}`);
      at += got;
    }
    // End-of-stream marker.
    new DataView(bytes.buffer).setInt32(at, -1, true);
  } finally {
    fs.closeSync(fd);
  }
  let decoded: ReturnType<typeof batchesFromIpc>;
  try {
    decoded = batchesFromIpc(bytes);
  } catch (e) {
    throw new ArrowIpcFileError(`cannot decode a record batch of Arrow IPC file '${plan.path}': ${(e as Error).message}`);
  }
  let batch = normalizeBatch(decoded.batches.length === 0 ? emptyBatch(decoded.schema) : oneBatch(decoded.schema, decoded.batches));
  if (batch.numRows !== plan.rows) throw new ArrowIpcFileError(`a record batch of '${plan.path}' has ${batch.numRows} rows, its header says ${plan.rows}`);
  if (plan.columns !== null) batch = project(batch, plan.columns);
  kernelStats.partitionReads += 1;
  return batch;
}

export interface IpcWritePlan {
  /** Directory to write into (a private staging directory). */
  readonly dir: string;
  /** File name of this partition inside `dir`. */
  readonly name: string;
  readonly format: 'file' | 'stream';
}

/** Write one partition as one IPC file below plan.dir; returns what was written. Registered as 'io.arrow-ipc.write'. */
export function writeIpcPartition(batch: RecordBatch, plan: IpcWritePlan): WrittenFile {
  const file = path.join(plan.dir, plan.name);
  mkdirBelow(plan.dir, path.dirname(plan.name));
  return { file, rows: batch.numRows, bytes: writeFileDurably(file, tableToIPC(new Table([batch]), plan.format)) };
}

registerOp(IPC_READ_OP, readIpcPartition);
registerOp(IPC_WRITE_OP, writeIpcPartition);
