// A filter whose conjuncts the row-group statistics prove true for every row it would see removes nothing:
// predicate pushdown drops it, so a reduction over the read reaches the page decoder (direct-reduce.ts).
// Every case is checked against DuckDB's answer for the same WHERE, with the filter dropped or kept as the
// statistics allow: only exact integer/boolean bounds with a null count known to be 0 prove anything.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeExecutors, compute, fromColumns, readParquet, toParquet, type DataFrame } from '../../src/index.ts';
import { parquetStats, resetParquetStats } from '../../src/io/parquet/ops.ts';
import { chunkAllMatch, type Term } from '../../src/io/parquet/filters.ts';
import type { ChunkStats } from '../../src/io/parquet/footer.ts';
import { rng } from '../helpers.ts';
import { sql, tmpDir } from '../fixtures/parquet/helpers.ts';

// 4 groups of 1000 rows, one row group each (rowGroupSize 1000), 2 files: k is the group number.
const GROUP = 1000;
const n = 4 * GROUP;
const r = rng(29);
const k = Int32Array.from({ length: n }, (_, i) => Math.floor(i / GROUP));
const kn = Array.from({ length: n }, (_, i) => (i === 3 * GROUP + 17 ? null : Math.floor(i / GROUP))); // a null in group 3
const f = Float64Array.from({ length: n }, (_, i) => 0.5 + Math.floor(i / GROUP));
const s = Array.from({ length: n }, (_, i) => 'abcd'[Math.floor(i / GROUP)]!);
const big = BigInt64Array.from({ length: n }, (_, i) => 2n ** 53n + BigInt(Math.floor(i / GROUP))); // beyond 2^53
const x = Array.from({ length: n }, () => (r() < 0.1 ? null : Math.round((r() * 200 - 100) * 100) / 100));
const dir = tmpDir('filter-proven');
await toParquet(fromColumns({ k, kn, f, s, big, x }, { npartitions: 2 }), dir, { rowGroupSize: GROUP });
const glob = `${dir}/*.parquet`;

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

async function check(name: string, build: (df: DataFrame) => DataFrame, where: string, dropped: boolean): Promise<void> {
  const df = readParquet(glob);
  const q = build(df);
  const plan = q.col('x').mean().explain();
  assert.is(/\bfilter\b/.test(plan.replace(/after filters/g, '')), !dropped, `${name}: the filter is ${dropped ? 'dropped' : 'kept'}\n${plan}`);
  const [want] = await sql(`SELECT avg(x) m, count(x) c, count(*) n FROM '${glob}' WHERE ${where}`);
  for (const scheduler of ['sync', 'threads'] as const) {
    resetParquetStats();
    const [m, c, rows] = await compute(q.col('x').mean(), q.col('x').count(), q.col('k').count(), { scheduler });
    assert.ok(close(m as number, want!.m as number), `${name} (${scheduler}): mean ${m} vs DuckDB ${want!.m}`);
    assert.is(c, Number(want!.c), `${name} (${scheduler}): count(x)`);
    assert.is(rows, Number(want!.n), `${name} (${scheduler}): rows`);
  }
  if (dropped) {
    // the mean alone, on the calling thread (where the counters are): the direct page decoder reduces it
    resetParquetStats();
    await q.col('x').mean().compute({ scheduler: 'sync' });
    assert.ok(parquetStats.reducedDirect > 0, `${name}: reduced straight from the pages`);
  }
}

test('filters proven true for every kept row group are dropped, and the answers match DuckDB', async () => {
  await check('k == 2', (df) => df.filter(df.col('k').eq(2)), 'k = 2', true);
  await check('k >= 1', (df) => df.filter(df.col('k').ge(1)), 'k >= 1', true);
  await check('k < 2 and k > 0', (df) => df.filter(df.col('k').lt(2).and(df.col('k').gt(0))), 'k < 2 AND k > 0', true);
  await check('k != 7 (removes nothing)', (df) => df.filter(df.col('k').ne(7)), 'k <> 7', true);
  await check('k <= 3.5', (df) => df.filter(df.col('k').le(3.5)), 'k <= 3.5', true);
  await check('k >= 0 and k <= 3 (no row group pruned, none removed)', (df) => df.filter(df.col('k').ge(0).and(df.col('k').le(3))), 'k >= 0 AND k <= 3', true);
  // no row group left: the filter goes too (vacuously), and the answer is still empty
  const none = readParquet(glob);
  const q = none.filter(none.col('k').eq(2.5));
  assert.not.match(q.explain(), /\bfilter\b.*2\.5\)/);
  assert.equal(await compute(q.col('x').count(), q.col('k').count(), { scheduler: 'sync' }), [0, 0]);
  await check('k == 2 under a select', (df) => df.select(['k', 'x']).filter(df.col('k').eq(2)), 'k = 2', true);
  await closeExecutors();
});

test('filters the statistics cannot prove stay, and still filter exactly', async () => {
  await check('kn == 3 (a null in the group)', (df) => df.filter(df.col('kn').eq(3)), 'kn = 3', false);
  await check('f == 2.5 (float bounds hide NaN)', (df) => df.filter(df.col('f').eq(2.5)), 'f = 2.5', false);
  await check("s == 'c' (string bounds may be truncated)", (df) => df.filter(df.col('s').eq('c')), "s = 'c'", false);
  await check('big == 2^53 + 2 (beyond exact doubles)', (df) => df.filter(df.col('big').eq(2n ** 53n + 2n)), `big = ${2n ** 53n + 2n}`, false);
  await check('k == 1 or k == 2', (df) => df.filter(df.col('k').eq(1).or(df.col('k').eq(2))), 'k = 1 OR k = 2', false);
  await check('k == 2 and x > 0', (df) => df.filter(df.col('k').eq(2).and(df.col('x').gt(0))), 'k = 2 AND x > 0', false);
  await check('k >= 2 over an assign', (df) => df.assign({ y: df.col('x').mul(2) }).filter(df.col('k').ge(2)), 'k >= 2', false);
  await closeExecutors();
});

test('seeded random files and filters: tessera (filter dropped or kept) gives the count and sum DuckDB gives', async () => {
  // Sorted columns with runs make whole row groups constant (filters proven), nulls at random rates make
  // some unprovable; row-group sizes, files and literals (in range, at the edges, between integers) vary.
  const seed = Number(process.env.TESSERA_PQ_FILTER_SEED ?? 2029);
  const cases = Number(process.env.TESSERA_PQ_FILTER_CASES ?? 24);
  const rand = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const ops = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
  const SQL = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;
  let dropped = 0;
  for (let c = 0; c < cases; c++) {
    const n = int(0, 3000);
    const run = int(1, 400);
    const nullRate = [0, 0, 0.001, 0.05][int(0, 3)]!;
    const a = Int32Array.from({ length: n }, (_, i) => Math.floor(i / run) - 3);
    const b = Array.from({ length: n }, (_, i) => (rand() < nullRate ? null : Math.floor(i / (run * 2)) * 2));
    const v = Float64Array.from({ length: n }, () => Math.round(rand() * 1000) / 10);
    const where = tmpDir(`filter-random-${c}`);
    await toParquet(fromColumns({ a, b, v }, { npartitions: int(1, 3) }), where, { rowGroupSize: int(1, 5) * 100 });
    const terms = Array.from({ length: int(1, 2) }, () => {
      const column = rand() < 0.6 ? 'a' : 'b';
      const hi = Math.max(0, Math.floor(n / run));
      const value = int(-5, hi + 1) + (rand() < 0.15 ? 0.5 : 0);
      return { column, op: ops[int(0, ops.length - 1)]!, value };
    });
    const df = readParquet(`${where}/*.parquet`);
    const pred = terms.map((t) => df.col(t.column)[t.op](t.value)).reduce((x, y) => x.and(y));
    const q = df.filter(pred);
    const text = terms.map((t) => `${t.column} ${SQL[t.op]} ${t.value}`).join(' AND ');
    if (!/\bfilter\b/.test(q.col('v').sum().explain().replace(/after filters/g, ''))) dropped += 1;
    const [got, sum] = await compute(q.col('v').count(), q.col('v').sum(), { scheduler: 'sync' });
    const [want] = await sql(`SELECT count(v) n, coalesce(sum(v), 0) s FROM '${where}/*.parquet' WHERE ${text}`);
    const label = `seed ${seed} case ${c}: n ${n}, run ${run}, nulls ${nullRate}, WHERE ${text}`;
    assert.is(got, Number(want!.n), label);
    assert.ok(close(sum as number, want!.s as number), `${label}: sum ${sum} vs ${want!.s}`);
  }
  if (process.env.TESSERA_PQ_FILTER_CASES) console.log(`dropped ${dropped} of ${cases}`);
  assert.ok(dropped > 0 && dropped < cases, `both paths taken: ${dropped} of ${cases} filters dropped`);
});

test('hive columns: a filter their folder values decide for every file goes; answers match DuckDB', async () => {
  const d = tmpDir('filter-proven-hive');
  const g = Int32Array.from({ length: 3000 }, (_, i) => 2000 + (i % 3));
  const v = Float64Array.from({ length: 3000 }, (_, i) => (i * 7) % 101);
  await toParquet(fromColumns({ g, v }, { npartitions: 2 }), d, { partitionOn: ['g'] });
  const hive = `read_parquet('${d}/**/*.parquet', hive_partitioning = true)`;
  const cases: Array<[string, (df: DataFrame) => DataFrame, string, boolean]> = [
    ['g == 2001', (df) => df.filter(df.col('g').eq(2001)), 'g = 2001', true],
    ['g >= 2001', (df) => df.filter(df.col('g').ge(2001)), 'g >= 2001', true],
    ['g != 2001 (two folders kept, both pass)', (df) => df.filter(df.col('g').ne(2001)), 'g <> 2001', true],
    ['g == 2001 and v > 50', (df) => df.filter(df.col('g').eq(2001).and(df.col('v').gt(50))), 'g = 2001 AND v > 50', false],
  ];
  for (const [name, build, where, dropped] of cases) {
    const q = build(readParquet(d));
    const plan = q.col('v').sum().explain();
    assert.is(/\bfilter\b/.test(plan.replace(/after filters/g, '')), !dropped, `${name}\n${plan}`);
    const [sum, count] = await compute(q.col('v').sum(), q.col('v').count(), { scheduler: 'sync' });
    const [want] = await sql(`SELECT sum(v) s, count(v) n FROM ${hive} WHERE ${where}`);
    assert.ok(close(sum as number, want!.s as number), `${name}: sum ${sum} vs ${want!.s}`);
    assert.is(count, Number(want!.n), name);
  }
});

test('chunkAllMatch: every op, and nothing proven without exact bounds and a null count of 0', () => {
  const st = (min: number | bigint, max: number | bigint, nullCount: number | undefined = 0): ChunkStats => ({ min, max, nullCount });
  const t = (op: Term['op'], ...values: (number | bigint | boolean)[]): Term => ({ column: 'c', op, values });
  const yes: Array<[Term, ChunkStats]> = [
    [t('eq', 5), st(5, 5)], [t('in', 4, 5), st(5, 5)], [t('lt', 6), st(1, 5)], [t('le', 5), st(1, 5)],
    [t('gt', 0), st(1, 5)], [t('ge', 1), st(1, 5)], [t('ne', 6), st(1, 5)], [t('ne', 0), st(1, 5)], [t('notin', 0, 9), st(1, 5)],
    [t('eq', 5n), st(5, 5)], [t('eq', 5), st(5n, 5n)], [t('eq', true), st(1, 1)],
  ];
  const no: Array<[Term, ChunkStats]> = [
    [t('eq', 5), st(4, 5)], [t('in', 4, 6), st(5, 5)], [t('lt', 5), st(1, 5)], [t('le', 4), st(1, 5)],
    [t('gt', 1), st(1, 5)], [t('ge', 2), st(1, 5)], [t('ne', 3), st(1, 5)], [t('notin', 0, 5), st(1, 5)],
    [t('eq', 5), st(5, 5, 1)], [t('eq', 5), { min: 5, max: 5, nullCount: undefined }], [t('eq', 2 ** 53 + 2), st(2 ** 53 + 2, 2 ** 53 + 2)],
    [t('lt', 2n ** 60n), st(1n, 2n ** 60n - 1n)],
  ];
  for (const [term, stats] of yes) assert.ok(chunkAllMatch(term, stats, 'number', true), `${term.op} ${term.values} on [${stats.min}, ${stats.max}]`);
  for (const [term, stats] of no) assert.not.ok(chunkAllMatch(term, stats, 'number', true), `${term.op} ${term.values} on [${stats.min}, ${stats.max}] nulls ${stats.nullCount}`);
  assert.not.ok(chunkAllMatch(t('eq', 5), st(5, 5), 'number', false), 'inexact bounds prove nothing');
  assert.not.ok(chunkAllMatch(t('eq', 5), undefined, 'number', true), 'no statistics prove nothing');
  assert.not.ok(chunkAllMatch(t('eq', 5), { min: undefined, max: 5, nullCount: 0 }, 'number', true));
  assert.not.ok(chunkAllMatch(t('eq', 5), st(5, 5), 'bytes', true), 'byte bounds prove nothing');
});

test.run();
