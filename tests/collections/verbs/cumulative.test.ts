// cum*, shift/diff/pctChange and ffill/bfill across partition boundaries: values and nulls at every
// boundary, empty and one-row partitions, runs of nulls spanning partitions, vs naive loops over the
// whole column (= the one-partition answer); exact int64 sums; strings and dictionaries for shift/fills.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dictionary, Int32, Int64, Table, Utf8, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { compute, fromArrow, fromColumns, fromRecordBatches, type SchedulerName } from '../../../src/index.ts';
import { SCHEDULERS, rejects, rng, type Num } from '../../helpers.ts';
import { emptyBatch } from '../../../src/kernels/arrow-build.ts';
import { concatBatches } from '../../../src/kernels/concat.ts';

type V = number | bigint | string | null;
const plain = (xs: Iterable<unknown>): V[] => [...xs].map((x) => (typeof x === 'bigint' && x >= -(2n ** 53n) && x <= 2n ** 53n ? Number(x) : (x as V)));

/** The same rows cut at given partition sizes (zeros make empty partitions). */
function cut(t: Table, sizes: number[]): RecordBatch[] {
  const out: RecordBatch[] = [];
  let at = 0;
  for (const s of sizes) {
    const piece = t.slice(at, at + s);
    at += s;
    out.push(s === 0 ? emptyBatch(t.schema) : concatBatches(t.schema, piece.batches));
  }
  return out;
}

const naive = {
  cum(xs: Num[], op: 'sum' | 'prod' | 'min' | 'max'): Num[] {
    let acc: number | null = null;
    return xs.map((x) => {
      if (x === null) return null;
      if (acc === null) acc = x;
      else if (op === 'sum') acc += x;
      else if (op === 'prod') acc *= x;
      else if (Number.isNaN(acc) || Number.isNaN(x)) acc = NaN;
      else acc = op === 'min' ? Math.min(acc, x) : Math.max(acc, x);
      return acc;
    });
  },
  shift<T>(xs: T[], k: number): Array<T | null> {
    return xs.map((_, i) => (i - k >= 0 && i - k < xs.length ? xs[i - k]! : null));
  },
  ffill<T>(xs: Array<T | null>): Array<T | null> {
    let last: T | null = null;
    return xs.map((x) => (x === null ? last : (last = x)));
  },
  bfill<T>(xs: Array<T | null>): Array<T | null> {
    return naive.ffill([...xs].reverse()).reverse();
  },
  /** pandas' ffill(limit): at most `limit` nulls in a row take the value before them. */
  ffillLimit<T>(xs: Array<T | null>, limit: number): Array<T | null> {
    let last: T | null = null;
    let run = 0;
    return xs.map((x) => {
      if (x !== null) return (run = 0), (last = x);
      return ++run <= limit ? last : null;
    });
  },
  bfillLimit<T>(xs: Array<T | null>, limit: number): Array<T | null> {
    return naive.ffillLimit([...xs].reverse(), limit).reverse();
  },
};

// Partition layouts: empty first and last, one-row partitions, a run of empties, one big partition.
const LAYOUTS = [[23], [0, 1, 0, 3, 1, 0, 0, 5, 1, 12, 0], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [10, 0, 13]];

function series(seed: number): Num[] {
  const r = rng(seed);
  // nulls in runs, so some runs span several partitions
  let nullRun = 0;
  return Array.from({ length: 23 }, () => {
    if (nullRun > 0) return nullRun--, null;
    if (r() < 0.15) return (nullRun = Math.floor(r() * 4)), null;
    return Math.floor(r() * 21) - 10;
  });
}

test('cumsum/cumprod/cummin/cummax, shift(±k), diff, pctChange, ffill, bfill on every layout vs naive loops', async () => {
  for (const seed of [1, 2, 3]) {
    const xs = series(seed);
    const t = new Table({ x: vectorFromArray(xs, new Int32()) });
    for (const sizes of LAYOUTS) {
      const df = fromRecordBatches(cut(t, sizes), t.schema);
      const x = df.col('x');
      const got = await compute(x.cumsum(), x.cumprod(), x.cummin(), x.cummax(), x.shift(1), x.shift(3), x.shift(-2), x.shift(30), x.diff(), x.diff(-1), x.pctChange(2), x.ffill(), x.bfill(), { scheduler: 'sync' });
      const at = `seed ${seed} layout ${sizes.join(',')}`;
      assert.equal(plain(got[0]), naive.cum(xs, 'sum'), `cumsum ${at}`);
      assert.equal(plain(got[1]), naive.cum(xs, 'prod'), `cumprod ${at}`);
      assert.equal(plain(got[2]), naive.cum(xs, 'min'), `cummin ${at}`);
      assert.equal(plain(got[3]), naive.cum(xs, 'max'), `cummax ${at}`);
      assert.equal(plain(got[4]), naive.shift(xs, 1), `shift 1 ${at}`);
      assert.equal(plain(got[5]), naive.shift(xs, 3), `shift 3 ${at}`);
      assert.equal(plain(got[6]), naive.shift(xs, -2), `shift -2 ${at}`);
      assert.equal(plain(got[7]), naive.shift(xs, 30), `shift beyond the length ${at}`);
      const lag = (k: number, f: (a: number, b: number) => number) => xs.map((v, i) => { const p = naive.shift(xs, k)[i]; return v === null || p === null ? null : f(v, p); });
      assert.equal(plain(got[8]), lag(1, (a, b) => a - b), `diff ${at}`);
      assert.equal(plain(got[9]), lag(-1, (a, b) => a - b), `diff -1 ${at}`);
      assert.equal(plain(got[10]), lag(2, (a, b) => a / b - 1), `pctChange ${at}`);
      assert.equal(plain(got[11]), naive.ffill(xs), `ffill ${at}`);
      assert.equal(plain(got[12]), naive.bfill(xs), `bfill ${at}`);
      assert.is(String(got[0].type), 'Int64', 'cumsum of int32 is int64');
      assert.is(String(got[2].type), 'Int32', 'cummin keeps int32');
      assert.is(String(got[8].type), 'Int32', 'diff of int32 stays int32');
    }
  }
});

test('ffill/bfill({limit}): runs of nulls longer than the limit, spanning empty and one-row partitions, vs a naive loop', async () => {
  // Runs of 1 to 6 nulls, first and last rows null.
  const xs: Array<number | null> = [null, 1, null, null, null, 2, null, 3, null, null, null, null, null, null, 4, 5, null, null, null, null, null, 6, null];
  const t = new Table({ x: vectorFromArray(xs, new Int32()), s: vectorFromArray(xs.map((v) => (v === null ? null : `é${v}`)), new Utf8()) });
  for (const sizes of LAYOUTS) {
    const df = fromRecordBatches(cut(t, sizes), t.schema);
    const x = df.col('x');
    for (const limit of [1, 2, 4]) {
      const [f, b] = await compute(x.ffill({ limit }), x.bfill({ limit }), { scheduler: 'sync' });
      const at = `limit ${limit} layout ${sizes.join(',')}`;
      assert.equal(plain(f), naive.ffillLimit(xs, limit), `ffill ${at}`);
      assert.equal(plain(b), naive.bfillLimit(xs, limit), `bfill ${at}`);
    }
    const frame = await df.ffill({ limit: 3 }).compute({ scheduler: 'sync' });
    assert.equal(plain(frame.getChild('s')!), naive.ffillLimit(xs, 3).map((v) => (v === null ? null : `é${v}`)), `frame ffill strings ${sizes.join(',')}`);
  }
  assert.throws(() => t && fromRecordBatches(cut(t, [23]), t.schema).ffill({ limit: 0 }), /limit must be a positive integer/);
  assert.throws(() => fromRecordBatches(cut(t, [23]), t.schema).col('x').bfill({ limt: 2 } as never), /limt/);
});

test('floats: NaN propagates through cum*, is not filled by ffill; nulls stay null', async () => {
  const xs: Num[] = [1.5, null, NaN, 2, null, -1];
  const x = fromColumns({ x: xs }, { npartitions: 4 }).col('x');
  const [s, mn, f] = await compute(x.cumsum(), x.cummin(), x.ffill(), { scheduler: 'sync' });
  assert.equal(plain(s), [1.5, null, NaN, NaN, null, NaN]);
  assert.equal(plain(mn), [1.5, null, NaN, NaN, null, NaN]);
  assert.equal(plain(f), [1.5, 1.5, NaN, 2, 2, -1]);
});

test('int64 cumsum is exact beyond 2^53 and an error beyond int64; int32 sums beyond 2^53 are exact too', async () => {
  const big = [2n ** 60n, 2n ** 60n, null, 3n, -(2n ** 61n)];
  const t = new Table({ v: vectorFromArray(big, new Int64()) });
  const v = fromArrow(t, { npartitions: 3 }).col('v');
  assert.equal([...(await v.cumsum().compute({ scheduler: 'sync' }))], [2n ** 60n, 2n ** 61n, null, 2n ** 61n + 3n, 3n]);
  const over = fromArrow(new Table({ v: vectorFromArray([2n ** 62n, 2n ** 62n], new Int64()) }), { npartitions: 2 }).col('v');
  await rejects(over.cumsum().compute({ scheduler: 'sync' }), /cumsum\(v\) reaches 9223372036854775808, beyond int64/);
  const ints = Array.from({ length: 3000 }, () => 2 ** 31 - 1);
  const s = fromColumns({ x: Int32Array.from(ints) }, { npartitions: 7 }).col('x');
  const out = await s.cumsum().compute({ scheduler: 'sync' });
  assert.is(out.get(2999), 3000n * (2n ** 31n - 1n));
  const prod = fromColumns({ x: Int32Array.from([1000000, 1000000, 1000000, 10]) }, { npartitions: 2 }).col('x');
  const three = fromColumns({ x: Int32Array.from([1000000, 1000000, 1000000]) }, { npartitions: 2 }).col('x');
  assert.equal([...(await three.cumprod().compute({ scheduler: 'sync' }))], [1000000n, 10n ** 12n, 10n ** 18n]);
  await rejects(prod.cumprod().compute({ scheduler: 'sync' }), /cumprod\(x\) reaches 10000000000000000000, beyond int64/);
});

test('strings and dictionary columns: shift and fills carry unicode values across partitions', async () => {
  const words = [null, 'é', null, null, '🚀 ✈', null, 'naïve', null];
  const t = new Table({ s: vectorFromArray(words, new Utf8()), d: vectorFromArray(words, new Dictionary(new Utf8(), new Int32())) });
  for (const sizes of [[8], [1, 0, 2, 1, 0, 3, 1], [0, 4, 4, 0]]) {
    const df = fromRecordBatches(cut(t, sizes), t.schema);
    const [ff, bf, sh, dff, dbf] = await compute(df.col('s').ffill(), df.col('s').bfill(), df.col('s').shift(-3), df.col('d').ffill(), df.col('d').bfill(), { scheduler: 'sync' });
    assert.equal(plain(ff), naive.ffill(words));
    assert.equal(plain(bf), naive.bfill(words));
    assert.equal(plain(sh), naive.shift(words, -3));
    assert.equal(plain(dff), naive.ffill(words));
    assert.equal(plain(dbf), naive.bfill(words));
  }
});

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] frame verbs: cumsum, shift, ffill, diff of every column line up with the input`, async () => {
    const xs = series(9);
    const ys = series(10).map((v) => (v === null ? null : v / 4));
    const df = fromColumns(new Map<string, unknown[]>([['__proto__', xs], ['y', ys], ['s', xs.map((v) => (v === null ? null : `v${v}`))]]), { npartitions: 6 });
    const opts = { scheduler: scheduler as SchedulerName };
    const [c, sh, ff, d, mixed] = await compute(df.cumsum({ numericOnly: true }), df.shift(2), df.ffill(), df.diff(1, { numericOnly: true }), df.col('y').sub(df.col('y').shift(1)), opts);
    assert.equal(plain(c.getChild('__proto__')!), naive.cum(xs, 'sum'));
    assert.equal(plain(c.getChild('y')!), naive.cum(ys, 'sum'));
    assert.equal(c.schema.fields.map((f) => f.name), ['__proto__', 'y', 's']);
    assert.equal(plain(sh.getChild('s')!), naive.shift(xs.map((v) => (v === null ? null : `v${v}`)), 2));
    assert.equal(plain(ff.getChild('y')!), naive.ffill(ys));
    assert.equal(plain(d.getChild('y')!), plain(mixed));
    assert.equal(d.schema.fields.map((f) => f.name), ['__proto__', 'y', 's']);
  });
}

test('hidden result columns never clash with user columns named like them; explain shows the verb', async () => {
  const df = fromColumns(new Map<string, unknown[]>([['x', [1, 2, 3, 4]], ['cumsum(x)', [10, 20, 30, 40]], ['constructor', [5, null, 7, null]]]), { npartitions: 3 });
  const s = df.col('x').cumsum();
  const [c, both, filled] = await compute(s, df.col('cumsum(x)').add(s), df.col('constructor').ffill(), { scheduler: 'sync' });
  assert.equal(plain(c), [1, 3, 6, 10]);
  assert.equal(plain(both), [11, 23, 36, 50]);
  assert.equal(plain(filled), [5, 5, 7, 7]);
  assert.is(c.length, 4);
  assert.match(s.explain(), /cumsum cumsum\(x\)'=x/);
  const frame = await df.cumsum().toRecords({ scheduler: 'sync' });
  assert.equal(frame.map((r) => r['cumsum(x)']), [10, 30, 60, 100]);
});

test('a filter above cumsum is not pushed below it; errors name the column and the fix', async () => {
  const xs = series(4);
  const df = fromColumns({ x: xs, s: xs.map(String) }, { npartitions: 5 });
  const c = df.assign({ x: df.col('x') }).cumsum({ numericOnly: true });
  const kept = await c.filter(c.col('x').gt(5)).toRecords({ scheduler: 'sync' });
  assert.equal(kept.map((r) => r.x), naive.cum(xs, 'sum').filter((v) => v !== null && v > 5));
  assert.throws(() => df.col('s').cumsum(), /cumsum\(\) needs a numeric column; 's' is Utf8/);
  assert.throws(() => df.cumsum(), /does not apply to s \(Utf8\); select other columns or pass \{numericOnly: true\}/);
  assert.throws(() => df.col('x').shift(1.5), /periods must be an integer; got 1.5/);
  assert.throws(() => df.col('s').diff(), /diff\(\) needs a numeric column/);
});

test.run();
