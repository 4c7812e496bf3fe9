// Fixed-width types with several values per row (FixedSizeBinary, the three Interval units, Decimal) move
// through the row kernels' generic path (concatData's and takeData's fallback): every value of every row,
// at slice offsets, next to empty partitions and all-null pieces, and every buffer sized for its rows
// (an all-null piece of a left join had 1/stride of the bytes its rows need). Hand-worked expected rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Data, type DataType, Decimal, FixedSizeBinary, Int32, IntervalDayTime, IntervalMonthDayNano, IntervalYearMonth, RecordBatch, Schema, Field, Struct, Table, makeData, tableFromIPC, tableToIPC } from 'apache-arrow';
import { closeExecutors, fromColumns, fromRecordBatches } from '../../src/index.ts';
import { concatData } from '../../src/kernels/concat.ts';
import { nullData, takeOrNull } from '../../src/kernels/union-cast.ts';
import { emptyData } from '../../src/kernels/arrow-build.ts';

test.after(() => closeExecutors());

/** Each type, its words per row, and the typed array the words live in. */
const TYPES: Array<{ name: string; type: () => DataType; words: number; Ctor: Uint8ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor }> = [
  { name: 'fsb', type: () => new FixedSizeBinary(3), words: 3, Ctor: Uint8Array },
  { name: 'daytime', type: () => new IntervalDayTime(), words: 2, Ctor: Int32Array },
  { name: 'yearmonth', type: () => new IntervalYearMonth(), words: 1, Ctor: Int32Array },
  { name: 'mdn', type: () => new IntervalMonthDayNano(), words: 4, Ctor: Int32Array },
  { name: 'dec', type: () => new Decimal(2, 30, 128), words: 4, Ctor: Uint32Array },
];

/** Row `key`'s words: key*10 + 1, key*10 + 2, ... (distinct in every word and row). */
const wordsOf = (key: number, words: number) => Array.from({ length: words }, (_, w) => key * 10 + w + 1);

/** A column whose rows are `keys` (null: a null row, its words 0). */
function column(t: (typeof TYPES)[number], keys: ReadonlyArray<number | null>): Data {
  const values = new t.Ctor(keys.length * t.words);
  const bitmap = new Uint8Array(Math.max(1, (keys.length + 7) >> 3));
  keys.forEach((k, i) => {
    if (k === null) return;
    values.set(wordsOf(k, t.words), i * t.words);
    bitmap[i >> 3]! |= 1 << (i & 7);
  });
  const nulls = keys.filter((k) => k === null).length;
  return makeData({ type: t.type(), length: keys.length, nullCount: nulls, nullBitmap: nulls > 0 ? bitmap : undefined, data: values } as never);
}

/** The rows of a column as their words (null rows as null), read from its buffers at its offset. */
function rowsOf(d: Data, words: number): Array<number[] | null> {
  const v = d.values as unknown as ArrayLike<number>;
  // every buffer holds all its rows (an all-null piece too)
  assert.ok(v.length >= d.length * words, `${String(d.type)}: ${v.length} words for ${d.length} rows of ${words}`);
  const out: Array<number[] | null> = [];
  for (let i = 0; i < d.length; i++) {
    const j = d.offset + i;
    const valid = !d.nullBitmap || d.nullCount === 0 || ((d.nullBitmap[j >> 3]! >> (j & 7)) & 1) === 1;
    out.push(valid ? Array.from({ length: words }, (_, w) => v[i * words + w]!) : null);
  }
  return out;
}
const want = (keys: ReadonlyArray<number | null>, words: number) => keys.map((k) => (k === null ? null : wordsOf(k, words)));
const tableRows = (t: Table, name: string, words: number) => t.batches.flatMap((b) => rowsOf(b.getChild(name)!.data[0]!, words));

for (const t of TYPES) {
  test(`${t.name}: concatData of slices, empty and all-null pieces; takeOrNull; every buffer sized for its rows`, () => {
    const a = column(t, [1, null, 3, 4]);
    const b = column(t, [5, 6]);
    const type = a.type;
    const all = concatData(type, [a.slice(1, 3), emptyData(type), nullData(type, 2), b]);
    assert.equal(rowsOf(all, t.words), want([null, 3, 4, null, null, 5, 6], t.words));
    assert.equal(rowsOf(nullData(type, 3), t.words), [null, null, null]);
    assert.equal(rowsOf(takeOrNull(all, Int32Array.of(6, -1, 1, 0)), t.words), want([6, null, 3, null], t.words));
  });

  for (const scheduler of ['sync', 'threads'] as const) {
    test(`${t.name} [${scheduler}]: filter, head, sort, repartition and a left merge with unmatched partitions`, async () => {
      const opts = { scheduler } as const;
      const part = (keys: Array<number | null>, ks: Array<number | null>) => {
        const schema = new Schema([new Field('k', new Int32(), true), new Field('v', t.type(), true)]);
        const k = makeData({ type: new Int32(), length: ks.length, nullCount: 0, data: Int32Array.from(ks, (x) => x ?? 0) });
        return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ks.length, nullCount: 0, children: [k, column(t, keys)] }));
      };
      // v's row for key k is wordsOf(k); row k=3 has a null v
      const df = fromRecordBatches([part([1, 2], [1, 2]), part([], []), part([null, 4, 5], [3, 4, 5])]);
      assert.equal(tableRows(await df.compute(opts), 'v', t.words), want([1, 2, null, 4, 5], t.words));
      assert.equal(tableRows(await df.filter(df.col('k').gt(1)).compute(opts), 'v', t.words), want([2, null, 4, 5], t.words));
      assert.equal(tableRows(await df.head(4, opts), 'v', t.words), want([1, 2, null, 4], t.words));
      assert.equal(tableRows(await df.sortValues('k', { ascending: false }).compute(opts), 'v', t.words), want([5, 4, null, 2, 1], t.words));
      const one = await df.repartition({ npartitions: 1 }).compute(opts);
      assert.equal(tableRows(one, 'v', t.words), want([1, 2, null, 4, 5], t.words));
      // keys [9, 8] match nothing: that partition's v is all null (nullData)
      const merged = fromColumns({ k: [9, 8, 4, 1] }, { npartitions: 2 }).merge(df, { on: 'k', how: 'left', broadcast: true });
      assert.equal(tableRows(await merged.compute(opts), 'v', t.words), want([null, null, 4, 1], t.words));
      const left = await merged.repartition({ npartitions: 1 }).compute(opts);
      assert.equal(tableRows(left, 'v', t.words), want([null, null, 4, 1], t.words));
      // and the result survives an IPC round trip with every value (buffers as long as the rows need)
      const back = tableFromIPC(tableToIPC(left));
      assert.equal(tableRows(back, 'v', t.words), want([null, null, 4, 1], t.words));
    });
  }
}

test.run();
