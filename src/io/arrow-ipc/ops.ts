// Registered Arrow IPC ops: 'io.arrow-ipc.read' reads one record batch (plus the schema and dictionaries it
// needs) by byte range and decodes it over shared memory; 'io.arrow-ipc.write' writes one partition.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { type RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { project } from '../../kernels/frame-ops.ts';
import { kernelStats } from '../../kernels/stats.ts';
import { registerOp } from '../../scheduler/registry.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { ArrowIpcFileError } from './errors.ts';
import { batchesFromIpc, oneBatch } from './shared-ipc.ts';
import { IPC_READ_OP, type IpcReadPlan } from './source.ts';
import { readFully } from '../read-fully.ts';

export { IPC_READ_OP };
export const IPC_WRITE_OP = 'io.arrow-ipc.write';

export function readIpcPartition(plan: IpcReadPlan): RecordBatch {
  let st: fs.Stats;
  try {
    st = fs.statSync(plan.path);
  } catch (e) {
    throw new ArrowIpcFileError(`cannot read Arrow IPC file '${plan.path}': ${(e as Error).message}`);
  }
  if (st.size !== plan.size || st.mtimeMs !== plan.mtimeMs) {
    throw new ArrowIpcFileError(`Arrow IPC file '${plan.path}' changed on disk since readArrowIpc() was called; call readArrowIpc again`);
  }
  const total = plan.schema.length + plan.ranges.reduce((s, r) => s + (r.end - r.start), 0);
  const bytes = new Uint8Array(total + 8);
  bytes.set(plan.schema);
  const fd = fs.openSync(plan.path, 'r');
  try {
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
  let batch = decoded.batches.length === 0 ? emptyBatch(decoded.schema) : oneBatch(decoded.schema, decoded.batches);
  if (batch.numRows !== plan.rows) throw new ArrowIpcFileError(`a record batch of '${plan.path}' has ${batch.numRows} rows, its header says ${plan.rows}`);
  if (plan.columns !== null) batch = project(batch, plan.columns);
  kernelStats.partitionReads += 1;
  return batch;
}

export interface IpcWritePlan {
  readonly file: string;
  readonly format: 'file' | 'stream';
}

export function writeIpcPartition(batch: RecordBatch, plan: IpcWritePlan): string {
  fs.mkdirSync(path.dirname(plan.file), { recursive: true });
  const tmp = `${plan.file}.${process.pid}-${threadId}.tmp`;
  fs.writeFileSync(tmp, tableToIPC(new Table([batch]), plan.format));
  fs.renameSync(tmp, plan.file);
  return plan.file;
}

registerOp(IPC_READ_OP, readIpcPartition);
registerOp(IPC_WRITE_OP, writeIpcPartition);
