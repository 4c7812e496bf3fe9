// Cleaning verbs (dropna, fillna, isna/notna, astype, rename, drop, where/mask, clip, isin, between,
// round): each at 1, 4 and 40 partitions (some empty) against plain-loop references written here,
// with nulls, NaN, unicode and hostile column names, and their failure paths.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeExecutors, fromColumns } from '../../../src/index.ts';
import { rejects } from '../../helpers.ts';
import { PARTITIONS, col, frameOf, samePerPartitioning, show } from './verb-helpers.ts';

test.after(() => closeExecutors());

const N = 23;
const X: (number | null)[] = Array.from({ length: N }, (_, i) => (i % 5 === 1 ? null : (i * 7) % 11 - 5));
const F: (number | null)[] = Array.from({ length: N }, (_, i) => (i % 4 === 2 ? null : i % 7 === 3 ? NaN : ((i * 13) % 17) / 4 - 2));
const S: (string | null)[] = Array.from({ length: N }, (_, i) => (i % 6 === 4 ? null : ['a', 'é', '🙂', 'ab', ''][i % 5]!));
const cols = () => new Map<string, unknown[]>([['x', X], ['__proto__', F], ['constructor', S]]);
const frame = (p: number) => fromColumns(cols(), { npartitions: p });

test('dropna: how any/all, subset, thresh match a row loop', async () => {
  const rowsAll = X.map((x, i) => [x, F[i], S[i]] as const);
  const keep = (pred: (r: readonly unknown[]) => boolean) => rowsAll.filter(pred).map((r) => r[0]);
  const nn = (v: unknown) => v !== null;
  assert.equal(col(await samePerPartitioning((p) => frame(p).dropna()), 'x'), keep((r) => r.every(nn)));
  assert.equal(col(await samePerPartitioning((p) => frame(p).dropna({ how: 'all' })), 'x'), keep((r) => r.some(nn)));
  assert.equal(col(await samePerPartitioning((p) => frame(p).dropna({ subset: ['__proto__'] })), 'x'), keep((r) => nn(r[1])));
  assert.equal(col(await samePerPartitioning((p) => frame(p).dropna({ subset: 'constructor', how: 'any' })), 'x'), keep((r) => nn(r[2])));
  for (const thresh of [0, 1, 2, 3]) {
    assert.equal(col(await samePerPartitioning((p) => frame(p).dropna({ thresh })), 'x'), keep((r) => r.filter(nn).length >= thresh), `thresh ${thresh}`);
  }
  // NaN is a value, not missing.
  const kept = await frame(3).dropna({ subset: ['__proto__'] }).col('__proto__').toList();
  assert.ok(kept.some((v) => Number.isNaN(v as number)));
  assert.equal(await frame(2).dropna({ subset: [] }).col('x').toList(), X);
});

test('dropna: options are validated', () => {
  assert.throws(() => frame(1).dropna({ how: 'some' as never }), /how must be 'any' or 'all'/);
  assert.throws(() => frame(1).dropna({ how: 'any', thresh: 1 }), /either \{how\} or \{thresh\}/);
  assert.throws(() => frame(1).dropna({ thresh: 1.5 }), /thresh must be a non-negative integer/);
  assert.throws(() => frame(1).dropna({ subset: ['nope'] }), /no column named 'nope'; the columns are: 'x', '__proto__', 'constructor'/);
  assert.throws(() => frame(1).dropna({ subst: ['x'] } as never), /unknown option 'subst'/);
});

test('fillna: one value for every column it fits, per column, a Series, a lazy Scalar', async () => {
  const nonNull = X.filter((v): v is number => v !== null);
  const mean = nonNull.reduce((a, b) => a + b, 0) / nonNull.length;
  const all = await samePerPartitioning((p) => frame(p).fillna(0));
  assert.equal(col(all, 'x'), X.map((v) => v ?? 0));
  assert.equal(show(col(all, '__proto__')), show(F.map((v) => v ?? 0)), 'NaN stays: it is a value');
  assert.equal(col(all, 'constructor'), S, 'a number does not fill a text column');
  assert.equal(frame(1).fillna(0).dtypes.x, 'Int32', 'an integer fill keeps int32');
  const per = await samePerPartitioning((p) => frame(p).fillna(new Map<string, string | number>([['constructor', 'ø'], ['x', 2.5]])));
  assert.equal(col(per, 'constructor'), S.map((v) => v ?? 'ø'));
  assert.equal(col(per, 'x'), X.map((v) => v ?? 2.5), 'a fraction makes the int column float64, as pandas');
  assert.equal(show(col(per, '__proto__')), show(F), 'columns not named stay as they are');
  // x filled from another column, and from its own mean computed in the same graph.
  const fromOther = await samePerPartitioning((p) => {
    const df = frame(p);
    return df.col('x').fillna(df.col('__proto__'));
  });
  assert.equal(show(col(fromOther, 'x')), show(X.map((v, i) => v ?? F[i])));
  const fromMean = await samePerPartitioning((p) => {
    const x = frame(p).col('x');
    return x.fillna(x.mean());
  });
  col(fromMean, 'x').forEach((v, i) => assert.ok(Math.abs((v as number) - (X[i] ?? mean)) < 1e-12));
  // A lazy Scalar for the whole frame: numeric columns take it, the text column keeps its nulls.
  const byScalar = await samePerPartitioning((p) => {
    const df = frame(p);
    return df.fillna(df.col('x').mean());
  });
  assert.equal(col(byScalar, 'constructor'), S);
  col(byScalar, '__proto__').forEach((v, i) => assert.ok(F[i] === null ? Math.abs((v as number) - mean) < 1e-12 : Object.is(v, F[i]), `row ${i}`));
  col(byScalar, 'x').forEach((v, i) => assert.ok(Math.abs((v as number) - (X[i] ?? mean)) < 1e-12, `row ${i}`));
  assert.throws(() => frame(1).col('x').fillna('text'), /no common type/);
  assert.throws(() => frame(1).fillna({ nope: 1 }), /no column named 'nope'/);
});

test('isna / notna on frames and Series', async () => {
  const r = await samePerPartitioning((p) => frame(p).isna());
  assert.equal(col(r, 'x'), X.map((v) => v === null));
  assert.equal(col(r, '__proto__'), F.map((v) => v === null), 'NaN is not missing');
  const n = await samePerPartitioning((p) => frame(p).notna());
  assert.equal(col(n, 'constructor'), S.map((v) => v !== null));
  assert.equal(await frame(3).col('x').isna().toList(), X.map((v) => v === null));
});

test('astype: allowed conversions give pandas-like values', async () => {
  const df = (p: number) => fromColumns({ i: [1, -2, null, 300], f: [1, 2.5, null, -0.125], big: new BigInt64Array([1n, 2n ** 53n, -3n, 0n]), s: ['1', ' 2 ', null, '-7'], b: [true, false, null, true] }, { npartitions: p });
  const r = await samePerPartitioning((p) => df(p).astype({ i: 'float64', f: 'string', big: 'float64', s: 'int32', b: 'int8' }));
  assert.equal(col(r, 'i'), [1, -2, null, 300]);
  assert.equal(col(r, 'f'), ['1.0', '2.5', null, '-0.125']);
  assert.equal(col(r, 'big'), [1, 2 ** 53, -3, 0]);
  assert.equal(col(r, 's'), [1, 2, null, -7]);
  assert.equal(col(r, 'b'), [1, 0, null, 1]);
  assert.equal(df(1).astype({ i: 'float64', s: 'int32', b: 'int8' }).dtypes, { i: 'Float64', f: 'Float64', big: 'Int64', s: 'Int32', b: 'Int8' });
  const text = await samePerPartitioning((p) => fromColumns({ v: [0.1, 1e16, 1e-5, NaN, -Infinity, 123456789.25, 1e22, -0] }, { npartitions: p }).astype('string'));
  assert.equal(col(text, 'v'), ['0.1', '1e+16', '1e-05', 'nan', '-inf', '123456789.25', '1e+22', '-0.0'], "Python's repr, as pandas astype(str)");
  const cat = fromColumns({ s: ['b', 'a', null, 'b'] }, { npartitions: 2 }).astype({ s: 'category' });
  assert.match(cat.dtypes.s!, /Dictionary/);
  assert.equal(await cat.col('s').toList(), ['b', 'a', null, 'b']);
  assert.equal(await cat.astype({ s: 'string' }).col('s').toList(), ['b', 'a', null, 'b']);
  const ints = await fromColumns({ f: [1, -2, 3e9, null] }, { npartitions: 3 }).astype({ f: 'int64' }).col('f').toList();
  assert.equal(ints, [1, -2, 3e9, null]);
  assert.equal(await fromColumns({ f: [0, 2.5, NaN, null] }).astype('bool').col('f').toList(), [false, true, true, null], 'pandas: NaN is truthy');
});

test('astype: lossy or invalid conversions are errors naming the value and the fix', async () => {
  await rejects(fromColumns({ f: [1, 2.5] }, { npartitions: 2 }).astype({ f: 'int32' }).compute(), /2\.5 \(row 0 of the partition\) has a fraction; int32 would cut it off; round first/);
  await rejects(fromColumns({ f: [1, NaN] }).astype({ f: 'int64' }).compute(), /NaN .* cannot be an integer \(int64\); fill or drop it first/);
  await rejects(fromColumns({ i: [1, 300] }).astype({ i: 'int8' }).compute(), /300 .* is outside int8 \(-128\.\.127\)/);
  await rejects(fromColumns({ i: [1, -1] }).astype({ i: 'uint32' }).compute(), /-1 .* is outside uint32/);
  await rejects(fromColumns({ s: ['1', '1.5'] }).astype({ s: 'int32' }).compute(), /"1\.5" .* is not an integer/);
  await rejects(fromColumns({ s: ['x'] }).astype({ s: 'float64' }).compute(), /"x" .* is not a number/);
  await rejects(fromColumns({ b: new BigInt64Array([2n ** 53n + 1n]) }).astype('float64').compute(), /9007199254740993 .* is not exactly representable as float64/);
  assert.throws(() => fromColumns({ s: ['a'] }).astype({ s: 'bool' }), /cannot make Utf8 into bool; compare instead/);
  assert.throws(() => fromColumns({ s: ['a'] }).astype({ s: 'decimal' }), /unknown dtype "decimal"; known: int8/);
  assert.throws(() => fromColumns({ s: ['a'] }).astype({ t: 'int32' }), /no column named 't'/);
});

test('rename and drop keep order and data; swaps, functions and hostile names work', async () => {
  const r = await samePerPartitioning((p) => frame(p).rename(new Map([['x', 'constructor'], ['constructor', 'x']])));
  assert.equal(Object.keys(r[0]!), ['constructor', '__proto__', 'x']);
  assert.equal(col(r, 'constructor'), X);
  assert.equal(col(r, 'x'), S);
  assert.equal(frame(1).rename((n) => n.toUpperCase()).columns, ['X', '__PROTO__', 'CONSTRUCTOR']);
  assert.equal(frame(1).rename({}).columns, ['x', '__proto__', 'constructor']);
  assert.throws(() => frame(1).rename({ x: 'constructor' }), /two columns would be named 'constructor'/);
  assert.throws(() => frame(1).rename({ nope: 'y' }), /no column named 'nope'/);
  const d = await samePerPartitioning((p) => frame(p).drop(['__proto__']));
  assert.equal(Object.keys(d[0]!), ['x', 'constructor']);
  assert.equal(col(d, 'constructor'), S);
  assert.equal(frame(1).drop('nope', { errors: 'ignore' }).columns, ['x', '__proto__', 'constructor']);
  assert.throws(() => frame(1).drop('nope'), /no column named 'nope'/);
});

test('where / mask / clip / isin / between match plain loops (nulls and NaN as pandas)', async () => {
  const frames = new Map(PARTITIONS.map((p) => [p, frame(p)]));
  const x = (p: number) => frames.get(p)!.col('x');
  const f = (p: number) => frames.get(p)!.col('__proto__');
  const gt = (v: number | null, k: number) => v !== null && v > k;
  assert.equal(col(await samePerPartitioning((p) => x(p).where(x(p).gt(0), -1)), 'x'), X.map((v) => (gt(v, 0) ? v : -1)));
  assert.equal(col(await samePerPartitioning((p) => x(p).where(x(p).gt(0))), 'x'), X.map((v) => (gt(v, 0) ? v : null)));
  assert.equal(col(await samePerPartitioning((p) => x(p).mask(x(p).gt(0), f(p))), 'x'), X.map((v, i) => (gt(v, 0) ? F[i] : v)));
  assert.equal(x(1).where(x(1).gt(0), -1).dtype.toString(), 'Int32');
  const clipped = await samePerPartitioning((p) => f(p).clip(-1, 1.5));
  assert.equal(show(col(clipped, '__proto__')), show(F.map((v) => (v === null ? null : Number.isNaN(v) ? NaN : Math.min(1.5, Math.max(-1, v))))));
  assert.equal(col(await samePerPartitioning((p) => x(p).clip(null, 2)), 'x'), X.map((v) => (v === null ? null : Math.min(2, v))));
  assert.equal(x(1).clip(-1, 2).dtype.toString(), 'Int32', 'integer bounds keep the integer type');
  assert.equal(col(await samePerPartitioning((p) => x(p).isin([0, 5, -3])), 'x'), X.map((v) => v !== null && [0, 5, -3].includes(v)));
  assert.equal(col(await samePerPartitioning((p) => x(p).isin(new Set([1, null]))), 'x'), X.map((v) => v === null || v === 1));
  assert.equal(col(await samePerPartitioning((p) => f(p).isin([NaN])), '__proto__'), F.map((v) => v !== null && Number.isNaN(v)));
  const strs = await samePerPartitioning((p) => frame(p).col('constructor').isin(['é', '']));
  assert.equal(col(strs, 'constructor'), S.map((v) => v === 'é' || v === ''));
  for (const inclusive of ['both', 'neither', 'left', 'right'] as const) {
    const b = await samePerPartitioning((p) => x(p).between(-2, 3, { inclusive }));
    const lo = inclusive === 'both' || inclusive === 'left';
    const hi = inclusive === 'both' || inclusive === 'right';
    assert.equal(col(b, 'x'), X.map((v) => v !== null && (lo ? v >= -2 : v > -2) && (hi ? v <= 3 : v < 3)), inclusive);
  }
  assert.throws(() => x(1).clip('a' as never, 2), /no common type|cannot compare/);
  assert.throws(() => frame(1).col('constructor').clip(0, 1), /clip\(\) needs numbers or dates/);
  assert.throws(() => x(1).isin('abc' as never), /expected an array/);
  assert.throws(() => x(1).isin(['a']), /"a" cannot equal a value of Int32/);
  assert.throws(() => x(1).where(x(1), 0), /condition must be a boolean Series/);
  assert.throws(() => x(1).between(0, 1, { inclusive: 'all' as never }), /inclusive must be/);
});

test('round: half to even like numpy; integers stay integers; frame round per column', async () => {
  const vals = [0.5, 1.5, 2.5, -0.5, -2.5, 2.675, 1.25, NaN, null, 1e300, -Infinity];
  const r = await samePerPartitioning((p) => fromColumns({ v: vals }, { npartitions: p }).col('v').round(0));
  assert.equal(show(col(r, 'v')), show([0, 2, 2, -0, -2, 3, 1, NaN, null, 1e300, -Infinity]));
  const r1 = await fromColumns({ v: vals }).col('v').round(1).toList();
  assert.equal(show(r1.slice(5, 7)), show([2.7, 1.2]), '2.675 -> 2.7 (2.675*10 = 26.75 -> 27? numpy: 2.7); 1.25 -> 1.2 (half to even)');
  const ints = await samePerPartitioning((p) => fromColumns({ i: [15, 25, -15, 14, null, 2147483600, 2147483645] }, { npartitions: p }).col('i').round(-1));
  assert.equal(col(ints, 'i'), [20, 20, -20, 10, null, 2147483600, 2147483640]);
  await rejects(fromColumns({ i: [2147483646] }).col('i').round(-1).compute(), /rounds to 2147483650, outside Int32/);
  const byCol = await fromColumns({ a: [1.234], b: [5.678], s: ['x'] }).round({ a: 1 }).toRecords();
  assert.equal(byCol, [{ a: 1.2, b: 5.678, s: 'x' }].map((o) => Object.assign(Object.create(null), o)));
  assert.throws(() => fromColumns({ a: [1] }).col('a').round(0.5), /decimals must be an integer/);
});

test('verbs run the same on the threads scheduler (plans ship to workers; strings, dates and map cover processes)', async () => {
  for (const scheduler of ['threads'] as const) {
    const df = frameOf(cols(), 4);
    const build = () => df.assign({ c: df.col('x').clip(-1, 1), w: df.col('x').where(df.col('__proto__').gt(0)) }).dropna({ thresh: 2 }).fillna(new Map([['x', 0]])).astype({ x: 'float64' });
    const out = await build().compute({ scheduler });
    const ref = await build().compute({ scheduler: 'sync' });
    assert.equal(show([...out].map((r) => r.toJSON())), show([...ref].map((r) => r.toJSON())), scheduler);
  }
});

test.run();
