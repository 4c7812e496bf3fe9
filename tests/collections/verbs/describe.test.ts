// describe(): every numeric column on many partitions vs DuckDB (count, avg, stddev_samp, min,
// quantile_cont, max), with nulls, empty and one-row partitions, hostile names; dates; one pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DateDay, Float64, Int32, Table, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import { compute, fromArrow, fromColumns, fromRecordBatches, kernelStats, resetKernelStats, type SchedulerName } from '../../../src/index.ts';
import { SCHEDULERS, assertClose, rng, type Num } from '../../helpers.ts';
import { duckTable } from './duck-oracle.ts';

const STATS = ['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max'];

function column(seed: number, n: number, int: boolean): Num[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => (r() < 0.2 ? null : int ? Math.floor(r() * 100) : (r() - 0.5) * 1e6));
}

async function duckDescribe(cols: Num[][]): Promise<unknown[][]> {
  const q = await duckTable(cols);
  const per = cols.map((_, j) => `count(c${j}), avg(c${j}), stddev_samp(c${j}), min(c${j}), quantile_cont(c${j}, 0.25), quantile_cont(c${j}, 0.5), quantile_cont(c${j}, 0.75), max(c${j})`);
  const row = (await q(`SELECT ${per.join(', ')} FROM t`))[0]!;
  return cols.map((_, j) => row.slice(j * 8, j * 8 + 8).map((v) => (typeof v === 'bigint' ? Number(v) : v)));
}

test('describe of a frame with hostile and unicode column names matches DuckDB on 1, 4, 11 and 50 partitions', async () => {
  const n = 211;
  const names = ['__proto__', 'constructor', 'Δ délai ✈'];
  const values = [column(1, n, true), column(2, n, false), column(3, n, false)];
  const expected = await duckDescribe(values);
  for (const np of [1, 4, 11, 50]) {
    const df = fromColumns(new Map<string, unknown[]>([...names.map((k, j) => [k, values[j]!] as const), ['label', Array.from({ length: n }, (_, i) => `r${i}`)]]), { npartitions: np });
    const t = await df.describe().compute({ scheduler: 'sync' });
    assert.equal(t.schema.fields.map((f) => f.name), ['statistic', ...names], 'text columns are left out');
    assert.equal([...t.getChild('statistic')!], STATS);
    names.forEach((name, j) => STATS.forEach((stat, i) => assertClose(t.getChild(name)!.get(i), expected[j]![i], 1e-9, `${name} ${stat} np=${np}`)));
  }
});

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] Series.describe with custom percentiles, and an empty partition made by fromRecordBatches`, async () => {
    const xs = column(7, 300, false);
    const t = new Table({ x: vectorFromArray(xs, new Float64()) });
    const empty = new Table({ x: vectorFromArray([], new Float64()) });
    const df = fromRecordBatches([empty.batches[0] ?? t.slice(0, 0).batches[0]!, ...fromArrowBatches(t, 3)].filter(Boolean), t.schema);
    const d = await df.col('x').describe({ percentiles: [0.9, 0.05] }).compute({ scheduler: scheduler as SchedulerName });
    assert.equal([...d.getChild('statistic')!], ['count', 'mean', 'std', 'min', '5%', '90%', 'max']);
    const [e] = await duckDescribe([xs]);
    const q = await duckTable([xs]);
    const [[p5, p90]] = (await q('SELECT quantile_cont(c0, 0.05), quantile_cont(c0, 0.9) FROM t')) as number[][];
    const want = [e![0], e![1], e![2], e![3], p5, p90, e![7]];
    want.forEach((w, i) => assertClose(d.getChild('x')!.get(i), w, 1e-9, `row ${i}`));
  });
}

function fromArrowBatches(t: Table, n: number) {
  const size = Math.ceil(t.numRows / n);
  return Array.from({ length: n }, (_, i) => t.slice(i * size, (i + 1) * size).batches[0]!).filter(Boolean);
}

test('dates and timestamps: count, min and max as ISO text; no mean, std or quartiles', async () => {
  const days = [new Date('2024-03-01'), null, new Date('1999-12-31'), new Date('2024-02-29')];
  const stamps = [new Date('2020-01-01T10:00:00.123Z'), new Date('2020-01-01T09:59:59Z'), null, null];
  const t = new Table({ d: vectorFromArray(days, new DateDay()), ts: vectorFromArray(stamps, new TimestampMillisecond()), v: vectorFromArray([1, 2, 3, 4], new Int32()) });
  const got = await fromArrow(t, { npartitions: 3 }).describe().toRecords({ scheduler: 'sync' });
  const byStat = Object.fromEntries(got.map((r) => [r.statistic as string, r]));
  assert.equal([byStat.count!.d, byStat.min!.d, byStat.max!.d], ['3', '1999-12-31T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
  assert.equal([byStat.count!.ts, byStat.min!.ts, byStat.max!.ts], ['2', '2020-01-01T09:59:59.000Z', '2020-01-01T10:00:00.123Z']);
  assert.equal([byStat.mean!.d, byStat['50%']!.ts], [null, null]);
  assert.is(byStat['50%']!.v, 2.5);
});

test('describe: one pass per column per partition; an empty frame; errors name the fix', async () => {
  const df = fromColumns({ a: column(4, 300, true), b: column(5, 300, false) }, { npartitions: 6 });
  resetKernelStats();
  await compute(df.describe(), df.col('a').mean(), df.numRows(), { scheduler: 'sync' });
  // a and b each scanned once per partition, plus numRows' count of a constant (no column scan)
  assert.is(kernelStats.reductionPasses, 2 * 6);
  assert.is(kernelStats.partitionReads, 6);
  const none = await df.filter(df.col('a').gt(1000)).describe().compute({ scheduler: 'sync' });
  assert.equal([none.getChild('a')!.get(0), none.getChild('a')!.get(1), none.getChild('a')!.get(4)], [0, null, null]);
  const text = fromColumns({ s: ['x', 'y'] });
  assert.throws(() => text.describe(), /no numeric, date or timestamp column among s/);
  assert.throws(() => df.describe({ percentiles: [2] }), /between 0 and 1/);
  assert.throws(() => df.describe({ percentile: [0.5] } as never), /percentile/);
  assert.throws(() => text.col('s').describe(), /numeric column/);
});

test('numRows() is len(df): a lazy Scalar, after filters too, 0 for no partitions', async () => {
  const df = fromColumns({ x: column(6, 1000, true) }, { npartitions: 9 });
  const [all, kept] = await compute(df.numRows(), df.filter(df.col('x').gt(50)).numRows(), { scheduler: 'sync' });
  assert.is(all, 1000);
  const xs = column(6, 1000, true);
  assert.is(kept, xs.filter((x) => x !== null && x > 50).length);
  const zero = fromRecordBatches([], new Table({ x: vectorFromArray([], new Utf8()) }).schema);
  assert.is(await zero.numRows().compute({ scheduler: 'sync' }), 0);
});

test.run();
