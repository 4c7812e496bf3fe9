// select / assign / filter / head / persist / explain against hand-worked cases and naive loops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, fromColumns, type SchedulerName } from '../../src/index.ts';
import { SCHEDULERS, rng, type Num } from '../helpers.ts';

const rows = (t: { toArray(): Array<{ toJSON(): Record<string, unknown> }> }) => t.toArray().map((r) => ({ ...r.toJSON() }));

for (const scheduler of SCHEDULERS) {
  const opts = { scheduler: scheduler as SchedulerName };

  test(`[${scheduler}] element-wise arithmetic and comparisons match a naive loop, nulls propagate`, async () => {
    const r = rng(5);
    const a: Num[] = Array.from({ length: 101 }, () => (r() < 0.15 ? null : Math.round((r() - 0.5) * 100)));
    const b: Num[] = Array.from({ length: 101 }, () => (r() < 0.15 ? null : (r() - 0.5) * 10));
    const df = fromColumns({ a, b }, { npartitions: 6 });
    const A = df.col('a');
    const B = df.col('b');
    const exprs = {
      add: [A.add(B), (x: number, y: number) => x + y],
      sub: [A.sub(2), (x: number) => x - 2],
      mul: [A.mul(B), (x: number, y: number) => x * y],
      div: [A.div(B), (x: number, y: number) => x / y],
      neg: [A.neg(), (x: number) => -x],
      abs: [B.abs(), (_: number, y: number) => Math.abs(y)],
      gt: [A.gt(B), (x: number, y: number) => x > y],
      ge: [A.ge(0), (x: number) => x >= 0],
      lt: [A.lt(B), (x: number, y: number) => x < y],
      le: [B.le(1.5), (_: number, y: number) => y <= 1.5],
      eq: [A.eq(3), (x: number) => x === 3],
      ne: [A.ne(B), (x: number, y: number) => x !== y],
    } as const;
    const names = Object.keys(exprs) as Array<keyof typeof exprs>;
    const out = await df.assign(Object.fromEntries(names.map((n) => [n, exprs[n][0]]))).compute(opts);
    for (const n of names) {
      const f = exprs[n][1] as (x: number, y: number) => unknown;
      const uses = n === 'sub' || n === 'neg' || n === 'ge' || n === 'eq' ? 'a' : n === 'abs' || n === 'le' ? 'b' : 'ab';
      const got = out.getChild(n)!.toArray() as ArrayLike<unknown>;
      const valid = out.getChild(n)!;
      for (let i = 0; i < a.length; i++) {
        const missing = (uses.includes('a') && a[i] === null) || (uses.includes('b') && b[i] === null);
        if (missing) assert.is(valid.get(i), null, `${n} row ${i} should be null`);
        else {
          const want = f(a[i] as number, b[i] as number);
          const have = typeof want === 'boolean' ? valid.get(i) : got[i];
          if (typeof want === 'number' && Number.isNaN(want)) assert.ok(Number.isNaN(have as number));
          else assert.is(have, want, `${n} row ${i}`);
        }
      }
    }
  });

  test(`[${scheduler}] filter keeps rows where the condition is true; null counts as false; three-valued and/or`, async () => {
    const df = fromColumns({ x: [1, 5, null, 70, 61, 3], c: [false, true, false, null, false, true] }, { npartitions: 4 });
    const big = await df.filter(df.col('x').gt(60)).compute(opts);
    assert.equal(rows(big), [{ x: 70, c: null }, { x: 61, c: false }]);
    const both = await df.filter(df.col('x').gt(60).and(df.col('c').not())).compute(opts);
    assert.equal(rows(both), [{ x: 61, c: false }]);
    // true OR null = true (row 3); null OR false = null, dropped (row 2)
    const either = await df.filter(df.col('x').gt(2).or(df.col('c'))).compute(opts);
    assert.equal([...either.getChild('x')!.toArray()], [5, 70, 61, 3]);
    // null AND false = false and false AND null = false are known, so not(...) keeps rows 2 and 3
    const notBoth = await df.filter(df.col('x').lt(2).and(df.col('c')).not()).compute(opts);
    assert.equal(notBoth.getChild('x')!.toJSON(), [1, 5, null, 70, 61, 3]);
    // true AND null = null: not(null) = null, dropped
    const unknown = await df.filter(df.col('x').gt(60).and(df.col('c')).not()).compute(opts);
    assert.equal(unknown.getChild('x')!.toJSON(), [1, 5, null, 61, 3]);
    const nulls = await df.filter(df.col('x').isNull()).compute(opts);
    assert.is(nulls.numRows, 1);
    const none = await df.filter(df.col('x').gt(1000)).compute(opts);
    assert.is(none.numRows, 0);
    assert.equal(none.schema.fields.map((f) => f.name), ['x', 'c']);
  });

  test(`[${scheduler}] strings: unicode equality and ordering by code point, assign of literals`, async () => {
    const df = fromColumns({ s: ['α', 'b', 'Ω', 'a', null, '😀', 'b'] }, { npartitions: 3 });
    const eq = await df.filter(df.col('s').eq('b')).compute(opts);
    assert.is(eq.numRows, 2);
    const gt = await df.filter(df.col('s').gt('b')).compute(opts);
    assert.equal(gt.getChild('s')!.toArray(), ['α', 'Ω', '😀']);
    const lit = await df.assign({ one: 1, tag: 'é', flag: true }).select(['tag', 'one', 'flag']).head(2, opts);
    assert.equal(rows(lit), [{ tag: 'é', one: 1, flag: true }, { tag: 'é', one: 1, flag: true }]);
  });

  test(`[${scheduler}] head reads across partition boundaries and only as far as needed`, async () => {
    const df = fromColumns({ x: Array.from({ length: 10 }, (_, i) => i) }, { npartitions: 5 });
    const h = await df.head(5, opts);
    assert.equal(h.getChild('x')!.toArray(), new Int32Array([0, 1, 2, 3, 4]));
    assert.is((await df.head(0, opts)).numRows, 0);
    assert.is((await df.head(100, opts)).numRows, 10);
    const f = await df.filter(df.col('x').gt(6)).head(2, opts);
    assert.equal(f.getChild('x')!.toArray(), new Int32Array([7, 8]));
  });

  test(`[${scheduler}] persist computes once and later work starts from memory`, async () => {
    const df = fromColumns({ x: [1, 2, 3, 4, 5, 6] }, { npartitions: 3 });
    const p = await df.assign({ y: df.col('x').mul(10) }).persist(opts);
    assert.is(p.npartitions, 3);
    assert.match(p.explain(), /persisted: 6 rows in memory/);
    assert.equal(await compute(p.col('y').sum(), p.col('x').max(), opts), [210, 6]);
  });

  test(`[${scheduler}] persist({to}) spills partitions to Arrow IPC files and continues from them`, async () => {
    const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync(`${(await import('node:os')).tmpdir()}/tessera-persist-`);
    const df = fromColumns({ x: [1, 2, 3, 4, 5, 6], s: ['a', 'b', null, 'd', 'é', 'f'] }, { npartitions: 3 });
    const p = await df.filter(df.col('x').gt(1)).persist({ ...opts, to: dir });
    assert.equal(readdirSync(dir).sort(), ['_tessera.json', 'part-0.arrow', 'part-1.arrow', 'part-2.arrow']);
    assert.is(p.npartitions, 3);
    assert.equal(await compute(p.col('x').sum(), p.col('s').count(), opts), [20, 4]);
    rmSync(dir, { recursive: true });
  });

  test(`[${scheduler}] a Series of the parent frame lines up with a filtered/assigned child (index alignment)`, async () => {
    const df = fromColumns({ a: [1, 2, 3, 4] }, { npartitions: 2 });
    const child = df.filter(df.col('a').gt(1));
    const out = await child.assign({ b: df.col('a').mul(2) }).compute(opts);
    assert.equal(rows(out), [{ a: 2, b: 4 }, { a: 3, b: 6 }, { a: 4, b: 8 }]);
    assert.throws(() => df.assign({ b: child.col('a') }), /different DataFrame whose rows do not line up/);
  });

  test(`[${scheduler}] Series compute gives a Vector; DataFrame compute gives a Table with the schema even when empty`, async () => {
    const df = fromColumns({ a: [1.5, null, 3] }, { npartitions: 2 });
    const v = await df.col('a').mul(2).rename('twice').compute(opts);
    assert.equal(v.toJSON(), [3, null, 6]);
    const t = await df.filter(df.col('a').gt(100)).compute(opts);
    assert.is(t.numRows, 0);
    assert.equal(t.schema.fields.map((f) => String(f.type)), ['Float64']);
  });
}

test('schema is known when building: bad names and types fail at once, naming what exists', () => {
  const df = fromColumns({ a: [1, 2], s: ['x', 'y'] });
  assert.equal(df.columns, ['a', 's']);
  assert.equal(df.dtypes, { a: 'Int32', s: 'Utf8' });
  assert.throws(() => df.col('nope'), /no column named 'nope'; the columns are: 'a', 's'/);
  assert.throws(() => df.select(['a', 'zz']), /no column named 'zz'/);
  assert.throws(() => df.select(['a', 'a']), /selected twice/);
  assert.throws(() => df.col('s').add(1), /add needs numbers, got Utf8 and Float64/);
  assert.throws(() => df.col('a').gt('x'), /cannot compare Int32 with Utf8/);
  assert.throws(() => df.filter(df.col('a')), /filter needs a boolean condition/);
  assert.throws(() => df.col('a').and(df.col('a')), /and needs booleans/);
  assert.throws(() => fromColumns({ a: [1], b: [1, 2] }), /same length; got a: 1, b: 2/);
  assert.throws(() => fromColumns({ a: [1, 'x'] }), /column 'a' mixes number and string values \(row 1: x\)/);
  assert.throws(() => fromColumns({ a: [1] }, { npartitions: 0 }), /npartitions must be a positive integer/);
  assert.throws(() => df.head(-1), /non-negative integer/);
});

test('explain prints the optimised plan and the task count, with projection pushed into the source', () => {
  const df = fromColumns({ a: [1, 2, 3], b: [4, 5, 6], c: ['x', 'y', 'z'] }, { npartitions: 3 });
  const text = df.filter(df.col('a').gt(1)).col('b').sum().explain();
  assert.match(text, /reduce sum\(b\)/);
  assert.match(text, /filter gt\(a, 1\)/);
  assert.match(text, /columns=\[a, b\]/);
  assert.match(text, /tasks: \d+/);
});

test('compute passes non-collections through and accepts a trailing options object', async () => {
  const df = fromColumns({ a: [1, 2, 3] });
  assert.equal(await compute(df.col('a').sum(), 42, 'x', { scheduler: 'sync' }), [6, 42, 'x']);
  assert.equal(await compute(), []);
  await compute(df.col('a').sum(), { scheduler: 'gpu' as SchedulerName }).then(
    () => assert.unreachable(),
    (e) => assert.match(e.message, /scheduler must be one of 'sync', 'threads', 'processes', 'distributed'; got "gpu"/),
  );
});

test.run();
