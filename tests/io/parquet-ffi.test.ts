// The C-data-interface copy out of parquet-wasm (io/parquet/ffi.ts) against parquet-wasm's own IPC export
// of the same decoded file: the same schema, the same values, nulls and null counts, the same buffer types,
// on random files of every type it takes (nulls, all-null and one-row row groups, empty files).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { parquetWasm } from '../../src/io/parquet/wasm.ts';
import { batchesFromWasm } from '../../src/io/parquet/ffi.ts';
import { batchesFromIpc } from '../../src/io/shared-ipc.ts';
import { rng } from '../helpers.ts';

type Gen = (r: () => number) => unknown;
const int = (lo: number, hi: number): Gen => (r) => lo + Math.floor(r() * (hi - lo + 1));
const big = (lo: bigint, span: number): Gen => (r) => lo + BigInt(Math.floor(r() * span));
const str: Gen = (r) => ['', 'a', 'Zürich', '東京', '🚀', 'x'.repeat(Math.floor(r() * 40))][Math.floor(r() * 6)];
const float: Gen = (r) => { const u = r(); return u < 0.05 ? NaN : u < 0.1 ? -0 : u < 0.12 ? Infinity : (r() - 0.5) * 1e6; };

const COLUMNS: Array<[string, arrow.DataType, Gen]> = [
  ['i8', new arrow.Int8(), int(-128, 127)],
  ['i16', new arrow.Int16(), int(-32768, 32767)],
  ['i32', new arrow.Int32(), int(-(2 ** 31), 2 ** 31 - 1)],
  ['i64', new arrow.Int64(), big(-(2n ** 62n), 2 ** 53)],
  ['u8', new arrow.Uint8(), int(0, 255)],
  ['u16', new arrow.Uint16(), int(0, 65535)],
  ['u32', new arrow.Uint32(), int(0, 2 ** 32 - 1)],
  ['u64', new arrow.Uint64(), big(2n ** 63n, 2 ** 53)],
  ['f32', new arrow.Float32(), float],
  ['f64', new arrow.Float64(), float],
  ['bool', new arrow.Bool(), (r) => r() < 0.5],
  ['utf8', new arrow.Utf8(), str],
  ['large', new arrow.LargeUtf8(), str],
  ['bin', new arrow.Binary(), (r) => Uint8Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * 256))],
  ['date32', new arrow.DateDay(), (r) => new Date(int(-20000, 20000)(r) as number * 86_400_000)],
  ['date64', new arrow.DateMillisecond(), (r) => new Date(int(-20000, 20000)(r) as number * 86_400_000)],
  ['ts_ms', new arrow.TimestampMillisecond(), int(-1e12, 1.7e12)],
  ['ts_us', new arrow.TimestampMicrosecond('UTC'), int(-1e12, 1.7e12)],
];

function parquetBytes(table: arrow.Table, rowGroupSize: number): Uint8Array {
  const w = parquetWasm();
  const props = new w.WriterPropertiesBuilder().setCompression(w.Compression.SNAPPY).setMaxRowGroupSize(rowGroupSize).build();
  return w.writeParquet(w.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), props);
}

const cell = (v: unknown) => (v instanceof Uint8Array ? [...v] : typeof v === 'bigint' ? `${v}n` : v);

function assertSame(a: { schema: arrow.Schema; batches: arrow.RecordBatch[] }, b: { schema: arrow.Schema; batches: arrow.RecordBatch[] }, where: string): void {
  assert.is(String(a.schema), String(b.schema), `${where}: schema`);
  // An empty file exports one empty batch by IPC and none by FFI; the reader treats both as no rows.
  const as = a.batches.filter((x) => x.numRows > 0);
  const bs = b.batches.filter((x) => x.numRows > 0);
  assert.equal(as.map((x) => x.numRows), bs.map((x) => x.numRows), `${where}: batch lengths`);
  as.forEach((ba, k) => {
    const bb = bs[k]!;
    ba.schema.fields.forEach((f, c) => {
      const da = ba.data.children[c]!;
      const db = bb.data.children[c]!;
      const at = `${where}: column ${f.name} batch ${k}`;
      assert.is(String(da.type), String(db.type), `${at}: type`);
      assert.is(da.nullCount, db.nullCount, `${at}: null count`);
      assert.is(da.values?.constructor, db.values?.constructor, `${at}: value buffer type`);
      assert.is(da.valueOffsets?.constructor, db.valueOffsets?.constructor, `${at}: offset buffer type`);
      assert.ok(da.values === undefined || da.values.buffer instanceof SharedArrayBuffer, `${at}: in shared memory`);
      const va = ba.getChildAt(c)!;
      const vb = bb.getChildAt(c)!;
      for (let i = 0; i < ba.numRows; i++) {
        const x = cell(va.get(i));
        const y = cell(vb.get(i));
        if (typeof x === 'number' && typeof y === 'number') assert.ok(Object.is(x, y), `${at} row ${i}: ${x} vs ${y}`);
        else assert.equal(x, y, `${at} row ${i}`);
      }
    });
  });
}

test('FFI copy equals the IPC export: every type it takes, random nulls, row-group sizes, lengths', () => {
  const r = rng(11);
  const w = parquetWasm();
  let taken = 0;
  for (const rows of [0, 1, 7, 100, 1000]) {
    for (const nullRate of [0, 0.3, 1]) {
      for (const rowGroupSize of [1, 3, 64, 1 << 20]) {
        if (rowGroupSize === 1 && rows > 100) continue;
        const cols: Record<string, arrow.Vector> = {};
        for (const [name, type, gen] of COLUMNS) {
          const vals = Array.from({ length: rows }, () => (r() < nullRate ? null : gen(r)));
          cols[name] = arrow.vectorFromArray(vals as never[], type);
        }
        const file = parquetBytes(new arrow.Table(cols), rowGroupSize);
        const where = `${rows} rows, nulls ${nullRate}, row groups of ${rowGroupSize}`;
        const viaFfi = batchesFromWasm(w.readParquet(file, { batchSize: Math.max(1, rows) }));
        assert.ok(viaFfi, `${where}: the FFI path takes these types`);
        const viaIpc = batchesFromIpc(w.readParquet(file, { batchSize: Math.max(1, rows) }).intoIPCStream());
        assertSame(viaFfi!, viaIpc, where);
        // and in several batches, as a partition's row groups may decode
        if (rows > 1) {
          const small = Math.max(1, rows >> 2);
          assertSame(batchesFromWasm(w.readParquet(file, { batchSize: small }))!, batchesFromIpc(w.readParquet(file, { batchSize: small }).intoIPCStream()), `${where}, batches of ${small}`);
        }
        taken++;
      }
    }
  }
  assert.ok(taken > 40);
});

test('types the FFI copy does not take are left for the IPC export (dictionaries, nulls, nested)', () => {
  const w = parquetWasm();
  const t = new arrow.Table({
    dict: arrow.vectorFromArray(['SFO', 'OAK', null, 'SFO'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    x: arrow.vectorFromArray([1, 2, 3, 4], new arrow.Int32()),
  });
  const file = parquetBytes(t, 2);
  const table = w.readParquet(file, { batchSize: 4 });
  assert.is(batchesFromWasm(table), null);
  // the table is untouched: it still exports by IPC
  const ipc = batchesFromIpc(table.intoIPCStream());
  assert.equal(ipc.batches[0]!.getChild('x')!.toArray(), Int32Array.from([1, 2, 3, 4]));
  const nested = new arrow.Table({ l: arrow.vectorFromArray([[1], [2, 3], null, []], new arrow.List(new arrow.Field('item', new arrow.Int32(), true))) });
  assert.is(batchesFromWasm(w.readParquet(parquetBytes(nested, 2), { batchSize: 4 })), null);
});

test.run();
