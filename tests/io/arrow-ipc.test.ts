import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { ArrowIpcFileError, compute, fromRecordBatches, readArrowIpc, toArrowIpc } from '../../src/index.ts';
import { closeExecutors } from '../../src/scheduler/get-executor.ts';
import { airline, tmpDir, types, values } from '../fixtures/parquet/helpers.ts';

const mk = (type: arrow.DataType, vals: unknown[]) => arrow.vectorFromArray(vals as never[], type);

function batches(): { schema: arrow.Schema; list: arrow.RecordBatch[] } {
  const list = [0, 1, 2, 3].map((b) => {
    const n = b === 2 ? 0 : 5 + b; // one empty batch
    const base = b * 100;
    return new arrow.Table({
      i: mk(new arrow.Int32(), Array.from({ length: n }, (_, k) => (k === 1 ? null : base + k))),
      big: mk(new arrow.Int64(), Array.from({ length: n }, (_, k) => BigInt(base + k) * 2n ** 40n)),
      f: mk(new arrow.Float64(), Array.from({ length: n }, (_, k) => (k === 2 ? NaN : k / 3))),
      s: mk(new arrow.Utf8(), Array.from({ length: n }, (_, k) => (k === 0 ? null : `s${base + k}é`))),
      d: mk(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), Array.from({ length: n }, (_, k) => ['SFO', 'OAK', null][k % 3])),
      t: mk(new arrow.TimestampMicrosecond(), Array.from({ length: n }, (_, k) => 1.7e12 + k)),
      day: mk(new arrow.DateDay(), Array.from({ length: n }, (_, k) => new Date((19000 + k) * 86_400_000))),
      b: mk(new arrow.Bool(), Array.from({ length: n }, (_, k) => (k === 3 ? null : k % 2 === 0))),
    }).batches[0]!;
  });
  // One schema object for all (each table above made its own dictionary ids).
  const schema = list[0]!.schema;
  return { schema, list: list.map((b) => new arrow.RecordBatch(schema, b.data)) };
}

test('file and stream formats written by arrow-js: one partition per record batch, every type and null back exactly', async () => {
  for (const format of ['file', 'stream'] as const) {
    // The file format allows no replacement dictionaries: there the dictionary column is left out.
    const all = batches();
    const schema = format === 'file' ? new arrow.Schema(all.schema.fields.filter((f) => f.name !== 'd')) : all.schema;
    const list = all.list.map((b) => (format === 'file' ? new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: b.numRows, nullCount: 0, children: b.data.children.filter((_, i) => all.schema.fields[i]!.name !== 'd') })) : b));
    const column = (name: string) => list.flatMap((b) => values(b.getChild(name)));
    const dir = tmpDir(`ipc-${format}`);
    const file = path.join(dir, format === 'file' ? 'x.arrow' : 'x.arrows');
    // Four batches with different dictionaries (a replacement per batch in the stream format).
    const writer = format === 'file' ? arrow.RecordBatchFileWriter.writeAll(list) : arrow.RecordBatchStreamWriter.writeAll(list);
    fs.writeFileSync(file, writer.toUint8Array(true));
    const df = readArrowIpc(file);
    assert.is(df.npartitions, list.length, format);
    assert.equal(types(df), types({ schema }));
    const t = await df.compute();
    for (const f of schema.fields) assert.equal(values(t.getChild(f.name)), column(f.name), `${format} ${f.name}`);
    assert.match(df.explain(), new RegExp(`read-arrow-ipc 1 ${format} file, 4 record batch partitions`));
  }
});

test('toArrowIpc then readArrowIpc (both formats) round-trips a computed frame; reductions agree under threads', async () => {
  const src = airline(5000, 9);
  const expected = await src.compute();
  for (const format of ['file', 'stream'] as const) {
    const dir = tmpDir(`ipc-rt-${format}`);
    const written = await toArrowIpc(src, dir, { format });
    assert.equal(written.map((p) => path.basename(p)), [0, 1, 2].map((i) => `part-${i}.${format === 'file' ? 'arrow' : 'arrows'}`));
    const back = readArrowIpc(dir);
    const t = await back.compute();
    for (const f of expected.schema.fields) assert.equal(values(t.getChild(f.name)), values(expected.getChild(f.name)), f.name);
    const [a, b] = await compute(back.col('DepDelay').sum(), back.col('Year').max(), { scheduler: 'threads' });
    const [ea, eb] = await compute(src.col('DepDelay').sum(), src.col('Year').max());
    assert.ok(Math.abs((a as number) - (ea as number)) < 1e-9 * Math.abs(ea as number));
    assert.is(b, eb);
  }
  await closeExecutors();
});

test('reads are lazy and by range: selecting a batch range reads only those bytes; columns project', async () => {
  const dir = tmpDir('ipc-lazy');
  await toArrowIpc(airline(3000, 1), dir);
  const df = readArrowIpc(`${dir}/*.arrow`, { columns: ['Origin', 'Year'] });
  assert.equal(df.columns, ['Origin', 'Year']);
  const t = await df.compute();
  assert.equal(t.schema.fields.map((f) => f.name), ['Origin', 'Year']);
  assert.is(t.numRows, 3000);
  const head = await readArrowIpc(dir).head(5);
  assert.is(head.numRows, 5);
});

test('an empty frame writes one schema-only file that reads back empty', async () => {
  const schema = new arrow.Schema([new arrow.Field('a', new arrow.Int32(), true)]);
  const dir = tmpDir('ipc-empty');
  await toArrowIpc(fromRecordBatches([], schema), dir);
  const df = readArrowIpc(dir);
  const t = await df.compute();
  assert.is(t.numRows, 0);
  assert.equal(types(t), { a: 'Int32' });
});

test('errors: not Arrow, truncated, missing column, mismatched files; each names the file', async () => {
  const dir = tmpDir('ipc-bad');
  await toArrowIpc(airline(500, 1), dir);
  const good = path.join(dir, 'part-0.arrow');
  const bytes = fs.readFileSync(good);
  const bad = tmpDir('ipc-bad2');
  const put = (name: string, b: Uint8Array) => {
    const p = path.join(bad, name);
    fs.writeFileSync(p, b);
    return p;
  };
  const throws = (fn: () => unknown, re: RegExp) => {
    try {
      fn();
    } catch (e) {
      assert.instance(e, ArrowIpcFileError);
      assert.match((e as Error).message, re);
      return;
    }
    assert.unreachable(`expected ${re}`);
  };
  throws(() => readArrowIpc(put('csv.arrow', Buffer.from('a,b\n1,2\n'))), /csv\.arrow' is not an Arrow IPC file or stream/);
  throws(() => readArrowIpc(put('cut.arrow', bytes.subarray(0, bytes.length - 20))), /cut\.arrow' is truncated/);
  const stream = fs.readFileSync((await toArrowIpc(airline(500, 1), tmpDir('s'), { format: 'stream' }))[0]!);
  throws(() => readArrowIpc(put('cut.arrows', stream.subarray(0, stream.length - 100))), /cut\.arrows' is truncated: the message at byte \d+ runs past the end/);
  throws(() => readArrowIpc(good, { columns: ['Nope'] }), /column 'Nope' is not in '.*part-0\.arrow'/);
  const other = (await toArrowIpc(airline(100, 1).select(['Year']), tmpDir('o')))[0]!;
  throws(() => readArrowIpc([good, other]), /'.*part-0\.arrow' does not match '.*part-0\.arrow' at column 'Year'|does not match/);
  // Changed after readArrowIpc: the read task refuses.
  const df = readArrowIpc(good);
  fs.appendFileSync(good, 'zz');
  try {
    await df.compute();
    assert.unreachable('read a changed file');
  } catch (e) {
    assert.match((e as Error).message, /part-0\.arrow' changed on disk since readArrowIpc\(\) was called/);
  }
});

test.run();
