// Result types of groupby aggregations and groupby-apply (docs/TYPES.md), exactness past 2^53, and group
// keys merged across partitions by value (strings holding the old separator character stay apart).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromColumns, fromRecordBatches, type SchedulerName } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';

const rowsOf = (t: { toArray(): Array<{ toJSON(): unknown }> }) => t.toArray().map((r) => r.toJSON() as Record<string, unknown>);
const typesOf = (t: { schema: { fields: Array<{ name: string; type: unknown }> } }) => Object.fromEntries(t.schema.fields.map((f) => [f.name, String(f.type)]));

for (const scheduler of SCHEDULERS) {
  const opts = { scheduler: scheduler as SchedulerName };

  test(`[${scheduler}] finding 2: int64 max/sum/first stay exact past 2^53, on 1 and 2 partitions`, async () => {
    for (const npartitions of [1, 2]) {
      const df = fromColumns({ k: new Int32Array([1, 1]), v: new BigInt64Array([9007199254740993n, 2n]) }, { npartitions });
      const out = await df.groupby('k').agg({ mx: ['v', 'max'], s: ['v', 'sum'], f: ['v', 'first'], mn: ['v', 'min'], l: ['v', 'last'] }).compute(opts);
      assert.equal(rowsOf(out), [{ k: 1, mx: 9007199254740993n, s: 9007199254740995n, f: 9007199254740993n, mn: 2n, l: 2n }], `${npartitions} partitions`);
      assert.equal(typesOf(out), { k: 'Int32', mx: 'Int64', s: 'Int64', f: 'Int64', mn: 'Int64', l: 'Int64' });
    }
  });

  test(`[${scheduler}] aggregation types: int sums are Int64, min/max/first/last keep the type, counts Int64, means float`, async () => {
    const df = fromColumns(
      {
        k: ['a', 'b', 'a', 'b', 'a'],
        i: new Int32Array([2147483647, 5, 2147483647, -7, 1]),
        s: new Int16Array([1, 2, 3, 4, 5]),
        b: [true, false, true, null, false],
        f: [0.5, 1, 2, 3, 4.5],
        t: ['x', 'y', 'z', 'w', 'v'],
      },
      { npartitions: 3 },
    );
    const out = await df
      .groupby('k')
      .agg({
        isum: ['i', 'sum'], imin: ['i', 'min'], imax: ['i', 'max'], ifirst: ['i', 'first'], ilast: ['i', 'last'], imean: ['i', 'mean'], imed: ['i', 'median'],
        smax: ['s', 'max'], bsum: ['b', 'sum'], bmin: ['b', 'min'], bmax: ['b', 'max'], fsum: ['f', 'sum'], fmin: ['f', 'min'], tfirst: ['t', 'first'],
        n: ['i', 'count'], size: ['i', 'size'], nu: ['t', 'nunique'], v: ['i', 'var'],
      })
      .compute(opts);
    assert.equal(typesOf(out), {
      k: 'Utf8', isum: 'Int64', imin: 'Int32', imax: 'Int32', ifirst: 'Int32', ilast: 'Int32', imean: 'Float64', imed: 'Float64',
      smax: 'Int16', bsum: 'Int64', bmin: 'Bool', bmax: 'Bool', fsum: 'Float64', fmin: 'Float64', tfirst: 'Utf8',
      n: 'Int64', size: 'Int64', nu: 'Int64', v: 'Float64',
    });
    const [a, b] = rowsOf(out);
    // the int32 sum would overflow int32 and round nowhere: 2 * (2^31 - 1) + 1
    assert.is(a!.isum, 4294967295n);
    assert.is(a!.imin, 1);
    assert.is(a!.imax, 2147483647);
    assert.is(a!.imed, 2147483647);
    assert.is(a!.bsum, 2n);
    assert.is(a!.bmin, false);
    assert.is(a!.bmax, true);
    assert.is(b!.bmin, false); // the null is skipped
    assert.is(b!.bmax, false);
    assert.is(b!.isum, -2n);
    assert.is(b!.ilast, -7);
    assert.is(b!.tfirst, 'y');
    assert.is(a!.n, 3n);
    assert.is(b!.size, 2n);
  });

  test(`[${scheduler}] a group sum beyond int64 is an error naming the output and the group`, async () => {
    const big = 2n ** 62n;
    const df = fromColumns({ k: ['g', 'g', 'g'], v: new BigInt64Array([big, big, big]) }, { npartitions: 3 });
    await df.groupby('k').agg({ total: ['v', 'sum'] }).compute(opts).then(
      () => assert.unreachable('should overflow'),
      (e: Error) => assert.match(e.message, /sum 'total' for group \["g"\] is 13835058055282163712, beyond int64/),
    );
  });

  test(`[${scheduler}] finding 4: multi-key groups whose strings contain \\u0001 are never merged`, async () => {
    // Each tuple in its own partition, so only the cross-partition merge could confuse them.
    const one = fromColumns({ a: ['a'], b: ['b\u0001sc'], v: [1] });
    const two = fromColumns({ a: ['a\u0001sb'], b: ['c'], v: [10] });
    const three = fromColumns({ a: ['a'], b: ['b\u0001sc'], v: [100] });
    const batches = await Promise.all([one, two, three].map((d) => d.compute(opts)));
    const df = fromRecordBatches(batches.map((t) => t.batches[0]!));
    for (const splitOut of [1, 3]) {
      const out = await df.groupby(['a', 'b']).agg({ s: ['v', 'sum'], n: ['v', 'size'] }, { splitOut }).compute(opts);
      const got = rowsOf(out).sort((x, y) => Number(x.s) - Number(y.s));
      assert.equal(got, [{ a: 'a\u0001sb', b: 'c', s: 10n, n: 1n }, { a: 'a', b: 'b\u0001sc', s: 101n, n: 2n }], `splitOut ${splitOut}`);
    }
  });

  test(`[${scheduler}] group rows sort strings by code point (as string comparisons do) and NaN keys after numbers`, async () => {
    const df = fromColumns({ k: ['😀', '\uFFFD', 'a', '😀'], f: [NaN, 2, -1, NaN], v: [1, 2, 3, 4] }, { npartitions: 2 });
    const byString = await df.groupby('k').size().compute(opts);
    assert.equal(byString.getChild('k')!.toJSON(), ['a', '\uFFFD', '😀']);
    assert.equal(await df.filter(df.col('k').gt('\uFFFD')).col('v').count().compute(opts), 2);
    const byFloat = await df.groupby('f', { dropna: false }).size().compute(opts);
    assert.equal(byFloat.getChild('f')!.toJSON(), [-1, 2, NaN]);
    assert.equal(byFloat.getChild('size')!.toJSON(), [1n, 1n, 2n]);
    const applied = await df.groupby('k').apply((g) => ({ n: g.numRows }), { npartitions: 3 }).compute(opts);
    assert.equal(applied.getChild('k')!.toJSON(), ['a', '\uFFFD', '😀']);
  });

  test(`[${scheduler}] value columns named __proto__ and constructor aggregate like any other (partials keyed by a Map)`, async () => {
    const df = fromColumns({ k: ['a', 'a', 'b'], ['__proto__']: [1, 2, 3], constructor: [0.5, 1, 2] } as never, { npartitions: 3 });
    const out = await df.groupby('k').agg({ s: ['__proto__', 'sum'], m: ['constructor', 'max'] }).compute(opts);
    assert.equal(rowsOf(out), [{ k: 'a', s: 3n, m: 1 }, { k: 'b', s: 3n, m: 2 }]);
  });

  test(`[${scheduler}] finding 10: apply/transform results that are whole numbers are integers`, async () => {
    const df = fromColumns({ k: ['a', 'b', 'a', 'c', 'b', 'a'], x: [1, 2, 3, 4, 5, 6] }, { npartitions: 3 });
    // all whole and within int32: Int32 (JS numbers)
    const n = await df.groupby('k').apply((g) => ({ rows: g.numRows, total: (g.col('x') as Float64Array).reduce((s, v) => s + v, 0) }), { npartitions: 3 }).compute(opts);
    assert.equal(typesOf(n), { k: 'Utf8', rows: 'Int32', total: 'Int32' });
    assert.equal(rowsOf(n), [{ k: 'a', rows: 3, total: 10 }, { k: 'b', rows: 2, total: 7 }, { k: 'c', rows: 1, total: 4 }]);
    // beyond int32 in one group: Int64 for all (bigint values)
    const big = await df.groupby('k').apply((g) => ({ v: g.key.k === 'c' ? 2 ** 40 : 1 }), { npartitions: 3 }).compute(opts);
    assert.equal(typesOf(big).v, 'Int64');
    assert.equal(rowsOf(big).map((r) => r.v), [1n, 1n, 2n ** 40n]);
    // bigints in one group, whole JS numbers in others: Int64 whichever buckets they land in
    const mixed = await df.groupby('k').apply((g) => ({ v: g.key.k === 'a' ? 2n ** 60n : 3 }), { npartitions: 2 }).compute(opts);
    assert.equal(rowsOf(mixed).map((r) => r.v), [2n ** 60n, 3n, 3n]);
    // a fraction in one group (maybe another bucket): Float64 for all
    const frac = await df.groupby('k').apply((g) => ({ v: g.key.k === 'b' ? 0.5 : 1 }), { npartitions: 3 }).compute(opts);
    assert.equal(typesOf(frac).v, 'Float64');
    assert.equal(rowsOf(frac).map((r) => r.v), [1, 0.5, 1]);
    // a float column handed back keeps its type even when its values are whole
    const all = fromColumns({ k: ['a', 'b'], f: [1.5, 2] });
    const floats = all.filter(all.col('f').gt(1.7));
    const kept = await floats.groupby('k').apply((g) => g, { npartitions: 2 }).compute(opts);
    assert.equal(typesOf(kept).f, 'Float64');
    // transform: per-row integer results
    const t = await df.groupby('k').transform((g) => Array.from({ length: g.numRows }, (_, i) => i), { name: 'pos', npartitions: 3 }).compute(opts);
    assert.equal(typesOf(t).pos, 'Int32');
    assert.equal(t.getChild('pos')!.toJSON(), [0, 0, 1, 0, 1, 2]);
  });
}

test.run();
