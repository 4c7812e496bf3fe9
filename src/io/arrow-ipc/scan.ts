// Finding the messages of an Arrow IPC file (file or stream format) by reading only their headers with
// fs.readSync: the schema, every dictionary batch and every record batch, as byte ranges. A partition is
// then one record batch, read later by range inside the task.

import * as fs from 'node:fs';
import { MessageHeader, Message, type Schema } from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { ArrowIpcFileError } from './errors.ts';
import { readAt } from '../read-fully.ts';

export interface Range {
  readonly start: number;
  readonly end: number;
}

export interface IpcLayout {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly format: 'file' | 'stream';
  readonly schema: Schema;
  /** The schema as an encapsulated IPC message (the file format keeps it only in its footer). */
  readonly schemaMessage: Uint8Array;
  /** Dictionary batches in file order. */
  readonly dictionaries: readonly Range[];
  /** Record batches in file order, with row counts and how many dictionary batches precede each. */
  readonly batches: ReadonlyArray<Range & { readonly rows: number; readonly dictsBefore: number }>;
}

const FILE_MAGIC = 'ARROW1';

export function scanIpc(path: string): IpcLayout {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ArrowIpcFileError(`Arrow IPC file not found: '${path}' (relative to ${process.cwd()})`);
    throw new ArrowIpcFileError(`cannot open Arrow IPC file '${path}': ${(e as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    const size = st.size;
    const read = (pos: number, len: number): Uint8Array => readAt(fd, pos, len);
    const head = read(0, Math.min(8, size));
    const isFile = Buffer.from(head.subarray(0, 6)).toString('latin1') === FILE_MAGIC;
    if (isFile) return scanFileFormat(path, size, st.mtimeMs, read);
    let pos = 0;
    const end = size;
    let schema: Schema | null = null;
    let schemaMessage: Uint8Array = new Uint8Array(0);
    const dictionaries: Range[] = [];
    const batches: Array<Range & { rows: number; dictsBefore: number }> = [];
    while (pos < end) {
      const start = pos;
      const prefix = read(pos, 8);
      if (prefix.length < 4) break; // a stream may end without an end-of-stream marker
      const dv = new DataView(prefix.buffer, prefix.byteOffset, prefix.length);
      let metaLen = dv.getInt32(0, true);
      let metaStart = pos + 4;
      if (metaLen === -1) {
        if (prefix.length < 8) throw truncated(path, pos);
        metaLen = dv.getInt32(4, true);
        metaStart = pos + 8;
      }
      if (metaLen === 0) break; // end-of-stream marker
      if (metaLen < 0 || metaStart + metaLen > end) {
        if (schema === null) throw notIpc(path);
        throw truncated(path, pos);
      }
      let message: Message;
      try {
        message = Message.decode(read(metaStart, metaLen));
      } catch {
        if (schema === null) throw notIpc(path);
        throw new ArrowIpcFileError(`Arrow IPC file '${path}' has a corrupt message at byte ${pos}`);
      }
      const bodyEnd = metaStart + metaLen + Number(message.bodyLength);
      if (bodyEnd > end) throw truncated(path, pos);
      pos = bodyEnd;
      switch (message.headerType) {
        case MessageHeader.Schema:
          if (schema !== null) throw new ArrowIpcFileError(`Arrow IPC file '${path}' holds a second schema at byte ${start}`);
          schema = message.header() as Schema;
          schemaMessage = read(start, bodyEnd - start).slice();
          break;
        case MessageHeader.DictionaryBatch:
          if (schema === null) throw notIpc(path);
          dictionaries.push({ start, end: bodyEnd });
          break;
        case MessageHeader.RecordBatch: {
          if (schema === null) throw notIpc(path);
          const rows = Number((message.header() as unknown as { length: number | bigint }).length);
          batches.push({ start, end: bodyEnd, rows, dictsBefore: dictionaries.length });
          break;
        }
        default:
          if (schema === null) throw notIpc(path);
      }
    }
    if (schema === null) throw notIpc(path);
    return { path, size, mtimeMs: st.mtimeMs, format: 'stream', schema, schemaMessage, dictionaries, batches };
  } finally {
    fs.closeSync(fd);
  }
}

/** The file format: schema and block offsets from the footer; each batch's header read for its row count. */
function scanFileFormat(path: string, size: number, mtimeMs: number, read: (pos: number, len: number) => Uint8Array): IpcLayout {
  const tail = read(Math.max(0, size - 10), 10);
  if (size < 18 || Buffer.from(tail.subarray(4)).toString('latin1') !== FILE_MAGIC) {
    throw new ArrowIpcFileError(`Arrow IPC file '${path}' is truncated: it starts with 'ARROW1' but has no footer`);
  }
  const footerLen = new DataView(tail.buffer, tail.byteOffset).getInt32(0, true);
  const footerStart = size - 10 - footerLen;
  if (footerLen <= 0 || footerStart < 8) throw new ArrowIpcFileError(`Arrow IPC file '${path}' has a corrupt footer (length ${footerLen})`);
  let footer: InstanceType<typeof Footer>;
  try {
    footer = Footer.decode(read(footerStart, footerLen));
  } catch (e) {
    throw new ArrowIpcFileError(`Arrow IPC file '${path}' has a corrupt footer: ${(e as Error).message}`);
  }
  const block = (b: { offset: number; metaDataLength: number; bodyLength: number }): Range => {
    const start = Number(b.offset);
    const end = start + b.metaDataLength + Number(b.bodyLength);
    if (start < 8 || end > footerStart) throw truncated(path, start);
    return { start, end };
  };
  const dictionaries = [...footer.dictionaryBatches()].map(block);
  const batches = [...footer.recordBatches()].map((b) => {
    const r = block(b);
    const head = read(r.start, b.metaDataLength);
    const dv = new DataView(head.buffer, head.byteOffset, head.length);
    const skip = dv.getInt32(0, true) === -1 ? 8 : 4;
    let rows: number;
    try {
      rows = Number((Message.decode(head.subarray(skip)).header() as unknown as { length: number | bigint }).length);
    } catch {
      throw new ArrowIpcFileError(`Arrow IPC file '${path}' has a corrupt record batch at byte ${r.start}`);
    }
    return { ...r, rows, dictsBefore: dictionaries.length };
  });
  return { path, size, mtimeMs, format: 'file', schema: footer.schema, schemaMessage: encapsulate(Message.encode(Message.from(footer.schema))), dictionaries, batches };
}

/** A flatbuffer message with the continuation marker, its padded length, and padding. */
function encapsulate(fb: Uint8Array): Uint8Array {
  const padded = Math.ceil(fb.length / 8) * 8;
  const out = new Uint8Array(8 + padded);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, -1, true);
  dv.setInt32(4, padded, true);
  out.set(fb, 8);
  return out;
}

function notIpc(path: string): ArrowIpcFileError {
  return new ArrowIpcFileError(`'${path}' is not an Arrow IPC file or stream (no schema message at its start)`);
}

function truncated(path: string, pos: number): ArrowIpcFileError {
  return new ArrowIpcFileError(`Arrow IPC file '${path}' is truncated: the message at byte ${pos} runs past the end of the data`);
}
