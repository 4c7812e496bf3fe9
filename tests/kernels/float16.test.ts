// Float16 columns come in as Float32 at every way in (kernels/ingest-types.ts). apache-arrow keeps half
// floats as raw 16-bit patterns, and kernels used to compute on the patterns: for [1.5, 2.5, -1, 0.25,
// 1024, -0.5, 3] filter x > 1 counted 7, x * 2 summed 367104, quantile(0.5) gave 16896. Here every entry
// point gets the same data once as float16 and once as float32, and every operation must agree exactly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { type DataFrame, compute, fromArrow, fromRecordBatches, readArrowIpc, readParquet, toArrowIpc, toRecords } from '../../src/index.ts';
import { halfToNumber } from '../../src/kernels/ingest-types.ts';
import { resultBatch } from '../../src/kernels/map-partitions.ts';
import { parquetStats, resetParquetStats } from '../../src/io/parquet/ops.ts';
import { parquetWasm } from '../../src/io/parquet/wasm.ts';
import { closeExecutors } from '../../src/scheduler/get-executor.ts';
import { tmpDir } from '../fixtures/parquet/helpers.ts';

const sync = { scheduler: 'sync' } as const;

/** Independent reference: the IEEE 754 binary16 definition written with Math.pow. */
function halfReference(bits: number): number {
  const s = bits >> 15 ? -1 : 1;
  const e = (bits >> 10) & 31;
  const m = bits & 1023;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  if (e === 0) return s * Math.pow(2, -14) * (m / 1024);
  return s * Math.pow(2, e - 15) * (1 + m / 1024);
}

test('halfToNumber decodes all 65536 patterns exactly (subnormals, ±Inf, NaN, -0), each exactly a float32', () => {
  let nans = 0;
  for (let bits = 0; bits < 65536; bits++) {
    const got = halfToNumber(bits);
    const want = halfReference(bits);
    if (!Object.is(got, want)) assert.unreachable(`pattern 0x${bits.toString(16)}: got ${got}, want ${want}`);
    if (!Object.is(Math.fround(got), got)) assert.unreachable(`pattern 0x${bits.toString(16)}: ${got} is not a float32`);
    if (Number.isNaN(got)) nans++;
    // apache-arrow's encoder maps the value back to the same pattern (NaN aside: one canonical NaN).
    else if (arrow.util.float64ToUint16(got) !== bits) assert.unreachable(`pattern 0x${bits.toString(16)} does not round-trip`);
  }
  assert.is(nans, 2 * 1023);
  assert.is(halfToNumber(0x0001), 2 ** -24); // smallest subnormal
  assert.is(halfToNumber(0x03ff), 1023 * 2 ** -24); // largest subnormal
  assert.is(halfToNumber(0x7bff), 65504);
  assert.ok(Object.is(halfToNumber(0x8000), -0));
});

// The probe's case (two partitions), and one with every edge: nulls, NaN, ±Inf, -0, subnormals, ±65504.
const PROBE = { x: [1.5, 2.5, -1, 0.25, 1024, -0.5, 3], g: ['a', 'b', 'a', 'b', 'a', 'b', 'a'] };
const EDGES = {
  x: [null, 1.5, NaN, -0, 0, Infinity, -Infinity, 2 ** -24, -(2 ** -24), 1023 * 2 ** -24, 2 ** -14, 65504, -65504, null, 0.333251953125, -7, 1, 2],
  g: ['a', 'b', 'a', 'b', null, 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'c'],
};
type Case = { x: (number | null)[]; g: (string | null)[] };

function table(c: Case, type: arrow.Float, rows: [number, number] = [0, c.x.length]): arrow.Table {
  return new arrow.Table({
    x: arrow.vectorFromArray(c.x.slice(...rows), type),
    g: arrow.vectorFromArray(c.g.slice(...rows), new arrow.Utf8()),
  });
}

/** Batches of the given row counts (0 and 1 included), sharing one schema. */
function batchesOf(c: Case, type: arrow.Float, sizes: number[]): arrow.RecordBatch[] {
  let at = 0;
  // An empty batch as a zero-row slice: apache-arrow's own empty columns lack buffers, which some
  // kernels do not take yet (not a float16 matter).
  const list = sizes.map((n) => (n === 0 ? table(c, type).batches[0]!.slice(at, at) : table(c, type, [at, (at += n)]).batches[0]!));
  return list.map((b) => new arrow.RecordBatch(list[0]!.schema, b.data));
}

/** Numbers as text keeping -0 and NaN apart from 0 and null. */
function show(x: unknown): string {
  return JSON.stringify(x, (_, v) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : v));
}

/** Every operation that went wrong on float16, as text to compare between the float16 and float32 frames. */
async function battery(df: DataFrame, noNaN: boolean): Promise<Record<string, string>> {
  const x = df.col('x');
  const out: Record<string, string> = {};
  out.dtypes = show(df.dtypes);
  out.records = show(toRecords(await df.compute(sync)));
  out.reductions = show((await compute(x.sum(), x.min(), x.max(), x.mean(), x.var(), x.count(), sync)).map(Number));
  out.filterGt1 = show(toRecords(await df.filter(x.gt(1)).compute(sync)));
  out.filterLe0 = show(toRecords(await df.filter(x.le(0)).compute(sync)));
  out.filterEq = show(Number((await compute(df.filter(x.eq(-65504)).col('x').count(), sync))[0]));
  out.arithmetic = show(toRecords(await df.assign({ y: x.mul(2), z: x.add(x), w: x.sub(1.5), q: x.div(4) }).compute(sync)));
  out.mul2sum = show(Number((await compute(x.mul(2).sum(), sync))[0]));
  out.groupby = show(toRecords(await df.groupby('g').agg({ x: ['sum', 'max', 'min', 'mean'] }).compute(sync)));
  out.sort = show(toRecords(await df.sortValues('x').compute(sync)));
  out.sortDesc = show(toRecords(await df.sortValues('x', { ascending: false }).compute(sync)));
  out.astype = show(toRecords(await df.assign({ x: x.astype('float64') }).compute(sync)));
  out.astypeSum = show(Number((await compute(x.astype('float64').sum(), sync))[0]));
  out.nunique = show(Number((await compute(x.nunique(), sync))[0]));
  if (noNaN) {
    // A NaN in the column makes quantiles NaN (docs/SUMMARIES.md): compared on the NaN-free case.
    out.quantile = show((await compute(x.quantile(0.5), x.quantile(0.25), x.quantile(0.9), sync)).map(Number));
    out.describe = show(toRecords(await df.describe().compute(sync)));
  }
  return out;
}

async function same(df16: DataFrame, df32: DataFrame, noNaN: boolean, where: string): Promise<void> {
  assert.is(String(df16.schema.fields.find((f) => f.name === 'x')!.type), 'Float32', `${where}: the schema says float32`);
  const [a, b] = [await battery(df16, noNaN), await battery(df32, noNaN)];
  for (const k of Object.keys(b)) assert.is(a[k], b[k], `${where}: ${k}`);
}

const F16 = new arrow.Float16();
const F32 = new arrow.Float32();

test('the probe: float16 gives the float32 answers (filter count 4, x*2 sum 2059.5, quantile 1.5)', async () => {
  const df = fromArrow(table(PROBE, F16), { npartitions: 2 });
  assert.is(Number((await compute(df.filter(df.col('x').gt(1)).col('x').count(), sync))[0]), 4);
  assert.is(Number((await compute(df.col('x').mul(2).sum(), sync))[0]), 2059.5);
  assert.is(Number((await compute(df.col('x').quantile(0.5), sync))[0]), 1.5);
  assert.equal(toRecords(await df.sortValues('x').compute(sync)).map((r) => r.x), [-1, -0.5, 0.25, 1.5, 2.5, 3, 1024]);
  assert.equal(toRecords(await df.groupby('g').agg({ x: ['sum', 'max'] }).compute(sync)), [
    { g: 'a', x_sum: 1027.5, x_max: 1024 },
    { g: 'b', x_sum: 2.25, x_max: 2.5 },
  ].map((r) => Object.assign(Object.create(null), r)));
});

test('fromArrow: float16 equals float32, with empty and one-row partitions', async () => {
  await same(fromArrow(table(PROBE, F16), { npartitions: 2 }), fromArrow(table(PROBE, F32), { npartitions: 2 }), true, 'probe');
  for (const n of [1, 7, 25]) {
    await same(fromArrow(table(EDGES, F16), { npartitions: n }), fromArrow(table(EDGES, F32), { npartitions: n }), false, `edges, ${n} partitions`);
  }
  const noNaN = { x: EDGES.x.filter((v) => !Number.isNaN(v)), g: EDGES.g.filter((_, i) => !Number.isNaN(EDGES.x[i])) };
  await same(fromArrow(table(noNaN, F16), { npartitions: 4 }), fromArrow(table(noNaN, F32), { npartitions: 4 }), true, 'edges without NaN');
  // A table of several batches, one of them a slice at an odd offset (nulls counted from the offset).
  const sliced = (t: arrow.Float) => new arrow.Table([...batchesOf(EDGES, t, [3, 0, 15])].map((b, i) => (i === 2 ? b.slice(1, 14) : b)));
  await same(fromArrow(sliced(F16), { npartitions: 3 }), fromArrow(sliced(F32), { npartitions: 3 }), false, 'sliced batches');
});

test('fromRecordBatches: float16 equals float32 (empty, one-row and ragged batches)', async () => {
  const sizes = [0, 1, 5, 0, 11, 1];
  await same(fromRecordBatches(batchesOf(EDGES, F16, sizes)), fromRecordBatches(batchesOf(EDGES, F32, sizes)), false, 'edges');
  await same(fromRecordBatches(batchesOf(PROBE, F16, [1, 0, 6])), fromRecordBatches(batchesOf(PROBE, F32, [1, 0, 6])), true, 'probe');
  const schema16 = batchesOf(EDGES, F16, [1])[0]!.schema;
  const none = fromRecordBatches([], schema16);
  assert.is(none.dtypes.x, 'Float32');
  assert.equal(toRecords(await none.compute(sync)), []);
});

test('readArrowIpc (file and stream format): float16 reads as float32, same answers', async () => {
  const dir = tmpDir('f16-ipc');
  const write = (name: string, t: arrow.Float, format: 'file' | 'stream') => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, arrow.tableToIPC(new arrow.Table(batchesOf(EDGES, t, [0, 1, 6, 11])), format));
    return file;
  };
  for (const format of ['file', 'stream'] as const) {
    const df16 = readArrowIpc(write(`h-${format}.arrow`, F16, format));
    assert.is(df16.npartitions, 4);
    await same(df16, readArrowIpc(write(`s-${format}.arrow`, F32, format)), false, `ipc ${format}`);
    const only = readArrowIpc(path.join(dir, `h-${format}.arrow`), { columns: ['x'] });
    assert.is(only.dtypes.x, 'Float32');
    assert.is(show(toRecords(await only.compute(sync))), show(toRecords(await readArrowIpc(path.join(dir, `s-${format}.arrow`), { columns: ['x'] }).compute(sync))));
  }
  const probe = path.join(dir, 'probe.arrows');
  fs.writeFileSync(probe, arrow.tableToIPC(new arrow.Table(batchesOf(PROBE, F16, [3, 4])), 'stream'));
  const probe32 = path.join(dir, 'probe32.arrows');
  fs.writeFileSync(probe32, arrow.tableToIPC(new arrow.Table(batchesOf(PROBE, F32, [3, 4])), 'stream'));
  await same(readArrowIpc(probe), readArrowIpc(probe32), true, 'ipc probe');
});

function writeParquet(file: string, t: arrow.Table, rowGroupSize: number): void {
  const w = parquetWasm();
  const props = new w.WriterPropertiesBuilder().setMaxRowGroupSize(rowGroupSize).build();
  fs.writeFileSync(file, w.writeParquet(w.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')), props));
}

test('readParquet (FLOAT16 columns written by parquet-wasm): float32 schema and answers, FFI, IPC and fused paths', async () => {
  const dir = tmpDir('f16-pq');
  const withDict = (t: arrow.Table) =>
    new arrow.Table({ x: t.getChild('x')!, g: t.getChild('g')!, d: arrow.vectorFromArray(Array.from({ length: t.numRows }, (_, i) => ['p', 'q'][i % 2]!), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())) });
  for (const [name, c, noNaN] of [['edges', EDGES, false], ['probe', PROBE, true]] as const) {
    // flat columns take the one-copy FFI path; a dictionary column sends the partition through the IPC export
    for (const dict of [false, true]) {
      const f16 = path.join(dir, `${name}-${dict}-16.parquet`);
      const f32 = path.join(dir, `${name}-${dict}-32.parquet`);
      writeParquet(f16, dict ? withDict(table(c, F16)) : table(c, F16), 5);
      writeParquet(f32, dict ? withDict(table(c, F32)) : table(c, F32), 5);
      const where = `parquet ${name}${dict ? ' (dictionary column: IPC export)' : ''}`;
      await same(readParquet(f16), readParquet(f32), noNaN, where);
      await same(readParquet(f16, { filters: [['x', '>', 1]] }), readParquet(f32, { filters: [['x', '>', 1]] }), noNaN, `${where}, filtered`);
      // The fused read>reduce path (columns reduced in parquet-wasm memory) gives the same reductions.
      resetParquetStats();
      const df = readParquet(f16);
      const got = (await compute(df.col('x').sum(), df.col('x').min(), df.col('x').max(), df.col('x').mean(), { scheduler: 'threads' })).map(Number);
      const d32 = readParquet(f32);
      const want = (await compute(d32.col('x').sum(), d32.col('x').min(), d32.col('x').max(), d32.col('x').mean(), sync)).map(Number);
      assert.is(show(got), show(want), `${where}: fused reductions`);
    }
  }
  // One row group of one row.
  const one = path.join(dir, 'one.parquet');
  writeParquet(one, table(PROBE, F16, [4, 5]), 5);
  assert.equal(toRecords(await readParquet(one).compute(sync)).map((r) => r.x), [1024]);
  assert.is(readParquet(one).dtypes.x, 'Float32');
});

test('the fused read>reduce path runs in place on a float16 file (sync scheduler)', async () => {
  const dir = tmpDir('f16-fused');
  const f16 = path.join(dir, 'p.parquet');
  writeParquet(f16, table(EDGES, F16), 4);
  resetParquetStats();
  const df = readParquet(f16);
  const got = (await compute(df.col('x').sum(), df.col('x').min(), df.col('x').max(), df.col('x').count(), sync)).map(Number);
  assert.ok(parquetStats.reducedInPlace > 0, 'the fused path ran');
  const d32 = fromArrow(table(EDGES, F32), { npartitions: 3 });
  const want = (await compute(d32.col('x').sum(), d32.col('x').min(), d32.col('x').max(), d32.col('x').count(), sync)).map(Number);
  assert.is(show(got), show(want));
});

test('mapPartitions: a float16 column returned by the function comes in as float32', () => {
  const b = resultBatch(table(EDGES, F16), null, 0);
  assert.is(String(b.schema.fields[0]!.type), 'Float32');
  assert.is(show([...b.getChild('x')!]), show([...table(EDGES, F32).getChild('x')!]));
  const meta = new arrow.Schema([new arrow.Field('x', F32, true), new arrow.Field('g', new arrow.Utf8(), true)]);
  const c = resultBatch(table(EDGES, F16), meta, 0);
  assert.is(show([...c.getChild('x')!]), show([...table(EDGES, F32).getChild('x')!]));
});

// Float16 nested inside List, FixedSizeList, Struct, Map and dictionary values: widened at any depth,
// so the schema says Float32 everywhere and a kernel reading a child's `.values` sees the numbers.
const HALVES = [1.5, -0, null, 65504, 2 ** -24, -Infinity, NaN, 0.333251953125, -7, 1023 * 2 ** -24];

function nestedTable(t: arrow.Float): arrow.Table {
  const f = (name: string) => new arrow.Field(name, t, true);
  const rows = [0, 1, 2, 3];
  const chunk = (r: number) => HALVES.slice((r * 3) % HALVES.length, ((r * 3) % HALVES.length) + 3);
  return new arrow.Table({
    id: arrow.vectorFromArray(rows, new arrow.Int32()),
    l: arrow.vectorFromArray(rows.map((r) => (r === 2 ? null : r === 3 ? [] : chunk(r))), new arrow.List(f('item'))),
    fl: arrow.vectorFromArray(rows.map((r) => (r === 1 ? null : [HALVES[r]!, HALVES[r + 4]!])), new arrow.FixedSizeList(2, f('item'))),
    s: arrow.vectorFromArray(rows.map((r) => (r === 3 ? null : { a: HALVES[r + 2]!, b: r, ll: chunk(r + 1) })), new arrow.Struct([f('a'), new arrow.Field('b', new arrow.Int32(), true), new arrow.Field('ll', new arrow.List(f('item')), true)])),
    m: arrow.vectorFromArray(rows.map((r) => (r === 0 ? null : new Map([[`k${r}`, HALVES[r + 5]!], ['z', HALVES[r]!]]))), new arrow.Map_(new arrow.Field('entries', new arrow.Struct<any>([new arrow.Field('key', new arrow.Utf8(), false), f('value')]), false))),
  });
}

/** Every Float32 (or Float16) Data below a column, with its path: the raw values a kernel would read. */
function floatLeaves(d: arrow.Data, where: string, out: [string, arrow.Data][] = []): [string, arrow.Data][] {
  if (d.typeId === arrow.Type.Float) out.push([where, d]);
  d.children.forEach((c, i) => floatLeaves(c as arrow.Data, `${where}.${(d.type.children[i] as arrow.Field).name}`, out));
  return out;
}

/** Checks a result: no Float16 anywhere, and every float leaf's raw values decode to the float32 frame's. */
function sameNested(got: arrow.Table, want: arrow.Table, where: string, raw = true): void {
  assert.not.match(String(got.schema), /Float16/, `${where}: schema ${String(got.schema)}`);
  assert.is(String(got.schema), String(want.schema), `${where}: schema`);
  assert.is(show(toRecords(got)), show(toRecords(want)), `${where}: records`);
  for (const name of want.schema.fields.map((f) => f.name)) {
    const g = got.getChild(name)!.data.flatMap((d) => floatLeaves(d, name));
    const w = want.getChild(name)!.data.flatMap((d) => floatLeaves(d, name));
    g.forEach(([p, d]) => assert.instance(d.values, Float32Array, `${where}: ${p} holds float32 values`));
    // Raw values compare leaf by leaf when both sides are one unsliced chunk.
    if (!raw) continue;
    assert.is(g.length, w.length, `${where}: float leaves of ${name}`);
    g.forEach(([p, d], i) => {
      const wd = w[i]![1];
      const valid = (x: arrow.Data, j: number) => x.getValid(j);
      const raw = (x: arrow.Data) => show(Array.from({ length: x.length }, (_, j) => (valid(x, j) ? (x.values as Float32Array)[j] : null)));
      assert.is(raw(d), raw(wd), `${where}: raw values of ${p}`);
    });
  }
}

test('nested float16 (List, FixedSizeList, Struct, Map) comes in as float32 at every depth: fromRecordBatches, IPC, mapPartitions', async () => {
  const t16 = nestedTable(F16);
  const t32 = nestedTable(F32);
  const want = await fromRecordBatches(t32.batches).compute(sync);
  const df = fromRecordBatches(t16.batches);
  assert.not.match(String(df.schema), /Float16/);
  assert.is(String(df.schema), String(t32.schema));
  sameNested(await df.compute(sync), want, 'fromRecordBatches');
  sameNested(await df.compute({ scheduler: 'threads' }), want, 'fromRecordBatches, threads');
  // Sliced batches (offsets into the children) and a one-row batch.
  const sliced = [t16.batches[0]!.slice(0, 1), t16.batches[0]!.slice(1, 4)];
  sameNested(await fromRecordBatches(sliced).compute(sync), want, 'sliced batches', false);

  const dir = tmpDir('f16-nested');
  for (const format of ['file', 'stream'] as const) {
    const file = path.join(dir, `n-${format}.arrow`);
    fs.writeFileSync(file, arrow.tableToIPC(t16, format));
    const ipc = readArrowIpc(file);
    assert.is(String(ipc.schema), String(t32.schema), `ipc ${format}: schema`);
    sameNested(await ipc.compute(sync), want, `ipc ${format}`);
    sameNested(await ipc.compute({ scheduler: 'processes' }), want, `ipc ${format}, processes`);
  }
  // Parquet (FLOAT16 leaves written by parquet-wasm), two row groups: through the IPC export.
  const pq = path.join(dir, 'n.parquet');
  writeParquet(pq, t16, 3);
  const pqWant = await readParquet((writeParquet(path.join(dir, 'n32.parquet'), t32, 3), path.join(dir, 'n32.parquet'))).compute(sync);
  assert.is(String(readParquet(pq).schema), String(pqWant.schema), 'parquet: schema');
  sameNested(await readParquet(pq).compute(sync), pqWant, 'parquet', false);
  assert.is(show(toRecords(pqWant)), show(toRecords(want)), 'parquet float32 file reads as the frame');
  // Written back by tessera and read again: float32 all the way.
  const out = path.join(dir, 'written');
  await toArrowIpc(df, out, sync);
  sameNested(await readArrowIpc(out).compute(sync), want, 'toArrowIpc round trip');

  const b = resultBatch(t16, null, 0);
  sameNested(new arrow.Table([b]), want, 'mapPartitions result');
});

test('a dictionary of float16 values comes in as a dictionary of float32 values', async () => {
  const vals = [1.5, -0, 65504, 2 ** -24];
  const mk = (t: arrow.Float) => {
    const dict = arrow.makeData({ type: t, length: 4, nullCount: 0, data: t.precision === arrow.Precision.HALF ? Uint16Array.from(vals, arrow.util.float64ToUint16) : Float32Array.from(vals) });
    const type = new arrow.Dictionary(t, new arrow.Int8());
    const codes = arrow.makeData({ type, length: 5, nullCount: 0, data: Int8Array.from([3, 0, 0, 1, 2]), dictionary: arrow.makeVector(dict) });
    return new arrow.Table({ d: arrow.makeVector(codes) });
  };
  const got = await fromRecordBatches(mk(F16).batches).compute(sync);
  assert.is(String(got.schema.fields[0]!.type), 'Dictionary<Int32, Float32>');
  const col = got.getChild('d')!;
  assert.instance(col.data[0]!.dictionary!.data[0]!.values, Float32Array);
  assert.is(show([...col]), show([2 ** -24, 1.5, 1.5, -0, 65504]));
});

test.after(async () => {
  await closeExecutors();
});

test.run();
