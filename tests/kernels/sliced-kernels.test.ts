// Kernels called directly on sliced columns (RecordBatch.slice, Data.slice, a slice of a slice): apache-arrow
// advances a slice's fixed-width values, dictionary codes and string offsets to its first row and keeps
// data.offset for bitmaps only (validity, boolean values). The public API copies user slices to offset 0
// (normalizeBatch), so these tests call the kernels themselves. Oracle: apache-arrow's own vector.get(i).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bool, type Data, DateDay, Float16, TimestampMillisecond, Dictionary, Float64, Int32, Int64, RecordBatch, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { sortIndices } from '../../src/kernels/sort.ts';
import { batchToChunk } from '../../src/kernels/array/from-arrow.ts';
import { concatData } from '../../src/kernels/concat.ts';
import { takeData } from '../../src/kernels/take.ts';
import { filterRows } from '../../src/io/parquet/row-filter.ts';
import type { Term, TermValue } from '../../src/io/parquet/filters.ts';

const strs = ['k', 'b', null, 'z', 'a', 'é', 'c', null, 'q', 'm', 'd', 'e'];
const full = new Table({
  i32: vectorFromArray([5, null, 3, 9, 1, null, 7, 2, 8, 4, 6, 0], new Int32()),
  f64: vectorFromArray([0.5, 2.5, null, NaN, -1, 3, null, 1.5, 9, -4, 7, 2], new Float64()),
  i64: vectorFromArray([5n, null, -3n, 2n ** 40n, 1n, null, 7n, 2n, -(2n ** 50n), 4n, 6n, 0n], new Int64()),
  b: vectorFromArray([true, false, null, true, false, true, false, null, true, false, true, false], new Bool()),
  s: vectorFromArray(strs, new Utf8()),
  d: vectorFromArray(strs, new Dictionary(new Utf8(), new Int32())),
  ts: vectorFromArray([5, null, 3, 9, 1, null, 7, 2, 8, 4, 6, 0].map((h) => (h === null ? null : new Date(Date.UTC(2024, 0, 1, h)))), new TimestampMillisecond()),
  dd: vectorFromArray([5, null, 3, 9, 1, null, 7, 2, 8, 4, 6, 0].map((d) => (d === null ? null : new Date(Date.UTC(2024, 0, 1 + d)))), new DateDay()),
}).batches[0]!;
const names = ['i32', 'f64', 'i64', 'b', 's', 'd', 'ts', 'dd'] as const;

/** One column of a batch as a batch of its own (the column's Data kept as it is, offset and all). */
const alone = (name: string, data: Data): RecordBatch => new Table({ [name]: makeVector(data) }).batches[0]!;

/** The sliced batches every test runs on: a batch slice, a Data slice, a slice of a slice, a 1-row slice. */
function slices(name: (typeof names)[number]): Array<{ how: string; batch: RecordBatch }> {
  const d = full.getChild(name)!.data[0]!;
  const out = [
    { how: 'batch.slice(3, 10)', batch: alone(name, full.slice(3, 10).getChild(name)!.data[0]!) },
    { how: 'data.slice(2, 7)', batch: alone(name, d.slice(2, 7)) },
    { how: 'data.slice(1, 11).slice(4, 6)', batch: alone(name, d.slice(1, 11).slice(4, 6)) },
    { how: 'data.slice(11, 1)', batch: alone(name, d.slice(11, 1)) },
  ];
  for (const o of out) assert.ok(o.batch.data.children[0]!.offset > 0, `${name} ${o.how}: the column should be sliced`);
  return out;
}

const rowsOf = (batch: RecordBatch): unknown[] => Array.from({ length: batch.numRows }, (_, i) => batch.getChildAt(0)!.get(i));

/** Ascending, nulls last, NaN above every number, stable: the order sortIndices promises. */
function oracleOrder(vals: unknown[]): number[] {
  const rank = (v: unknown) => (v === null ? 2 : typeof v === 'number' && Number.isNaN(v) ? 1 : 0);
  return vals
    .map((_, i) => i)
    .sort((a, b) => {
      const x = vals[a], y = vals[b];
      const r = rank(x) - rank(y);
      if (r !== 0 || rank(x) !== 0) return r || a - b;
      const p = typeof x === 'boolean' ? Number(x) : x, q = typeof y === 'boolean' ? Number(y) : y;
      return ((p as number) < (q as number) ? -1 : (p as number) > (q as number) ? 1 : 0) || a - b;
    });
}

for (const name of names) {
  test(`sortIndices reads a sliced ${name} column's own rows`, () => {
    for (const { how, batch } of slices(name)) {
      const got = Array.from(sortIndices(batch, { by: [name], ascending: [true], nullsFirst: false }));
      assert.equal(got, oracleOrder(rowsOf(batch)), `${name} ${how}: ${JSON.stringify(rowsOf(batch), (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
    }
  });
}

const terms: Record<(typeof names)[number], { op: Term['op']; values: TermValue[]; js: (v: any) => boolean }> = {
  i32: { op: 'gt', values: [3], js: (v) => v > 3 },
  f64: { op: 'lt', values: [2], js: (v) => v < 2 },
  i64: { op: 'ge', values: [4n], js: (v) => v >= 4n },
  b: { op: 'eq', values: [true], js: (v) => v === true },
  s: { op: 'gt', values: ['c'], js: (v) => v > 'c' },
  d: { op: 'in', values: ['a', 'q', 'z', 'e'], js: (v) => ['a', 'q', 'z', 'e'].includes(v) },
  ts: { op: 'le', values: [Date.UTC(2024, 0, 1, 5)], js: (v) => v <= Date.UTC(2024, 0, 1, 5) },
  dd: { op: 'gt', values: [Date.UTC(2024, 0, 5)], js: (v) => v > Date.UTC(2024, 0, 5) },
};

for (const name of names) {
  test(`parquet filterRows tests a sliced ${name} column's own rows`, () => {
    const { op, values, js } = terms[name];
    for (const { how, batch } of slices(name)) {
      const want = rowsOf(batch).filter((v) => v !== null && js(v));
      const got = rowsOf(filterRows(batch, [[{ column: name, op, values }]]));
      assert.equal(got, want, `${name} ${how}`);
    }
  });
}

for (const name of ['i32', 'f64', 'i64', 'b'] as const) {
  test(`toArray's batchToChunk copies a sliced ${name} column's own rows`, () => {
    for (const { how, batch } of slices(name)) {
      const want = rowsOf(batch).map((v) => (v === null ? NaN : Number(v)));
      const c = batchToChunk(batch, [name], 'float64', 0);
      assert.equal(Array.from({ length: batch.numRows }, (_, i) => Number(c.data[c.offset + i * c.stride[0]!])), want, `${name} ${how}`);
    }
  });
}

test("batchToChunk keeps an integer dtype on a sliced column without nulls (int32, int64)", () => {
  const i32 = makeVector(Int32Array.from([10, 11, 12, 13, 14, 15])).data[0]!.slice(2, 3);
  const c = batchToChunk(alone('x', i32), ['x'], 'int32', 0);
  assert.equal(Array.from(c.data as Int32Array), [12, 13, 14]);
  const i64 = makeVector(BigInt64Array.from([10n, 11n, 12n, 2n ** 60n])).data[0]!.slice(1, 3);
  const c64 = batchToChunk(alone('x', i64), ['x'], 'int64', 0);
  assert.equal(Array.from(c64.data as BigInt64Array), [11n, 12n, 2n ** 60n]);
});

// The kernels that already read by the slice rule (grep of src/kernels and src/io for offset reads), kept so.
for (const name of names) {
  test(`takeData and concatData read sliced ${name} columns' own rows`, () => {
    const [a, b, c, one] = slices(name).map((s) => s.batch);
    const col = (x: RecordBatch) => x.data.children[0]!;
    const got = (d: Data) => Array.from({ length: d.length }, (_, i) => makeVector(d).get(i));
    const rev = (x: RecordBatch) => Int32Array.from({ length: x.numRows }, (_, i) => x.numRows - 1 - i);
    assert.equal(got(takeData(col(a!), rev(a!))), rowsOf(a!).reverse(), `${name} take`);
    assert.equal(got(concatData(col(a!).type, [col(a!), col(c!), col(one!)])), [...rowsOf(a!), ...rowsOf(c!), ...rowsOf(one!)], `${name} concat`);
    assert.equal(got(concatData(col(b!).type, [col(b!)])), rowsOf(b!), `${name} concat of one`);
  });
}


test('batchToChunk reads a sliced float16 column\'s own rows (half floats widened, nulls as NaN)', () => {
  const halves = [0.5, null, -2, 65504, 1.5, null, -0.25, 3, 6.103515625e-5, 1024];
  const d = vectorFromArray(halves, new Float16()).data[0]!;
  for (const [how, data] of [['data.slice(2, 6)', d.slice(2, 6)], ['data.slice(1, 8).slice(3, 4)', d.slice(1, 8).slice(3, 4)], ['data.slice(9, 1)', d.slice(9, 1)]] as const) {
    assert.ok(data.offset > 0, `${how}: the column should be sliced`);
    const batch = alone('h', data);
    const want = rowsOf(batch).map((v) => (v === null ? NaN : Number(v)));
    assert.ok(want.every((v, i) => Number.isNaN(v) || v === halves[data.offset + i]), `${how}: the oracle reads the slice's rows`);
    const c = batchToChunk(batch, ['h'], 'float64', 0);
    assert.equal(Array.from({ length: batch.numRows }, (_, i) => Number(c.data[c.offset + i * c.stride[0]!])), want, how);
  }
});

test.run();
