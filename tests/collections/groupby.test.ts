// Groupby aggregation vs a naive Map-of-arrays reference, on many partitions, with nulls, NaN,
// one-row groups, a group spread over every partition, 1 group, 100k groups and unicode keys.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, customAgg, fromColumns, type SchedulerName } from '../../src/index.ts';
import { SCHEDULERS, assertClose, naive, rng, type Num } from '../helpers.ts';

type Key = string | number | null;

function reference(keys: Key[], xs: Num[], dropna = true): Map<string, { key: Key; xs: Num[]; size: number }> {
  const m = new Map<string, { key: Key; xs: Num[]; size: number }>();
  keys.forEach((k, i) => {
    if (k === null && dropna) return;
    const id = JSON.stringify(k);
    let e = m.get(id);
    if (!e) m.set(id, (e = { key: k, xs: [], size: 0 }));
    e.xs.push(xs[i]!);
    e.size++;
  });
  return m;
}

const median = (xs: Num[]) => {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};
const firstOf = (xs: Num[]) => xs.find((x) => x !== null) ?? null;
const lastOf = (xs: Num[]) => [...xs].reverse().find((x) => x !== null) ?? null;
const nuniq = (xs: Num[]) => new Set(xs.filter((x) => x !== null)).size;

const KEYS = ['北京', 'SFO', 'Zürich', 'a', 'é', '😀'];

function data(seed: number, n: number) {
  const r = rng(seed);
  const keys: Key[] = Array.from({ length: n }, (_, i) => (i === n - 1 ? 'solo' : r() < 0.05 ? null : KEYS[Math.floor(r() * KEYS.length)]!));
  const xs: Num[] = Array.from({ length: n }, () => (r() < 0.1 ? null : Math.round((r() - 0.3) * 1000) / 10));
  return { keys, xs };
}

for (const scheduler of SCHEDULERS) {
  const opts = { scheduler: scheduler as SchedulerName };

  test(`[${scheduler}] every aggregation matches the naive reference on 1, 4 and 13 partitions (nulls, unicode keys, a one-row group)`, async () => {
    const { keys, xs } = data(11, 600);
    const ref = reference(keys, xs);
    for (const np of [1, 4, 13]) {
      const df = fromColumns({ k: keys, x: xs }, { npartitions: np });
      const out = await df
        .groupby('k')
        .agg({
          sum: ['x', 'sum'], mean: ['x', 'mean'], count: ['x', 'count'], size: ['x', 'size'], min: ['x', 'min'], max: ['x', 'max'],
          var: ['x', 'var'], std: ['x', 'std'], first: ['x', 'first'], last: ['x', 'last'], nunique: ['x', 'nunique'], median: ['x', 'median'],
        })
        .compute(opts);
      assert.is(out.numRows, ref.size, 'one row per non-null key');
      const rows = out.toArray().map((r) => r.toJSON() as Record<string, unknown>);
      // sorted by key (code point order of JS strings)
      assert.equal(rows.map((r) => r.k), [...ref.values()].map((e) => e.key).sort());
      for (const row of rows) {
        const e = ref.get(JSON.stringify(row.k))!;
        const want: Record<string, unknown> = {
          // counts are int64 (bigint), as pandas
          sum: naive.sum(e.xs), mean: naive.mean(e.xs), count: BigInt(naive.count(e.xs)), size: BigInt(e.size), min: naive.min(e.xs), max: naive.max(e.xs),
          var: naive.var(e.xs), std: naive.std(e.xs), first: firstOf(e.xs), last: lastOf(e.xs), nunique: BigInt(nuniq(e.xs)), median: median(e.xs),
        };
        for (const [name, v] of Object.entries(want)) assertClose(row[name], v, 1e-9, `${np} partitions, group ${String(row.k)}, ${name}`);
      }
    }
  });

  test(`[${scheduler}] null keys kept as their own group with dropna: false; several key columns`, async () => {
    const df = fromColumns({ a: ['x', 'x', null, 'y', null, 'x'], b: [1, 2, 1, 1, 1, 1], v: [1, 2, 3, 4, 5, 6] }, { npartitions: 3 });
    const kept = await df.groupby('a', { dropna: false }).col('v').sum().compute(opts);
    assert.equal(kept.toArray().map((r) => r.toJSON()), [{ a: 'x', v: 9n }, { a: 'y', v: 4n }, { a: null, v: 8n }]); // int32 sums are int64
    const two = await df.groupby(['a', 'b']).agg({ total: ['v', 'sum'], n: ['v', 'size'] }).compute(opts);
    assert.equal(two.toArray().map((r) => r.toJSON()), [{ a: 'x', b: 1, total: 7n, n: 2n }, { a: 'x', b: 2, total: 2n, n: 1n }, { a: 'y', b: 1, total: 4n, n: 1n }]);
  });

  test(`[${scheduler}] NaN is a value inside groups; integer, boolean and float keys`, async () => {
    const df = fromColumns({ i: [1, 2, 1, 2], f: [0.5, -0, 0.5, 0], b: [true, false, true, null], x: [1, NaN, 3, 4] }, { npartitions: 2 });
    const byInt = await df.groupby('i').agg({ s: ['x', 'sum'], m: ['x', 'max'] }).compute(opts);
    const rows = byInt.toArray().map((r) => r.toJSON());
    assert.equal(rows[0], { i: 1, s: 4, m: 3 });
    assert.ok(Number.isNaN(rows[1]!.s) && Number.isNaN(rows[1]!.m));
    const byFloat = await df.groupby('f').size().compute(opts);
    assert.equal(byFloat.toArray().map((r) => r.toJSON()), [{ f: 0, size: 2n }, { f: 0.5, size: 2n }], '-0 and 0 are one group');
    const byBool = await df.groupby('b').col('i').count().compute(opts);
    assert.equal(byBool.toArray().map((r) => r.toJSON()), [{ b: false, i: 1n }, { b: true, i: 2n }]);
  });

  test(`[${scheduler}] one group spread over every partition, and a single group overall`, async () => {
    const n = 97;
    const xs = Array.from({ length: n }, (_, i) => i * 1.5);
    const df = fromColumns({ k: new Array(n).fill('only'), x: xs }, { npartitions: 11 });
    const out = await df.groupby('k').agg({ m: ['x', 'mean'], v: ['x', 'var'], f: ['x', 'first'], l: ['x', 'last'] }).compute(opts);
    const row = out.get(0)!.toJSON();
    assertClose(row.m, naive.mean(xs));
    assertClose(row.v, naive.var(xs));
    assert.is(row.f, 0);
    assert.is(row.l, (n - 1) * 1.5);
  });

  test(`[${scheduler}] 100k groups with splitOut: no task sees all groups, results equal splitOut 1`, async () => {
    const n = 200_000;
    const keys = new Int32Array(n);
    const xs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      keys[i] = (i * 7919) % 100_000;
      xs[i] = i % 13;
    }
    const df = fromColumns({ k: keys, x: xs }, { npartitions: 8 });
    const split = df.groupby('k').agg({ s: ['x', 'sum'], c: ['x', 'count'] }, { splitOut: 4 });
    assert.is(split.npartitions, 4);
    const [a, b] = await compute(split, df.groupby('k').agg({ s: ['x', 'sum'], c: ['x', 'count'] }), opts);
    const ta = a as import('apache-arrow').Table;
    const tb = b as import('apache-arrow').Table;
    assert.is(ta.numRows, 100_000);
    assert.is(tb.numRows, 100_000);
    // naive reference: a plain loop into arrays indexed by key
    const refSum = new Float64Array(100_000);
    const refCount = new Float64Array(100_000);
    for (let i = 0; i < n; i++) {
      refSum[keys[i]!]! += xs[i]!;
      refCount[keys[i]!]! += 1;
    }
    for (const t of [ta, tb]) {
      const k = t.getChild('k')!.toArray() as Int32Array;
      const s = t.getChild('s')!.toArray() as Float64Array;
      const c = t.getChild('c')!.toArray() as BigInt64Array;
      for (let i = 0; i < t.numRows; i++) {
        if (s[i] !== refSum[k[i]!] || Number(c[i]) !== refCount[k[i]!]) assert.unreachable(`group ${k[i]}: ${s[i]}/${c[i]} != ${refSum[k[i]!]}/${refCount[k[i]!]}`);
      }
    }
    assert.equal(tb.getChild('k')!.toArray().slice(0, 3), new Int32Array([0, 1, 2]), 'splitOut 1 result is sorted by key');
  });

  test(`[${scheduler}] valueCounts sorts by count; nunique; getGroup`, async () => {
    const df = fromColumns({ k: ['b', 'a', 'b', 'c', 'b', 'a', null], v: [1, 2, 3, 4, 5, 6, 7] }, { npartitions: 3 });
    const vc = await df.col('k').valueCounts().compute(opts);
    assert.equal(vc.toArray().map((r) => r.toJSON()), [{ k: 'b', count: 3n }, { k: 'a', count: 2n }, { k: 'c', count: 1n }]);
    assert.is(await df.col('k').nunique().compute(opts), 3);
    const g = await df.groupby('k').getGroup('a').compute(opts);
    assert.equal(g.getChild('v')!.toJSON(), [2, 6]);
    const gn = await df.groupby('k').getGroup(null).compute(opts);
    assert.equal(gn.getChild('v')!.toJSON(), [7]);
  });

  test(`[${scheduler}] groupby over no partitions and over filtered-away rows gives an empty result with the schema`, async () => {
    const df = fromColumns({ k: ['a', 'b'], x: [1, 2] }, { npartitions: 2 });
    const out = await df.filter(df.col('x').gt(5)).groupby('k').col('x').sum().compute(opts);
    assert.is(out.numRows, 0);
    assert.equal(out.schema.fields.map((f) => `${f.name}:${String(f.type)}`), ['k:Utf8', 'x:Int64']); // sum of an int32 column
  });
}

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] custom aggregations: chunk / combine / finalize with params (a trimmed mean and a string join)`, async () => {
    const { keys, xs } = data(21, 300);
    const df = fromColumns({ k: keys, x: xs, s: keys.map((k) => (k === null ? null : `<${k}>`)) }, { npartitions: 6 });
    const sumSq = customAgg({
      chunk: (v: Float64Array | unknown[], p: { pow: number }) => {
        let s = 0;
        for (const x of v as Float64Array) s += Math.abs(x) ** p.pow;
        return { s, n: v.length };
      },
      combine: (parts: Array<{ s: number; n: number }>) => parts.reduce((a, b) => ({ s: a.s + b.s, n: a.n + b.n })),
      finalize: (st: { s: number; n: number }) => (st.n === 0 ? null : st.s / st.n),
      params: { pow: 2 },
    });
    const longest = customAgg({
      chunk: (v: Float64Array | unknown[]) => (v as string[]).reduce((a, b) => (b.length > a.length ? b : a), ''),
      combine: (parts: string[]) => parts.reduce((a, b) => (b.length > a.length ? b : a), ''),
      finalize: (s: string) => s,
      type: 'utf8',
    });
    const out = await df.groupby('k').agg({ ms: ['x', sumSq], l: ['s', longest], n: ['x', 'count'] }).compute({ scheduler: scheduler as SchedulerName });
    const ref = reference(keys, xs);
    for (const row of out.toArray().map((r) => r.toJSON() as Record<string, unknown>)) {
      const e = ref.get(JSON.stringify(row.k))!;
      const v = e.xs.filter((x): x is number => x !== null);
      assertClose(row.ms, v.length === 0 ? null : v.reduce((s, x) => s + x * x, 0) / v.length, 1e-9, `group ${String(row.k)}`);
      assert.is(row.l, `<${String(row.k)}>`);
      assert.is(row.n, BigInt(v.length));
    }
  });
}

test('a custom aggregation that throws names itself and the group', async () => {
  const df = fromColumns({ k: ['a', 'b'], x: [1, 2] }, { npartitions: 2 });
  const bad = customAgg({ chunk: (v: Float64Array | unknown[]) => v.length, combine: (s: number[]) => s[0]!, finalize: (n: number) => { if (n > 0) throw new Error('no good'); return 0; } });
  await df.groupby('k').agg({ z: ['x', bad] }).compute({ scheduler: 'sync' }).then(
    () => assert.unreachable(),
    (e) => assert.match(String(e.message), /custom aggregation 'z': finalize\(\) failed for group \["a"\]: no good/),
  );
  assert.throws(() => customAgg({ chunk: 1 as never, combine: () => 0, finalize: () => 0 }), /customAgg: chunk must be a function/);
});

test('groupby errors name what exists', () => {
  const df = fromColumns({ k: ['a'], x: [1], s: ['z'] });
  assert.throws(() => df.groupby('nope'), /groupby: no column named 'nope'; the columns are: 'k', 'x', 's'/);
  assert.throws(() => df.groupby('k').agg({ m: ['zz', 'mean'] }), /agg 'm': no column named 'zz'/);
  assert.throws(() => df.groupby('k').agg({ m: ['s', 'mean'] }), /agg 'm': mean\(\) needs a numeric column, 's' is Utf8/);
  assert.throws(() => df.groupby('k').agg({ m: ['x', 'mode' as 'mean'] }), /unknown aggregation 'mode'/);
  assert.throws(() => df.groupby('k').sum(), /sum\(\) does not apply to 's'/);
  assert.throws(() => df.groupby('k').agg({ x: ['x', 'sum'], k: ['x', 'mean'] }), /output column 'k' appears twice/);
  assert.throws(() => df.groupby('k').size({ splitOut: 0 }), /splitOut must be a positive integer/);
  assert.throws(() => df.groupby('k').getGroup(['a', 'b']), /getGroup needs 1 key value/);
});

test.run();
