// Building a small, self-contained Parquet file in memory holding only the wanted columns of the wanted
// row groups: their column chunks are read by byte range (read-fully.ts) and a rewritten footer points at
// them. parquet-wasm's synchronous readParquet then decodes just that. This keeps reads to the bytes that
// are needed (its own readParquet ignores `columns`), and its errors stay ordinary exceptions of this task
// (the async Blob reader can panic from a promise callback, out of reach of any catch).

import { Message, Schema } from 'apache-arrow';
import { type TStruct, type TValue, readTypedStruct, writeTypedStruct } from './thrift.ts';
import { readFully } from '../read-fully.ts';

const ARROW_SCHEMA_KEY = 'ARROW:schema';

export interface OpenedFooter {
  readonly fmd: TStruct;
  /** Per top-level field: its schema elements [start, end) and its leaves [start, end). */
  readonly fields: ReadonlyArray<{ readonly name: string; readonly elements: readonly [number, number]; readonly leaves: readonly [number, number] }>;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

const int = (v: TValue | undefined): number | undefined => (v?.t === 'int' ? Number(v.v) : undefined);
const sub = (s: TStruct, id: number): TStruct | undefined => {
  const v = s.fields.get(id);
  return v?.t === 'struct' ? v : undefined;
};
const items = (s: TStruct, id: number): TValue[] => {
  const v = s.fields.get(id);
  return v?.t === 'list' ? v.items : [];
};

/** Decode a footer (the bytes between the data and the 8-byte tail) into the form extract() needs. */
export function openFooter(meta: Uint8Array): OpenedFooter {
  const fmd = readTypedStruct(meta);
  const elements = items(fmd, 2) as TStruct[];
  const fields: Array<{ name: string; elements: [number, number]; leaves: [number, number] }> = [];
  let e = 1;
  let leaf = 0;
  const skip = (): void => {
    // Consume one element and its whole subtree, counting leaves.
    const el = elements[e++]!;
    const children = int(el.fields.get(5)) ?? 0;
    if (children === 0) leaf += 1;
    for (let k = 0; k < children; k++) skip();
  };
  const top = int(elements[0]?.fields.get(5)) ?? 0;
  for (let k = 0; k < top; k++) {
    const el = elements[e]!;
    const name = el.fields.get(4)?.t === 'binary' ? dec.decode((el.fields.get(4) as { v: Uint8Array }).v) : '';
    const e0 = e;
    const l0 = leaf;
    skip();
    fields.push({ name, elements: [e0, e], leaves: [l0, leaf] });
  }
  return { fmd, fields };
}

/** Byte range [start, end) of a column chunk in the file. */
function chunkRange(md: TStruct): [number, number] {
  const data = int(md.fields.get(9)) ?? 0;
  const dict = int(md.fields.get(11));
  const start = dict !== undefined && dict > 0 && dict < data ? dict : data;
  return [start, start + (int(md.fields.get(7)) ?? 0)];
}

const i64 = (v: number): TValue => ({ t: 'int', wire: 6, v });

/**
 * A complete Parquet file holding `columns` (top-level names, file order kept) of `rowGroups`, read from
 * the open file descriptor by range.
 */
export function extract(fd: number, footer: OpenedFooter, columns: readonly string[], rowGroups: readonly number[]): Uint8Array {
  const { fmd } = footer;
  const keep = footer.fields.filter((f) => columns.includes(f.name));
  const leafIds = keep.flatMap((f) => Array.from({ length: f.leaves[1] - f.leaves[0] }, (_, k) => f.leaves[0] + k));
  const allGroups = items(fmd, 4) as TStruct[];
  // Plan the copy: every kept chunk of every kept row group, packed one after another after 'PAR1'.
  const copies: Array<{ from: number; to: number; len: number }> = [];
  const groups: TStruct[] = [];
  let at = 4;
  let numRows = 0;
  for (const g of rowGroups) {
    const rg = allGroups[g]!;
    const chunks = items(rg, 1) as TStruct[];
    const newChunks: TStruct[] = [];
    let compressed = 0;
    let uncompressed = 0;
    const groupStart = at;
    for (const id of leafIds) {
      const cc = chunks[id]!;
      const md = sub(cc, 3)!;
      const [start, end] = chunkRange(md);
      const shift = at - start;
      const newMd: TStruct = { t: 'struct', fields: new Map(md.fields) };
      for (const off of [9, 10, 11]) {
        const v = int(md.fields.get(off));
        if (v !== undefined && v > 0) newMd.fields.set(off, i64(v + shift));
      }
      newMd.fields.delete(14); // bloom filter offset/length: not copied
      newMd.fields.delete(15);
      const newCc: TStruct = { t: 'struct', fields: new Map([[2, i64(at)], [3, newMd]]) };
      newChunks.push(newCc);
      copies.push({ from: start, to: at, len: end - start });
      compressed += end - start;
      uncompressed += int(md.fields.get(6)) ?? 0;
      at += end - start;
    }
    const rows = int(rg.fields.get(3)) ?? 0;
    numRows += rows;
    groups.push({
      t: 'struct',
      fields: new Map<number, TValue>([
        [1, { t: 'list', wire: 9, elem: 12, items: newChunks }],
        [2, i64(uncompressed)],
        [3, i64(rows)],
        [5, i64(groupStart)],
        [6, i64(compressed)],
      ]),
    });
  }
  const elements = items(fmd, 2) as TStruct[];
  const root: TStruct = { t: 'struct', fields: new Map(elements[0]!.fields) };
  root.fields.set(5, { t: 'int', wire: 5, v: keep.length });
  const newElements = [root, ...keep.flatMap((f) => elements.slice(f.elements[0], f.elements[1]))];
  const out: TStruct = { t: 'struct', fields: new Map(fmd.fields) };
  out.fields.set(2, { t: 'list', wire: 9, elem: 12, items: newElements });
  out.fields.set(3, i64(numRows));
  out.fields.set(4, { t: 'list', wire: 9, elem: 12, items: groups });
  const orders = fmd.fields.get(7);
  if (orders?.t === 'list') out.fields.set(7, { ...orders, items: leafIds.map((id) => orders.items[id]!).filter(Boolean) });
  const kv = fmd.fields.get(5);
  if (kv?.t === 'list') out.fields.set(5, { ...kv, items: kv.items.map((x) => narrowArrowSchema(x as TStruct, keep.map((f) => f.name))) });
  const meta = writeTypedStruct(out);

  const file = new Uint8Array(at + meta.length + 8);
  file.set([0x50, 0x41, 0x52, 0x31]);
  // Coalesce adjacent ranges into one read each.
  for (let i = 0; i < copies.length; ) {
    let j = i + 1;
    while (j < copies.length && copies[j]!.from === copies[j - 1]!.from + copies[j - 1]!.len && copies[j]!.to === copies[j - 1]!.to + copies[j - 1]!.len) j++;
    const from = copies[i]!.from;
    const to = copies[i]!.to;
    const len = copies[j - 1]!.to + copies[j - 1]!.len - to;
    const got = readFully(fd, file, to, len, from);
    if (got < len) throw new Error(`the file ends at byte ${from + got}, inside a column chunk`);
    i = j;
  }
  file.set(meta, at);
  const tail = new DataView(file.buffer, at + meta.length, 8);
  tail.setUint32(0, meta.length, true);
  file.set([0x50, 0x41, 0x52, 0x31], at + meta.length + 4);
  return file;
}

/** Keep only `names` in the embedded Arrow schema (arrow-rs checks it against the Parquet schema). */
function narrowArrowSchema(kv: TStruct, names: readonly string[]): TStruct {
  const k = kv.fields.get(1);
  const v = kv.fields.get(2);
  if (k?.t !== 'binary' || dec.decode(k.v) !== ARROW_SCHEMA_KEY || v?.t !== 'binary') return kv;
  const raw = Buffer.from(dec.decode(v.v), 'base64');
  const body = raw.readInt32LE(0) === -1 ? raw.subarray(8) : raw.subarray(4);
  const schema = Message.decode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)).header() as Schema;
  const narrowed = new Schema(schema.fields.filter((f) => names.includes(f.name)), schema.metadata);
  const fb = Message.encode(Message.from(narrowed));
  const padded = Math.ceil(fb.length / 8) * 8;
  const msg = new Uint8Array(8 + padded);
  const dv = new DataView(msg.buffer);
  dv.setInt32(0, -1, true);
  dv.setInt32(4, padded, true);
  msg.set(fb, 8);
  return { t: 'struct', fields: new Map([[1, k], [2, { t: 'binary', v: enc.encode(Buffer.from(msg).toString('base64')) }]]) };
}
