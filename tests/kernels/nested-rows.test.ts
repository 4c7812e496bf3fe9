// Binary, List<…> and Struct<…> columns (as Parquet and IPC files carry them) go through every verb that
// moves rows (filter, head, sort, repartition, merge, shift/ffill) with their values and nulls (inside the
// nested values and at the parent), over partitions that include an empty one, on sync and threads.
// Expected rows are written out by hand. FixedSizeList, Map and Union are refused with the column's name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type DataType, Binary, DenseUnion, Field, FixedSizeList, Int32, Int8, List, Map_, RecordBatch, Struct, Table, Utf8, makeData, vectorFromArray,
} from 'apache-arrow';
import { closeExecutors, fromArrow, fromColumns, fromRecordBatches } from '../../src/index.ts';
import { concatBatches } from '../../src/kernels/concat.ts';
import { takeBatch } from '../../src/kernels/take.ts';

test.after(() => closeExecutors());

const listOf = (t: DataType) => new List(new Field('item', t, true));
const TYPES = {
  k: new Int32(),
  b: new Binary(),
  l: listOf(new Utf8()),
  s: new Struct([new Field('a', new Int32(), true), new Field('t', listOf(new Int32()), true)]),
};

const u8 = (...x: number[]) => new Uint8Array(x);
// r0..r7; the row comments are the names the expected results use.
const ROWS = [
  { k: 3, b: u8(1, 2), l: ['a', 'é'], s: { a: 1, t: [1] } }, // r0
  { k: 1, b: null, l: null, s: null }, // r1
  { k: 2, b: u8(), l: [], s: { a: null, t: [] } }, // r2
  { k: null, b: u8(255), l: ['😀', null], s: { a: 4, t: null } }, // r3
  { k: 5, b: u8(9, 9, 9), l: ['x'], s: { a: 5, t: [5, null] } }, // r4
  { k: 4, b: u8(7), l: ['日本', '語', '!'], s: { a: 6, t: [6, 6] } }, // r5
  { k: 7, b: u8(0), l: [''], s: { a: 7, t: [7] } }, // r6
  { k: 6, b: u8(200, 201), l: null, s: { a: null, t: null } }, // r7
];
const r = (i: number) => plain(ROWS[i]);
const NULL_ROW = { k: null, b: null, l: null, s: null };

function batchOf(rows: ReadonlyArray<(typeof ROWS)[number]>): RecordBatch {
  const cols = Object.fromEntries(Object.entries(TYPES).map(([name, type]) => [name, vectorFromArray(rows.map((x) => x[name as keyof typeof x]) as never[], type as never)]));
  const t = new Table(cols);
  return t.batches[0] ?? new RecordBatch(t.schema, makeData({ type: new Struct(t.schema.fields), length: 0, nullCount: 0, children: t.schema.fields.map((f) => makeData({ type: f.type as never, length: 0 } as never)) }));
}

/** Partitions [r0 r1 r2] [] [r3 r4 r5] [r6 r7]: one empty, one ragged. */
const partitions = () => [batchOf(ROWS.slice(0, 3)), batchOf([]), batchOf(ROWS.slice(3, 6)), batchOf(ROWS.slice(6))];
const frame = () => fromRecordBatches(partitions());

/** Any value as plain JSON-like data: bytes and lists as arrays, structs as objects, nulls kept at every depth. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const o = v as { [Symbol.iterator]?: unknown; toJSON?: () => unknown; type?: unknown };
    if (o.type !== undefined && typeof o[Symbol.iterator] === 'function') return [...(v as Iterable<unknown>)].map(plain); // a list's Vector
    const obj = typeof o.toJSON === 'function' ? (o.toJSON() as Record<string, unknown>) : (v as Record<string, unknown>);
    return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

const rowsOf = (t: Table | RecordBatch): unknown[] => {
  const table = t instanceof Table ? t : new Table([t]);
  return table.toArray().map((row) => plain(row));
};

test('the data is what the rows say (the test reads its own input back)', () => {
  assert.equal(rowsOf(new Table(partitions())), ROWS.map((_, i) => r(i)));
});

for (const scheduler of ['sync', 'threads'] as const) {
  const opts = { scheduler } as const;

  test(`[${scheduler}] filter, head, sort and repartition carry Binary, List<Utf8> and Struct<Int32, List<Int32>> columns`, async () => {
    const df = frame();
    assert.equal(rowsOf(await df.filter(df.col('k').gt(2)).compute(opts)), [r(0), r(4), r(5), r(6), r(7)], 'filter k > 2');
    assert.equal(rowsOf(await df.filter(df.col('k').lt(0)).compute(opts)), [], 'filter keeping nothing');
    assert.equal(rowsOf(await df.head(5, opts)), [r(0), r(1), r(2), r(3), r(4)], 'head(5) across the empty partition');
    assert.equal(rowsOf(await df.sortValues('k').compute(opts)), [r(1), r(2), r(0), r(5), r(4), r(7), r(6), r(3)], 'sort by k, null last');
    assert.equal(rowsOf(await df.sortValues('k', { ascending: false }).compute(opts)), [r(6), r(7), r(4), r(5), r(0), r(2), r(1), r(3)], 'sort by k descending');
    for (const n of [1, 3]) assert.equal(rowsOf(await df.repartition({ npartitions: n }).compute(opts)), ROWS.map((_, i) => r(i)), `repartition(${n})`);
  });

  test(`[${scheduler}] merge: nested columns on the right of a left join (null rows where no match), on the left of an inner join, broadcast and shuffled`, async () => {
    const keys = fromColumns({ k: [4, 100, 3, 1], tag: ['four', 'hundred', 'three', 'one'] }, { npartitions: 2 });
    const byK = (rows: unknown[]) => (rows as Array<{ k: number | null }>).sort((x, y) => (x.k ?? Infinity) - (y.k ?? Infinity));
    for (const broadcast of [true, false]) {
      const left = byK(rowsOf(await keys.merge(frame(), { on: 'k', how: 'left', broadcast }).compute(opts)));
      assert.equal(left, [
        { k: 1, tag: 'one', b: null, l: null, s: null },
        { k: 3, tag: 'three', b: [1, 2], l: ['a', 'é'], s: { a: 1, t: [1] } },
        { k: 4, tag: 'four', b: [7], l: ['日本', '語', '!'], s: { a: 6, t: [6, 6] } },
        { k: 100, tag: 'hundred', b: null, l: null, s: null },
      ], `left join, broadcast ${broadcast}`);
      const inner = byK(rowsOf(await frame().merge(keys, { on: 'k', how: 'inner', broadcast }).compute(opts)));
      assert.equal(inner, [
        { k: 1, b: null, l: null, s: null, tag: 'one' },
        { k: 3, b: [1, 2], l: ['a', 'é'], s: { a: 1, t: [1] }, tag: 'three' },
        { k: 4, b: [7], l: ['日本', '語', '!'], s: { a: 6, t: [6, 6] }, tag: 'four' },
      ], `inner join, broadcast ${broadcast}`);
    }
    const outer = byK(rowsOf(await frame().merge(keys, { on: 'k', how: 'outer', broadcast: false }).compute(opts)));
    assert.equal(outer, [
      { k: 1, b: null, l: null, s: null, tag: 'one' },
      { k: 2, b: [], l: [], s: { a: null, t: [] }, tag: null },
      { k: 3, b: [1, 2], l: ['a', 'é'], s: { a: 1, t: [1] }, tag: 'three' },
      { k: 4, b: [7], l: ['日本', '語', '!'], s: { a: 6, t: [6, 6] }, tag: 'four' },
      { k: 5, b: [9, 9, 9], l: ['x'], s: { a: 5, t: [5, null] }, tag: null },
      { k: 6, b: [200, 201], l: null, s: { a: null, t: null }, tag: null },
      { k: 7, b: [0], l: [''], s: { a: 7, t: [7] }, tag: null },
      { k: 100, b: null, l: null, s: null, tag: 'hundred' },
      { k: null, b: [255], l: ['😀', null], s: { a: 4, t: null }, tag: null },
    ], 'outer join (shuffled): right-only rows get null nested columns');
  });

  test(`[${scheduler}] shift and ffill move nested values across partitions (and the empty one)`, async () => {
    const df = frame();
    assert.equal(rowsOf(await df.shift(1).compute(opts)), [NULL_ROW, r(0), r(1), r(2), r(3), r(4), r(5), r(6)], 'shift(1)');
    assert.equal(rowsOf(await df.shift(-2).compute(opts)), [r(2), r(3), r(4), r(5), r(6), r(7), NULL_ROW, NULL_ROW], 'shift(-2)');
    // ffill per column: r1's nulls take r0's values; r7's null list takes r6's.
    const filled = rowsOf(await df.ffill().compute(opts));
    assert.equal(filled, [
      r(0),
      { k: 1, b: [1, 2], l: ['a', 'é'], s: { a: 1, t: [1] } },
      r(2),
      { k: 2, b: [255], l: ['😀', null], s: { a: 4, t: null } },
      r(4), r(5), r(6),
      { k: 6, b: [200, 201], l: [''], s: { a: null, t: null } },
    ], 'ffill');
  });
}

test('concat and take of slices at odd offsets (a List child and Struct children sliced with their parent)', () => {
  const whole = batchOf(ROWS);
  const c = concatBatches(whole.schema, [whole.slice(1, 4), whole.slice(0, 0), whole.slice(5, 8)]  /* slice(begin, end) */);
  assert.equal(rowsOf(c), [r(1), r(2), r(3), r(5), r(6), r(7)]);
  assert.equal(rowsOf(takeBatch(whole.slice(3, 8), Int32Array.of(4, 0, 2, 2, 1))), [r(7), r(3), r(5), r(5), r(4)]);
  assert.equal(rowsOf(takeBatch(c, Int32Array.of())), []);
  // a List column whose items are Struct (List<Struct<a, t>>), nulls at both levels
  const ls = vectorFromArray([[{ a: 1, t: [1] }, null], null, [], [{ a: null, t: [2, null] }]], listOf(TYPES.s) as never);
  const b = new Table({ ls }).batches[0]!;
  const back = concatBatches(b.schema, [takeBatch(b, Int32Array.of(3, 1)), b.slice(0, 1)]);
  assert.equal(rowsOf(back), [{ ls: [{ a: null, t: [2, null] }] }, { ls: null }, { ls: [{ a: 1, t: [1] }, null] }]);
});

test('FixedSizeList, Map and Union columns: a clear error naming the column, its type and what is supported', async () => {
  const fsl = vectorFromArray([[1, 2], [3, 4], null], new FixedSizeList(2, new Field('item', new Int32(), true)));
  const map = vectorFromArray([new Map([['a', 1]]), new Map(), null], new Map_(new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)])) as never));
  const unionType = new DenseUnion([0, 1], [new Field('i', new Int32(), true), new Field('s', new Utf8(), true)]);
  const union = makeData({
    type: unionType, length: 3, nullCount: 0,
    typeIds: Int8Array.of(0, 1, 0), valueOffsets: Int32Array.of(0, 0, 1),
    children: [vectorFromArray([7, 8], new Int32()).data[0]!, vectorFromArray(['u'], new Utf8()).data[0]!],
  } as never);
  const cases: Array<[string, () => RecordBatch, RegExp]> = [
    ['fsl', () => new Table({ k: vectorFromArray([1, 2, 3], new Int32()), fsl }).batches[0]!, /column 'fsl' has type FixedSizeList\[2\]<Int32>/],
    ['m', () => new Table({ k: vectorFromArray([1, 2, 3], new Int32()), m: map }).batches[0]!, /column 'm' has type Map<.*>/],
    ['u', () => new RecordBatch({ k: vectorFromArray([1, 2, 3], new Int32()).data[0]!, u: union }), /column 'u' has type Union<Int32 \| Utf8>/],
  ];
  for (const [name, make, named] of cases) {
    const batch = make();
    for (const [what, run] of [
      ['take', () => takeBatch(batch, Int32Array.of(0))],
      ['concat', () => concatBatches(batch.schema, [batch, batch])],
    ] as const) {
      let err: Error | null = null;
      try {
        run();
      } catch (e) {
        err = e as Error;
      }
      assert.ok(err, `${name} ${what} must fail`);
      assert.match(err!.message, named, err!.message);
      assert.match(err!.message, /not supported .*; supported: .*List and Struct/, err!.message);
    }
    // through a frame: the verb fails with the same message, not deeper in a kernel
    const err = await fromRecordBatches([batch, batch]).repartition({ npartitions: 1 }).compute({ scheduler: 'sync' }).then(() => null, (e: Error) => e);
    assert.ok(err, `${name}: repartition must fail`);
    assert.match(err!.message, named, err!.message);
  }
  // a type nested inside a supported one is named too
  const nested = new Table({ l: vectorFromArray([[[1, 2]], null], listOf(new FixedSizeList(2, new Field('item', new Int32(), true))) as never) }).batches[0]!;
  assert.throws(() => takeBatch(nested, Int32Array.of(1)), /column 'l' has type List<FixedSizeList\[2\]<Int32>> \(it holds FixedSizeList\[2\]<Int32>\)/);
  assert.throws(() => fromArrow(new Table([nested]), { npartitions: 2 }), /column 'l'/);
});

test.run();
