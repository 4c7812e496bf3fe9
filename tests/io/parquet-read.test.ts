import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { compute, fromRecordBatches, readParquet, toParquet } from '../../src/index.ts';
import { closeExecutors } from '../../src/scheduler/get-executor.ts';
import { readFooter } from '../../src/io/parquet/footer.ts';
import { ParquetSource } from '../../src/io/parquet/source.ts';
import { writeParquetPartition } from '../../src/io/parquet/ops.ts';
import { airline, rows, sql, tmpDir, types, values } from '../fixtures/parquet/helpers.ts';

const mk = (type: arrow.DataType, vals: unknown[]) => arrow.vectorFromArray(vals as never[], type);
const ints = [1, -2, null, 4, 5, null, 7];
const abs = (x: number | null) => (x === null ? null : Math.abs(x));
const days = [0, 365, null, -1, 11574, 0, 20000].map((d) => (d === null ? null : new Date(d * 86_400_000)));

/** One column per type, nulls in each. */
function everyType(): arrow.Table {
  return new arrow.Table({
    i8: mk(new arrow.Int8(), ints),
    i16: mk(new arrow.Int16(), ints),
    i32: mk(new arrow.Int32(), ints),
    i64: mk(new arrow.Int64(), ints.map((x) => (x === null ? null : BigInt(x) * 10_000_000_000n))),
    u8: mk(new arrow.Uint8(), ints.map(abs)),
    u16: mk(new arrow.Uint16(), ints.map(abs)),
    u32: mk(new arrow.Uint32(), ints.map((x) => (x === null ? null : 4_000_000_000 - Math.abs(x)))),
    u64: mk(new arrow.Uint64(), ints.map((x) => (x === null ? null : 2n ** 63n + BigInt(Math.abs(x))))),
    f32: mk(new arrow.Float32(), [1.5, NaN, null, -0, Infinity, 2, 3]),
    f64: mk(new arrow.Float64(), [0.1, NaN, null, -Infinity, 1e300, 2, 3]),
    bool: mk(new arrow.Bool(), [true, false, null, true, true, false, null]),
    utf8: mk(new arrow.Utf8(), ['a', '', null, 'Zürich', '東京', '🚀', 'x']),
    large: mk(new arrow.LargeUtf8(), ['a', '', null, 'Zürich', '東京', '🚀', 'x']),
    dict: mk(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), ['SFO', 'OAK', null, 'SFO', 'LAX', 'OAK', 'SFO']),
    date32: mk(new arrow.DateDay(), days),
    date64: mk(new arrow.DateMillisecond(), days),
    ts_s: mk(new arrow.TimestampSecond(), [0, 1000, null, 3000, -4000, 5000, 6000]),
    ts_ms: mk(new arrow.TimestampMillisecond(), [0, 1, null, 3, -4, 5, 1.7e12]),
    ts_us: mk(new arrow.TimestampMicrosecond(), [0, 1, null, 3, -4, 5, 1.7e12]),
    ts_ns: mk(new arrow.TimestampNanosecond(), [0, 1, null, 3, -4, 5, 1.7e12]),
    ts_tz: mk(new arrow.TimestampMillisecond('UTC'), [0, 1, null, 3, 4, 5, 6]),
    bin: mk(new arrow.Binary(), [new Uint8Array([1, 2]), new Uint8Array(0), null, new Uint8Array([255]), new Uint8Array([0]), new Uint8Array([3]), new Uint8Array([4])]),
    nothing: mk(new arrow.Null(), [null, null, null, null, null, null, null]),
  });
}

test('every type round-trips exactly (types, values, nulls, NaN, -0, unicode) under every compression', async () => {
  const t = everyType();
  for (const compression of ['snappy', 'zstd', 'gzip', 'brotli', 'lz4', 'none'] as const) {
    const dir = tmpDir('types');
    await toParquet(fromRecordBatches(t.batches), dir, { compression });
    const back = await readParquet(dir).compute();
    // Large (64-bit offset) strings come back as Utf8 with the same values: every kernel uses Int32 offsets.
    assert.equal(types(back), { ...types(t), large: 'Utf8' }, compression);
    for (const f of t.schema.fields) assert.equal(values(back.getChild(f.name)), values(t.getChild(f.name)), `${compression} ${f.name}`);
    assert.ok(Object.is(back.getChild('f32')!.get(3), -0), '-0 kept');
  }
});

test('decimals and DuckDB-written types read as DuckDB reads them; a rewrite keeps them exactly', async () => {
  const dir = tmpDir('duck');
  const file = path.join(dir, 'd.parquet');
  await sql(`COPY (SELECT i::INTEGER a, (i * 1000000000000)::BIGINT b, i::TINYINT t, (i / 3)::DOUBLE d, i % 2 = 0 bo, 'str' || i s,
      DATE '2020-01-01' + i::INTEGER dt, TIMESTAMP '2020-01-01' + i * INTERVAL 1 HOUR ts, (i / 7)::DECIMAL(10,2) dec_small,
      (i * 12345.678)::DECIMAL(30,4) dec_big, CASE WHEN i % 5 = 0 THEN NULL ELSE i END n FROM range(100) r(i)) TO '${file}' (FORMAT parquet)`);
  const t = await readParquet(file).compute();
  assert.equal(types(t), {
    a: 'Int32', b: 'Int64', t: 'Int8', d: 'Float64', bo: 'Bool', s: 'Utf8', dt: 'Date32<DAY>', ts: 'Timestamp<MICROSECOND>',
    dec_small: 'Decimal[10e+2]', dec_big: 'Decimal[30e+4]', n: 'Int64',
  });
  const oracle = await sql(`SELECT a, b::VARCHAR b, s, n::VARCHAR n, epoch_ms(ts) ts, dec_small::VARCHAR ds, dec_big::VARCHAR db FROM '${file}'`);
  assert.equal(values(t.getChild('a')), oracle.map((r) => r.a));
  assert.equal(values(t.getChild('b')), oracle.map((r) => `${r.b}n`));
  assert.equal(values(t.getChild('s')), oracle.map((r) => r.s));
  assert.equal(values(t.getChild('n')), oracle.map((r) => (r.n === null ? null : `${r.n}n`)));
  assert.equal(values(t.getChild('ts')), oracle.map((r) => Number(r.ts)));
  // Decimals: the unscaled 128-bit integer, as DuckDB prints it.
  const unscaled = (v: arrow.Vector, scale: number) =>
    [...v].map((x) => {
      if (x === null) return null;
      const w = x as Uint32Array;
      let big = 0n;
      for (let k = 3; k >= 0; k--) big = (big << 32n) | BigInt(w[k]!);
      if (big >= 2n ** 127n) big -= 2n ** 128n;
      const s = big.toString().padStart(scale + 1, '0');
      return `${s.slice(0, -scale)}.${s.slice(-scale)}`;
    });
  assert.equal(unscaled(t.getChild('dec_small')!, 2), oracle.map((r) => r.ds));
  assert.equal(unscaled(t.getChild('dec_big')!, 4), oracle.map((r) => r.db));
  // Written back by tessera and read again: identical types and bytes.
  const again = tmpDir('duck-again');
  await toParquet(readParquet(file), again);
  const t2 = await readParquet(again).compute();
  assert.equal(types(t2), types(t));
  for (const f of t.schema.fields) assert.equal(values(t2.getChild(f.name)), values(t.getChild(f.name)), f.name);
});

test('one partition per row group; rowGroupsPerPartition groups them; columns reads only those, in that order', async () => {
  const dir = tmpDir('rg');
  await toParquet(airline(10_000), dir, { rowGroupSize: 1000 });
  assert.equal(fs.readdirSync(dir).sort(), ['_tessera.json', 'part-0.parquet', 'part-1.parquet', 'part-2.parquet']);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
  const groups = files.reduce((s, f) => s + readFooter(path.join(dir, f)).rowGroups.length, 0);
  assert.is(groups, 12); // 3334 / 3333 / 3333 rows -> 4 row groups each
  assert.is(readParquet(dir, { rowGroupsPerPartition: 1 }).npartitions, 12);
  assert.is(readParquet(dir, { rowGroupsPerPartition: 3 }).npartitions, 6); // runs never cross files: 3+1 per file
  assert.is(readParquet(dir).npartitions, 3); // 'auto': small row groups of a file read together
  const sel = readParquet(dir, { columns: ['Origin', 'Year'], rowGroupsPerPartition: 1 });
  assert.equal(sel.columns, ['Origin', 'Year']);
  const t = await sel.compute();
  assert.equal(t.schema.fields.map((f) => f.name), ['Origin', 'Year']);
  const whole = await airline(10_000).compute();
  assert.equal(values(t.getChild('Origin')), values(whole.getChild('Origin')));
  assert.equal(values(t.getChild('Year')), values(whole.getChild('Year')));
  assert.ok(sel.explain().includes('read-parquet 3 files, 12 row groups, 12 partitions'), sel.explain());
});

test('reductions over Parquet equal DuckDB over the same files (sync and threads)', async () => {
  const dir = tmpDir('agg');
  await toParquet(airline(20_000, 7), dir, { rowGroupSize: 2500 });
  const df = readParquet(dir, { rowGroupsPerPartition: 1 });
  const [oracle] = await sql(`SELECT sum(DepDelay) s, count(DepDelay) c, min(DepDelay) mn, max(DepDelay) mx, count(*) n FROM '${dir}/*.parquet'`);
  for (const scheduler of ['sync', 'threads'] as const) {
    const [s, c, mn, mx, n] = await compute(df.col('DepDelay').sum(), df.col('DepDelay').count(), df.col('DepDelay').min(), df.col('DepDelay').max(), df.col('Year').count(), { scheduler });
    assert.ok(Math.abs((s as number) - (oracle!.s as number)) < 1e-6 * Math.abs(oracle!.s as number), `${scheduler} sum`);
    assert.is(c, Number(oracle!.c));
    assert.is(mn, oracle!.mn);
    assert.is(mx, oracle!.mx);
    assert.is(n, Number(oracle!.n));
  }
  await closeExecutors();
});

test('a glob over many files, files with no rows among them, and lists of paths keep order', async () => {
  const dir = tmpDir('glob');
  const schema = new arrow.Schema([new arrow.Field('k', new arrow.Int32(), true), new arrow.Field('v', new arrow.Utf8(), true)]);
  const batch = (from: number, n: number) =>
    new arrow.Table({ k: mk(new arrow.Int32(), Array.from({ length: n }, (_, i) => from + i)), v: mk(new arrow.Utf8(), Array.from({ length: n }, (_, i) => `v${from + i}`)) }).batches[0]!;
  for (let f = 0; f < 12; f++) {
    const sub = path.join(dir, `f${String(f).padStart(2, '0')}`);
    const b = f % 4 === 3 ? new arrow.Table(schema).batches : [batch(f * 10, 10)];
    await toParquet(fromRecordBatches(b, schema), sub);
  }
  const empty = readFooter(path.join(dir, 'f03', 'part-0.parquet'));
  assert.is(empty.rowGroups.length, 0);
  const df = readParquet(`${dir}/*/*.parquet`);
  assert.is(df.npartitions, 9);
  const t = await df.compute();
  const expected = [0, 1, 2, 4, 5, 6, 8, 9, 10].flatMap((f) => Array.from({ length: 10 }, (_, i) => f * 10 + i));
  assert.equal(values(t.getChild('k')), expected);
  const two = await readParquet([path.join(dir, 'f05', 'part-0.parquet'), path.join(dir, 'f00', 'part-0.parquet')]).compute();
  assert.equal(values(two.getChild('k')).slice(0, 2), [50, 51]);
  // Only empty files: zero partitions, an empty table with the schema.
  const none = await readParquet(path.join(dir, 'f03')).compute();
  assert.is(none.numRows, 0);
  assert.equal(types(none), { k: 'Int32', v: 'Utf8' });
});

test('row groups with zero rows are never read and make no partition', () => {
  const footer = readFooter(path.join(writeSmall(), 'part-0.parquet'));
  const zero = { numRows: 0, totalByteSize: 0, stats: new Map() };
  const fake = { ...footer, rowGroups: [zero, footer.rowGroups[0]!, zero, zero, footer.rowGroups[0]!] };
  const source = new ParquetSource({
    files: [{ footer: fake, hive: [] }], schema: footer.schema, hiveFields: [], filters: [], pushed: [], rowGroupsPerPartition: 1, targetBytes: 1 << 27,
  });
  assert.is(source.npartitions, 2);
  const plans = [0, 1].map((i) => (source.partitionTask(i, null).args[0] as { rowGroups: number[] }).rowGroups);
  assert.equal(plans, [[1], [4]]);
});

function writeSmall(): string {
  const dir = tmpDir('small');
  writePart(new arrow.Table({ a: mk(new arrow.Int32(), [1, 2, 3]) }), dir);
  return dir;
}

function writePart(t: arrow.Table, dir: string): void {
  writeParquetPartition(t.batches[0]!, { dir, name: 'part-0.parquet', compression: 'snappy', rowGroupSize: 1000, partitionOn: [] });
}

test('hive partitions: written by partitionOn, read back as columns with their exact types', async () => {
  const dir = tmpDir('hive');
  const src = airline(6000, 3);
  const written = await toParquet(src, dir, { partitionOn: ['Year', 'UniqueCarrier'] });
  assert.ok(written.every((p) => /Year=\d+[/\\]UniqueCarrier=[A-Z]{2}[/\\]part-\d\.parquet$/.test(p)), written[0]);
  const back = readParquet(dir);
  assert.equal(back.columns, ['Month', 'DepDelay', 'Origin', 'Cancelled', 'Year', 'UniqueCarrier']);
  assert.equal(back.dtypes.Year, 'Int32');
  assert.equal(back.dtypes.UniqueCarrier, 'Utf8');
  // Same multiset of rows as the source.
  const key = (r: Record<string, unknown>) => JSON.stringify([r.Year, r.UniqueCarrier, r.Month, r.DepDelay, r.Origin, r.Cancelled]);
  const a = rows(await back.compute()).map(key).sort();
  const b = rows(await src.compute()).map(key).sort();
  assert.equal(a, b);
  // DuckDB reads the same folders the same way.
  const [o] = await sql(`SELECT count(*) n, sum(Year) y, count(DISTINCT UniqueCarrier) c FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true)`);
  const [n, y] = await compute(back.col('Month').count(), back.col('Year').sum());
  assert.is(n, Number(o!.n));
  assert.is(y, Number(o!.y));
});

test('hive folders written by DuckDB: key types inferred (ints, strings), null folder values, select of a hive column only', async () => {
  const dir = tmpDir('duckhive');
  await sql(`COPY (SELECT i::INTEGER a, i % 3 AS k, CASE WHEN i % 4 = 0 THEN NULL ELSE chr(65 + (i % 2)::INTEGER) END AS tag FROM range(40) r(i)) TO '${dir}' (FORMAT parquet, PARTITION_BY (k, tag))`);
  const df = readParquet(dir);
  assert.equal(df.dtypes, { a: 'Int32', k: 'Int32', tag: 'Dictionary<Int32, Utf8>' });
  const t = await df.compute();
  const got = rows(t).map((r) => JSON.stringify([r.a, r.k, r.tag])).sort();
  const want = (await sql(`SELECT a, k::INTEGER k, tag FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true)`))
    .map((r) => JSON.stringify([r.a, r.k, r.tag])).sort();
  assert.equal(got, want);
  const onlyK = await df.select(['k']).compute();
  assert.is(onlyK.numRows, 40);
  assert.is(values(onlyK.getChild('k')).reduce((s: number, x) => s + (x as number), 0), want.reduce((s, r) => s + JSON.parse(r)[1], 0));
});

test('output buffers live in SharedArrayBuffers (partitions cross to workers as handles)', async () => {
  const dir = tmpDir('sab');
  await toParquet(airline(3000), dir);
  const t = await readParquet(dir).compute();
  const shared = (d: arrow.Data): boolean =>
    [d.values, d.valueOffsets, d.nullBitmap].every((b) => !b || b.byteLength === 0 || b.buffer instanceof SharedArrayBuffer) &&
    d.children.every(shared) && (!d.dictionary || d.dictionary.data.every(shared));
  assert.ok(t.batches.every((b) => b.data.children.every(shared)));
});

test('readParquet is synchronous and reads only footers; a large file is not read whole', () => {
  const dir = tmpDir('lazy');
  writePart(new arrow.Table({ a: mk(new arrow.Int32(), [1, 2, 3]) }), dir);
  const before = process.memoryUsage().arrayBuffers;
  const df = readParquet(path.join(dir, 'part-0.parquet'));
  assert.ok(!(df instanceof Promise));
  assert.is(df.npartitions, 1);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20);
});

test.run();
