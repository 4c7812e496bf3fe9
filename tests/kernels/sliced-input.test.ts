// Partitions that are slices of larger batches (RecordBatch.slice handed to fromRecordBatches or returned
// by mapPartitions): apache-arrow slices a column's values and offsets with it and keeps the offset for the
// validity bits only. Every verb reads the slice's own rows: sort, filter, groupby, concat with a wider
// type (a cast), on numbers with nulls, strings, dictionaries and a struct. Expected rows by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Float64, Int32, Int64, Table, Utf8, Dictionary, vectorFromArray } from 'apache-arrow';
import { concat, fromRecordBatches, toRecords } from '../../src/index.ts';
import { Field, Struct } from 'apache-arrow';
import { castData } from '../../src/kernels/union-cast.ts';

const base = () => new Table({ x: vectorFromArray([1, null, 3, 4, null, 6, 7], new Int32()) });
const xs = async (df: ReturnType<typeof fromRecordBatches>) => toRecords(await df.compute({ scheduler: 'sync' })).map((r) => r.x);

test('int32 slices concatenated with float64 and int64 frames keep their own rows and nulls', async () => {
  const sliced = fromRecordBatches([base().batches[0]!.slice(2, 6)]); // rows 3, 4, null, 6
  const f = fromRecordBatches([new Table({ x: vectorFromArray([0.5], new Float64()) }).batches[0]!]);
  assert.equal(await xs(concat([sliced, f])), [3, 4, null, 6, 0.5]);
  const i = fromRecordBatches([new Table({ x: vectorFromArray([2n ** 40n], new Int64()) }).batches[0]!]);
  assert.equal(await xs(concat([sliced, i])), [3n, 4n, null, 6n, 2n ** 40n].map((v) => (v === null ? null : Number(v))));
});

test('castData reads a sliced column from its first row (int64, float64, dictionary to utf8)', () => {
  const d = base().batches[0]!.getChild('x')!.data[0]!.slice(1, 5); // null, 3, 4, null, 6
  const asVec = (c: ReturnType<typeof castData>) => Array.from({ length: c.length }, (_, i) => (c.getValid(i) ? (c.values as ArrayLike<unknown>)[i] : null));
  assert.equal(asVec(castData(d, new Float64(), 't')), [null, 3, 4, null, 6]);
  assert.equal(asVec(castData(d, new Int64(), 't')), [null, 3n, 4n, null, 6n]);
  const dict = vectorFromArray(['a', 'b', null, 'c', 'a'], new Dictionary(new Utf8(), new Int32())).data[0]!.slice(1, 4);
  const s = castData(dict, new Utf8(), 't');
  assert.equal(Array.from({ length: s.length }, (_, i) => (s.getValid(i) ? new TextDecoder().decode((s.values as Uint8Array).subarray(s.valueOffsets[i]!, s.valueOffsets[i + 1]!)) : null)), ['b', null, 'c', 'a']);
});

test('sort, filter and groupby over sliced partitions read the slices\' own rows', async () => {
  const t = new Table({
    x: vectorFromArray([9, 8, 3, null, 1, 2, 7, 5], new Int32()),
    s: vectorFromArray(['z', 'y', 'c', 'é', 'a', 'b', 'q', 'r'], new Utf8()),
    d: vectorFromArray(['z', 'y', 'c', 'c', 'a', 'b', 'q', 'r'], new Dictionary(new Utf8(), new Int32())),
    st: vectorFromArray([{ a: 9 }, { a: 8 }, { a: 3 }, null, { a: 1 }, { a: 2 }, { a: 7 }, { a: 5 }], new Struct([new Field('a', new Int32(), true)])),
  });
  const b = t.batches[0]!;
  // partitions: rows 2..4 (x 3, null, 1) and rows 5..6 (x 2, 7)
  const df = fromRecordBatches([b.slice(2, 5), b.slice(5, 7)]);
  const rows = async (f: typeof df) => toRecords(await f.compute({ scheduler: 'sync' })).map((r) => ({ x: r.x, s: r.s, d: r.d, a: (r.st as { a: number } | null)?.a ?? null }));
  const R = { c: { x: 3, s: 'c', d: 'c', a: 3 }, n: { x: null, s: 'é', d: 'c', a: null }, a: { x: 1, s: 'a', d: 'a', a: 1 }, b: { x: 2, s: 'b', d: 'b', a: 2 }, q: { x: 7, s: 'q', d: 'q', a: 7 } };
  assert.equal(await rows(df), [R.c, R.n, R.a, R.b, R.q]);
  assert.equal(await rows(df.sortValues('x')), [R.a, R.b, R.c, R.q, R.n]);
  assert.equal(await rows(df.sortValues('s')), [R.a, R.b, R.c, R.q, R.n]);
  assert.equal(await rows(df.sortValues('d', { ascending: false })), [R.q, R.c, R.n, R.b, R.a]);
  assert.equal(await rows(df.filter(df.col('x').gt(1))), [R.c, R.b, R.q]);
  assert.equal(await rows(df.filter(df.col('s').eq('a'))), [R.a]);
  const g = toRecords(await df.groupby('d').agg({ x: 'sum' }).compute({ scheduler: 'sync' })).map((r) => ({ ...r })).sort((p, q) => String(p.d).localeCompare(String(q.d)));
  assert.equal(g, [{ d: 'a', x: 1 }, { d: 'b', x: 2 }, { d: 'c', x: 3 }, { d: 'q', x: 7 }]);
});

test.run();
