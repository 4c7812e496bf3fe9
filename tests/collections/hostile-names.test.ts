// Column names are data: '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '' and
// unicode names go through every constructor, reader, reduction, groupby and writer like any other name.
// Object literals cannot hold an own '__proto__' key (it sets the prototype), so names arrive as a Map
// or as JSON.parse output, which is what a user can actually write.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { type AggSpec, type Series, closeExecutors, compute, customAgg, fromColumns, readArrowIpc, readCsv, readParquet, toArrowIpc, toCsv, toParquet, type DataFrame, type SchedulerName } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', 'é 🙂 名前'];
const KEY = 'k';
// Value column i holds (i + 1) * 10 + row; two groups by k: rows 0,2 -> 'a', 1,3 -> 'b'.
const ROWS = 4;
const value = (i: number, r: number): number => (i + 1) * 10 + r;
const columns = new Map<string, unknown[]>([[KEY, ['a', 'b', 'a', 'b']], ...HOSTILE.map((n, i) => [n, Array.from({ length: ROWS }, (_, r) => value(i, r))] as [string, number[]])]);
const sumOf = (i: number, rows: number[] = [0, 1, 2, 3]): number => rows.reduce((s, r) => s + value(i, r), 0);

const dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-'));
test.after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeExecutors();
});

/** Column values by name from a result table, read through the schema (not through object keys). */
function column(t: Table, name: string): unknown[] {
  const i = t.schema.fields.findIndex((f) => f.name === name);
  assert.ok(i >= 0, `column ${JSON.stringify(name)} is missing; have ${JSON.stringify(t.schema.fields.map((f) => f.name))}`);
  return Array.from(t.getChildAt(i)!.toArray() as ArrayLike<unknown>);
}

/** A frame reduction checked against the naive per-name sums: every name present, each an own key. */
function checkRecord(r: Record<string, unknown>, expected: (i: number) => number): void {
  assert.equal(Object.keys(r), HOSTILE, 'every name, in order');
  HOSTILE.forEach((n, i) => {
    assert.ok(Object.hasOwn(r, n), `own key ${JSON.stringify(n)}`);
    assert.is(r[n], expected(i), n);
  });
}

test('constructors take names from a Map and from JSON.parse; fromColumns({__proto__}) keeps the column', async () => {
  const viaJson = fromColumns(JSON.parse(JSON.stringify(Object.fromEntries(columns))) as Record<string, unknown[]>);
  const viaMap = fromColumns(columns, { npartitions: 2 });
  for (const df of [viaJson, viaMap]) {
    assert.equal(df.columns, [KEY, ...HOSTILE]);
    assert.equal(Object.keys(df.dtypes), [KEY, ...HOSTILE]);
    assert.is(df.dtypes['__proto__'], 'Int32');
  }
  // The exact case: sum() of a frame with a '__proto__' column must include it.
  const r = (await fromColumns(JSON.parse('{"__proto__": [1, 2], "x": [3, 4]}')).sum().compute({ scheduler: 'sync' })) as Record<string, unknown>;
  assert.equal(Object.entries(r), [['__proto__', 3], ['x', 7]]);
  assert.throws(() => fromColumns(new Map([['a', [1]], ['b', [1, 2]]])), /same length/);
});

for (const scheduler of SCHEDULERS) {
  const opts = { scheduler: scheduler as SchedulerName, progress: false };
  const df = fromColumns(columns, { npartitions: 3 }).select(HOSTILE);

  test(`[${scheduler}] frame reductions, column reductions and assign keep every name`, async () => {
    const [sums, maxes, mean] = await compute(df.sum(), df.max(), df.col('__proto__').mean(), opts);
    checkRecord(sums as Record<string, unknown>, (i) => sumOf(i));
    checkRecord(maxes as Record<string, unknown>, (i) => value(i, 3));
    assert.is(mean, sumOf(0) / ROWS);
    // assign replaces '__proto__' and adds 'constructor2'; select reorders hostile names.
    const assigned = await df.assign(new Map<string, Series | number>([['__proto__', df.col('constructor').mul(2)], ['constructor2', 1]])).select(['', '__proto__', 'constructor2']).compute(opts);
    assert.equal(assigned.schema.fields.map((f) => f.name), ['', '__proto__', 'constructor2']);
    assert.equal(column(assigned, '__proto__'), [0, 1, 2, 3].map((r) => 2 * value(1, r)));
    assert.equal(column(assigned, ''), [0, 1, 2, 3].map((r) => value(5, r)));
  });

  test(`[${scheduler}] groupby: hostile names as keys, value columns and output names (Map and JSON specs)`, async () => {
    const full = fromColumns(columns, { npartitions: 3 });
    const spec = new Map<string, readonly [string, 'sum' | 'max']>([
      ['__proto__', ['constructor', 'sum']],
      ['toString', ['__proto__', 'max']],
      ['', ['é 🙂 名前', 'sum']],
    ]);
    const byKey = await full.groupby(KEY).agg(spec).compute(opts);
    assert.equal(byKey.schema.fields.map((f) => f.name), [KEY, '__proto__', 'toString', '']);
    assert.equal(column(byKey, KEY), ['a', 'b']);
    // group sums of int32 columns are Int64 (bigint), docs/TYPES.md
    assert.equal(column(byKey, '__proto__'), [sumOf(1, [0, 2]), sumOf(1, [1, 3])].map(BigInt));
    assert.equal(column(byKey, 'toString'), [value(0, 2), value(0, 3)]);
    assert.equal(column(byKey, ''), [sumOf(6, [0, 2]), sumOf(6, [1, 3])].map(BigInt));
    // Whole-frame groupby sum keyed by a hostile name, every other hostile column summed.
    const byProto = await full.select(HOSTILE).groupby('__proto__').sum().compute(opts);
    assert.equal(byProto.schema.fields.map((f) => f.name), HOSTILE);
    assert.equal(column(byProto, 'valueOf'), [0, 1, 2, 3].map((r) => BigInt(value(4, r))));
    // A JSON-parsed spec with an own '__proto__' key, and a custom aggregation named 'constructor'.
    const count = customAgg({ chunk: (v: Float64Array | unknown[]) => v.length, combine: (p: number[]) => p.reduce((s, x) => s + x, 0), finalize: (n: number) => n, type: 'int32' });
    const jsonSpec = JSON.parse('{"__proto__": ["hasOwnProperty", "mean"]}') as AggSpec;
    jsonSpec['constructor'] = ['toString', count]; // an own data property: no setter named constructor
    const viaJson = await full.groupby('valueOf').agg(jsonSpec).compute(opts);
    assert.equal(viaJson.schema.fields.map((f) => f.name), ['valueOf', '__proto__', 'constructor']);
    assert.equal(column(viaJson, '__proto__'), [0, 1, 2, 3].map((r) => value(3, r)));
    assert.equal(column(viaJson, 'constructor'), [1, 1, 1, 1]);
  });

  test(`[${scheduler}] apply: the group key object carries a hostile key name as an own property`, async () => {
    const full = fromColumns(new Map<string, unknown[]>([['__proto__', ['a', 'b', 'a']], ['x', [1, 2, 3]]]), { npartitions: 2 });
    const out = await full
      .groupby('__proto__')
      .apply((g) => ({ own: Object.hasOwn(g.key, '__proto__'), key: String(g.key['__proto__']), n: g.numRows }))
      .compute(opts);
    assert.equal(column(out, 'own'), [true, true]);
    assert.equal(column(out, 'key'), ['a', 'b']);
    assert.equal(column(out, 'n'), [2, 1]);
  });
}

/** Write `df` with each writer, read it back with the matching reader, and compare per name. */
async function roundTrips(df: DataFrame, where: string, scheduler: SchedulerName): Promise<Array<[string, DataFrame]>> {
  const opts = { scheduler, progress: false };
  await toCsv(df, join(where, 'csv'), opts);
  await toParquet(df, join(where, 'parquet'), opts);
  await toArrowIpc(df, join(where, 'ipc'), opts);
  return [
    ['csv', readCsv(join(where, 'csv', '*.csv'))],
    ['parquet', readParquet(join(where, 'parquet'))],
    ['ipc', readArrowIpc(join(where, 'ipc'))],
  ];
}

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] every writer and reader: hostile names survive a round trip, sums per name match`, async () => {
    const df = fromColumns(columns, { npartitions: 2 });
    const where = mkdtempSync(join(dir, `${scheduler}-`));
    for (const [format, back] of await roundTrips(df, where, scheduler as SchedulerName)) {
      // CSV cannot keep an empty header name: like pandas ('Unnamed: 6') the reader names it by position.
      // Parquet and Arrow IPC files keep it, but apache-arrow's IPC decoder returns an empty field name as
      // null ("null" through tableFromIPC): a known gap (docs/RELIABILITY.md), so '' is left out there.
      const names = format === 'csv' ? HOSTILE.map((n, i) => (n === '' ? `column${i + 1}` : n)) : HOSTILE.filter((n) => n !== '');
      if (format === 'csv') assert.equal(back.columns, [KEY, ...names], format);
      else assert.equal(back.columns.filter((c) => c !== '' && c !== null && c !== 'null'), [KEY, ...names], format);
      const sums = (await back.select(names).sum().compute({ scheduler: scheduler as SchedulerName })) as Record<string, unknown>;
      assert.equal(Object.keys(sums), names, format);
      names.forEach((n) => assert.is(sums[n], sumOf(HOSTILE.indexOf(n === `column6` ? '' : n)), `${format} ${n}`));
      const grouped = await back.groupby(KEY).agg(new Map([['__proto__', ['__proto__', 'sum'] as const]])).compute({ scheduler: scheduler as SchedulerName });
      assert.equal(column(grouped, '__proto__'), [sumOf(0, [0, 2]), sumOf(0, [1, 3])].map(BigInt), format); // Int64 group sums
    }
  });
}

test('readCsv: headers named like Object.prototype members, duplicates and an empty name, with dtype by name', async () => {
  const path = join(dir, 'hostile.csv');
  writeFileSync(path, 'constructor,toString,valueOf,hasOwnProperty,__proto__\n1,2,3,4,5\n6,7,8,9,10\n');
  const df = readCsv(path, { dtype: JSON.parse('{"__proto__": "float64", "constructor": "string"}') });
  assert.equal(df.columns, ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']);
  assert.is(df.dtypes['__proto__'], 'Float64');
  assert.is(df.dtypes['constructor'], 'Utf8');
  const r = (await df.select(['toString', 'valueOf', 'hasOwnProperty', '__proto__']).sum().compute({ scheduler: 'sync' })) as Record<string, unknown>;
  assert.equal(Object.entries(r), [['toString', 9], ['valueOf', 11], ['hasOwnProperty', 13], ['__proto__', 15]]);
});

test.run();
