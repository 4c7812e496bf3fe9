// concat (type union, missing columns as nulls), repartition by count and by size (order kept), tail (reads
// partitions from the end only), against hand-worked cases and the one-partition result.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dictionary, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { concat, fromArrow, fromColumns, fromRecordBatches, type RunListener } from '../../../src/index.ts';
import { emptyBatch } from '../../../src/kernels/arrow-build.ts';
import { SCHEDULERS } from '../../helpers.ts';

const values = (t: Table, c: string) => Array.from(t.getChild(c)!, (v) => (typeof v === 'bigint' ? Number(v) : v));

test('concat: partitions in order, columns unioned in first-seen order, missing columns null, types unified', async () => {
  const a = fromColumns({ x: new Int32Array([1, 2, 3]), s: ['é', null, '😀'] }, { npartitions: 2 });
  const b = fromColumns({ x: new BigInt64Array([2n ** 60n]), t: [true] });
  const c = fromColumns({ t: [false], x: [0.5] });
  const df = concat([a, b, c]);
  assert.is(df.npartitions, 4);
  assert.equal(df.dtypes, { x: 'Float64', s: 'Utf8', t: 'Bool' });
  const out = await df.compute({ scheduler: 'sync' });
  assert.equal(values(out, 'x'), [1, 2, 3, 2 ** 60, 0.5]);
  assert.equal(values(out, 's'), ['é', null, '😀', null, null]);
  assert.equal(values(out, 't'), [null, null, null, true, false]);
  // int32 + int64 stays integer (int64), exactly
  const ints = await concat([fromColumns({ x: new Int32Array([7]) }), fromColumns({ x: new BigInt64Array([2n ** 62n + 1n]) })]).compute({ scheduler: 'sync' });
  assert.equal(String(ints.schema.fields[0]!.type), 'Int64');
  assert.equal(Array.from(ints.getChild('x')!), [7n, 2n ** 62n + 1n]);
});

test('concat: a dictionary column and a plain string column give utf8; reductions over the union work', async () => {
  const dict = vectorFromArray(['a', 'b', 'a'], new Dictionary(new Utf8(), new Int32()));
  const d = fromArrow(new Table({ s: dict, n: vectorFromArray([1, 2, 3]) }), { npartitions: 2 });
  const p = fromColumns({ s: ['東京'], n: [4] });
  const df = d.concat([p]);
  assert.is(df.dtypes.s, 'Utf8');
  assert.equal(values(await df.compute({ scheduler: 'sync' }), 's'), ['a', 'b', 'a', '東京']);
  assert.is(await df.col('n').sum().compute({ scheduler: 'sync' }), 10);
  // projection pushdown through concat: one column read from each side
  assert.equal(values(await df.select(['n']).compute({ scheduler: 'sync' }), 'n'), [1, 2, 3, 4]);
});

test('concat refuses to mix strings and numbers, naming the column; needs at least one frame', () => {
  assert.throws(() => concat([fromColumns({ a: [1] }), fromColumns({ a: ['x'] })]), /column 'a' is Int32 in one frame and Utf8 in another/);
  assert.throws(() => concat([]), /at least one/);
  assert.throws(() => concat([fromColumns({ a: [1] }), {} as never]), /item 1 is not a DataFrame/);
});

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] repartition by count keeps every row in order, fewer and more partitions`, async () => {
    const x = Array.from({ length: 103 }, (_, k) => (k % 10 === 0 ? null : k));
    const df = fromColumns({ x }, { npartitions: 5 });
    for (const n of scheduler === 'sync' ? [1, 2, 5, 7, 16] : [2, 16]) {
      const r = df.repartition({ npartitions: n });
      assert.is(r.npartitions, n);
      const t = await r.compute({ scheduler });
      assert.equal(values(t, 'x'), x, `npartitions ${n}`);
      // sizes follow the input: no output more than twice the mean
      const parts = t.batches.map((b) => b.numRows);
      if (n > 1) assert.ok(Math.max(...parts) <= (2 * 103) / n + 1, `${n}: ${parts}`);
    }
  });
}

test('repartition({partitionSize}) measures the data, keeps order and makes partitions of about that size', async () => {
  const x = Float64Array.from({ length: 10000 }, (_, k) => k); // 80 kB of values
  const df = fromColumns({ x }, { npartitions: 3 });
  const r = await df.repartition({ partitionSize: '16KB' }, { scheduler: 'sync' });
  assert.ok(r.npartitions >= 4 && r.npartitions <= 6, `npartitions ${r.npartitions}`);
  const t = await r.compute({ scheduler: 'sync' });
  assert.equal(Float64Array.from(t.getChild('x')!.toArray()), x);
  const big = await df.repartition({ partitionSize: '1GB' }, { scheduler: 'sync' });
  assert.is(big.npartitions, 1);
  assert.throws(() => df.repartition({ npartitions: 0 }), /positive integer/);
  assert.throws(() => df.repartition({} as never), /exactly one of/);
  assert.throws(() => df.repartition({ npartitions: 2, partitionSize: 5 } as never), /exactly one of/);
  await assert.not.throws(() => df.repartition({ npartitions: 3 }));
  let err: unknown = null;
  await df.repartition({ partitionSize: 'lots' }).catch((e) => (err = e));
  assert.match(String(err), /not a size/);
});

test('tail(n): the last rows across partition boundaries, reading only the partitions it needs, from the end', async () => {
  const x = Array.from({ length: 50 }, (_, k) => k);
  const df = fromColumns({ x }, { npartitions: 10 }); // 5 rows each
  const started: string[] = [];
  const listeners: RunListener[] = [{ onTaskStart: (t) => started.push(t.key) }];
  const t = await df.tail(7, { scheduler: 'sync', listeners });
  assert.equal(values(t, 'x'), [43, 44, 45, 46, 47, 48, 49]);
  assert.is(started.length, 2, `tasks run: ${started}`);
  assert.equal(values(await df.tail(0, { scheduler: 'sync' }), 'x'), []);
  assert.equal(values(await df.tail(500, { scheduler: 'sync' }), 'x'), x);
  const base = fromColumns({ x }, { npartitions: 10 });
  const filtered = base.filter(base.col('x').lt(12)); // the last partitions are empty
  assert.equal(values(await filtered.tail(3, { scheduler: 'sync' }), 'x'), [9, 10, 11]);
  assert.throws(() => df.tail(-1), /non-negative integer/);
});

test('tail(n) for every n from 0 past the end, over empty and one-row partitions, nulls and unicode: the last n rows', async () => {
  const sizes = [0, 1, 0, 3, 1, 0, 0, 4, 1, 2, 0];
  const n = sizes.reduce((a, b) => a + b, 0);
  const words = ['é', null, '😀', '東京', 'a'];
  const t = new Table({ x: vectorFromArray(Array.from({ length: n }, (_, k) => (k % 4 === 2 ? null : k)), new Int32()), s: vectorFromArray(Array.from({ length: n }, (_, k) => words[k % words.length]!), new Utf8()) });
  let at = 0;
  const batches = sizes.map((m) => {
    const b = m === 0 ? emptyBatch(t.schema) : t.slice(at, at + m).batches[0]!;
    at += m;
    return b;
  });
  const df = fromRecordBatches(batches, t.schema);
  const xs = values(t, 'x');
  const ss = values(t, 's');
  for (let k = 0; k <= n + 2; k++) {
    const got = await df.tail(k, { scheduler: 'sync' });
    assert.equal([values(got, 'x'), values(got, 's')], [xs.slice(Math.max(0, n - k)), ss.slice(Math.max(0, n - k))], `tail(${k})`);
  }
});

test('pivotTable: one row per index value, one column per column value, against a naive loop; missing cells null', async () => {
  const carrier = ['AA', 'UA', 'AA', 'DL', 'UA', 'AA', null, 'DL', 'AA', 'UA'];
  const month = [1, 1, 2, 1, 2, 2, 1, null, 1, 1];
  const delay = [10, 20, null, 5, 7, 3, 100, 100, 30, 40];
  const df = fromColumns({ carrier, month, delay }, { npartitions: 3 });
  const naive = (c: string, m: number, agg: 'mean' | 'count') => {
    const xs = delay.filter((d, i) => carrier[i] === c && month[i] === m && d !== null) as number[];
    if (agg === 'count') return carrier.some((cc, i) => cc === c && month[i] === m) ? xs.length : null;
    return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  for (const aggfunc of ['mean', 'count'] as const) {
    const p = await df.pivotTable({ index: 'carrier', columns: 'month', values: 'delay', aggfunc }, { scheduler: 'sync' });
    assert.equal(p.columns, ['carrier', '1', '2']);
    const rows = await p.toRecords({ scheduler: 'sync' });
    assert.equal(rows.map((r) => r.carrier), ['AA', 'DL', 'UA']);
    for (const r of rows) for (const m of [1, 2]) {
      const got = r[String(m)];
      assert.equal(got === null ? null : Number(got), naive(r.carrier as string, m, aggfunc), `${aggfunc} ${r.carrier} ${m}`);
    }
  }
  const lazy = df.pivotTable({ index: 'month', columns: 'carrier', values: ['delay'], aggfunc: 'max', columnValues: ['UA', 'ZZ'] });
  assert.equal(lazy.columns, ['month', 'UA', 'ZZ']);
  assert.equal((await lazy.toRecords({ scheduler: 'sync' })).map((r) => ({ ...r })), [{ month: 1, UA: 40, ZZ: null }, { month: 2, UA: 7, ZZ: null }]);
  const many = fromColumns({ i: Array.from({ length: 300 }, (_, k) => k % 3), c: Array.from({ length: 300 }, (_, k) => k), v: Array.from({ length: 300 }, () => 1) });
  let err: unknown = null;
  await many.pivotTable({ index: 'i', columns: 'c', values: 'v' }, { scheduler: 'sync' }).catch((e) => (err = e));
  assert.match(String(err), /has 300 values, more than maxColumns \(100\)/);
  assert.throws(() => df.pivotTable({ index: 'carrier', columns: 'month', values: 'nope', columnValues: [1] }), /nope/);
  assert.throws(() => df.pivotTable({ index: 'carrier', columns: 'carrier', values: 'delay', columnValues: [1] }), /different columns/);
  assert.throws(() => df.pivotTable({ index: 'carrier', columns: 'month', values: 'delay', aggfunc: 'mode' as never, columnValues: [1] }), /aggfunc must be one of/);
});

test.run();
