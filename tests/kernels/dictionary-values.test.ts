// Dictionary columns whose dictionary values are not strings (numbers, bigints, dates, booleans: Parquet
// and IPC files written by other tools carry them) keep their value type and every value when partitions
// are concatenated, whether the partitions share one dictionary or each has its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type DataType, Bool, DateDay, Dictionary, Float64, Int32, Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { concatBatches } from '../../src/kernels/concat.ts';
import { fromRecordBatches } from '../../src/index.ts';

type Case = { name: string; type: () => DataType; parts: unknown[][] };

// Each partition gets its own dictionary (vectorFromArray builds one per call), with entries in a
// different order and some not shared; nulls at the start, middle and end; one partition empty.
const CASES: Case[] = [
  { name: 'int32', type: () => new Int32(), parts: [[7, null, -3, 7], [], [-3, 2147483647, null], [0, -2147483648, 7]] },
  {
    name: 'int64',
    type: () => new Int64(),
    parts: [[null, 2n ** 62n, 5n], [5n, -(2n ** 63n), 2n ** 62n + 1n], [], [1n, null]],
  },
  {
    name: 'float64',
    type: () => new Float64(),
    parts: [[1.5, null, Number.NaN, 1e-300], [-0, 1.5, Infinity], [], [2.5, 0, -Infinity, null, Number.NaN, 1e300]],
  },
  {
    name: 'date32',
    type: () => new DateDay(),
    parts: [[Date.UTC(2020, 0, 1), null], [Date.UTC(1969, 11, 31), Date.UTC(2020, 0, 1)], [Date.UTC(2038, 0, 19), null]],
  },
  { name: 'bool', type: () => new Bool(), parts: [[true, null], [false, true, false], [], [null, true]] },
  { name: 'utf8 (control)', type: () => new Utf8(), parts: [['a', null, 'é'], ['😀', 'a'], [], ['', 'é']] },
];

const dictType = (c: Case) => new Dictionary(c.type(), new Int32());
const batches = (c: Case) => c.parts.map((p) => new Table({ d: vectorFromArray(p as never[], dictType(c)) }).batches[0]!);
// -0 and 0 are different values: compare with Object.is (NaN equals NaN there too).
const same = (a: unknown, b: unknown) => Object.is(a, b);

// The values as the input batches hold them (apache-arrow's own builder folds -0 into 0 within one
// dictionary, so the raw arrays are not quite the input), checked against the raw arrays up to that.
const inputValues = (c: Case) => {
  const values = batches(c).flatMap((b) => [...b.getChild('d')!]);
  assert.equal(values.map(String), c.parts.flat().map(String));
  return values;
};

function check(c: Case, table: Table, how: string): void {
  const want = inputValues(c);
  const col = table.getChild('d')!;
  assert.is(col.length, want.length, `${c.name} ${how}: row count`);
  for (let i = 0; i < want.length; i++) {
    const got = col.get(i);
    assert.ok(same(got, want[i]), `${c.name} ${how}: row ${i} is ${String(got)} (${typeof got}), expected ${String(want[i])} (${typeof want[i]})`);
  }
  for (const b of table.batches) {
    const data = b.getChild('d')!.data[0]!;
    assert.is(String(data.type), String(dictType(c)), `${c.name} ${how}: column type`);
    const dict = data.dictionary!;
    assert.is(String(dict.type), String(c.type()), `${c.name} ${how}: dictionary value type`);
    // A unified dictionary holds each distinct value once (Object.is: -0 and 0 are two entries).
    const entries = [...dict];
    for (let j = 0; j < entries.length; j++) {
      for (let k = j + 1; k < entries.length; k++) assert.ok(!same(entries[j], entries[k]), `${c.name} ${how}: duplicate dictionary entry ${String(entries[j])}`);
    }
  }
}

for (const c of CASES) {
  test(`concatBatches keeps ${c.name} dictionary values (differing dictionaries, nulls, an empty part)`, () => {
    const bs = batches(c);
    check(c, new Table([concatBatches(bs[0]!.schema, bs)]), 'concatBatches');
  });

  test(`concatBatches keeps ${c.name} dictionary values when every part shares one dictionary`, () => {
    const whole = batches({ ...c, parts: [c.parts.flat()] })[0]!;
    const n = whole.numRows;
    const pieces = [whole.slice(0, 2), whole.slice(2, Math.max(2, n - 1)), whole.slice(Math.max(2, n - 1), n)];
    check({ ...c, parts: [c.parts.flat()] }, new Table([concatBatches(whole.schema, pieces)]), 'shared dictionary');
  });

  for (const scheduler of ['sync', 'threads'] as const) {
    test(`${c.name} dictionary through repartition and head of a ${c.parts.length}-partition frame (${scheduler})`, async () => {
      const df = fromRecordBatches(batches(c));
      check(c, await df.repartition({ npartitions: 1 }).compute({ scheduler }), `repartition(1) ${scheduler}`);
      check(c, await df.repartition({ npartitions: 2 }).compute({ scheduler }), `repartition(2) ${scheduler}`);
      const all = c.parts.flat().length;
      check(c, await df.head(all, { scheduler }), `head ${scheduler}`);
    });
  }
}

test.run();
