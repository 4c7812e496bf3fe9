// Gathering and concatenating columns: every type keeps its values and nulls; dictionary columns whose
// partitions carry different dictionaries are unified by value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bool, Dictionary, Float16, Float32, Float64, Int16, Int32, Int64, Int8, Table, Uint16, Uint32, Uint64, Uint8, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { concatBatches } from '../../src/kernels/concat.ts';
import { compute, fromArrow, fromRecordBatches, toRecords } from '../../src/index.ts';
import { maskToIndices, takeBatch } from '../../src/kernels/take.ts';
import { scatterFixed, scatterable } from '../../src/kernels/scatter.ts';

import type { Vector } from 'apache-arrow';
const batchOf = (cols: Record<string, Vector<any>>) => new Table(cols).batches[0]!;

test('take keeps values and nulls of every type, in the given order', () => {
  const b = batchOf({
    f: vectorFromArray([1.5, null, 3.5, 4.5], new Float64()),
    i: vectorFromArray([1, 2, null, 4], new Int32()),
    b: vectorFromArray([true, null, false, true], new Bool()),
    s: vectorFromArray(['a', 'é', null, '😀'], new Utf8()),
    d: vectorFromArray(['x', 'y', 'x', null], new Dictionary(new Utf8(), new Int32())),
    l: vectorFromArray([1n, null, 3n, 2n ** 62n], new Int64()),
  });
  const t = takeBatch(b, new Int32Array([3, 0, 1]));
  const rows = new Table([t]).toArray().map((r) => r.toJSON());
  assert.equal(rows, [
    { f: 4.5, i: 4, b: true, s: '😀', d: null, l: 2n ** 62n },
    { f: 1.5, i: 1, b: true, s: 'a', d: 'x', l: 1n },
    { f: null, i: 2, b: null, s: 'é', d: 'y', l: null },
  ]);
  assert.ok(t.data.children.every((c) => (c.values as { buffer: ArrayBufferLike }).buffer instanceof SharedArrayBuffer), 'output buffers are shared');
});

test('take: every integer and float width, and strings on both sides of the short-copy length, against a naive gather', () => {
  const n = 300;
  const idx = Int32Array.from({ length: 500 }, (_, k) => (k * 7919) % n);
  const str = (i: number) => (i % 5 === 0 ? null : 'é😀x'.repeat(i % 17)); // 0 to 112 bytes, nulls
  const cols: Record<string, Vector<any>> = {
    i8: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : (i % 250) - 125)), new Int8()),
    u8: vectorFromArray(Array.from({ length: n }, (_, i) => i % 256), new Uint8()),
    i16: vectorFromArray(Array.from({ length: n }, (_, i) => i * 101 - 15000), new Int16()),
    u16: vectorFromArray(Array.from({ length: n }, (_, i) => i * 211), new Uint16()),
    u32: vectorFromArray(Array.from({ length: n }, (_, i) => i * 14_000_000), new Uint32()),
    f32: vectorFromArray(Array.from({ length: n }, (_, i) => i / 8), new Float32()),
    u64: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i) * 2n ** 50n), new Uint64()),
    s: vectorFromArray(Array.from({ length: n }, (_, i) => str(i)), new Utf8()),
  };
  const t = takeBatch(batchOf(cols), idx);
  const got = new Table([t]).toArray().map((r) => r.toJSON());
  const want = [...idx].map((i) => Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.get(i)])));
  assert.equal(got, want);
});

test('a mask selects true rows; null counts as false', () => {
  const m = vectorFromArray([true, null, false, true, true], new Bool()).data[0]!;
  assert.equal([...maskToIndices(m)], [0, 3, 4]);
});

test('concat unifies differing dictionaries by value and keeps nulls', () => {
  const type = () => new Dictionary(new Utf8(), new Int32());
  const a = batchOf({ d: vectorFromArray(['x', 'y', null], type()), n: vectorFromArray([1, 2, 3], new Int32()) });
  const b = batchOf({ d: vectorFromArray(['z', 'x'], type()), n: vectorFromArray([4, null], new Int32()) });
  const c = concatBatches(a.schema, [a, b]);
  assert.equal(new Table([c]).getChild('d')!.toArray(), ['x', 'y', null, 'z', 'x']);
  assert.equal(new Table([c]).getChild('n')!.toJSON(), [1, 2, 3, 4, null]);
  assert.is(c.getChild('d')!.data[0]!.dictionary!.length, 3);
});


test('take moves every fixed width exactly, from slices at odd offsets too (int8/16/64, float NaN payloads, float16)', () => {
  const n = 37;
  const nan = new Float64Array(new BigUint64Array([0x7ff8_0000_dead_beefn]).buffer)[0]!;
  const b = batchOf({
    i8: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : ((i * 37) % 256) - 128)), new Int8()),
    u16: vectorFromArray(Array.from({ length: n }, (_, i) => (i * 1031) % 65536), new Uint16()),
    i64: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : BigInt(i) * 2n ** 53n + 1n - 2n ** 62n)), new Int64()),
    f64: vectorFromArray(Array.from({ length: n }, (_, i) => (i === 3 ? nan : i % 4 === 0 ? -0 : i / 3)), new Float64()),
    f16: vectorFromArray(Array.from({ length: n }, (_, i) => i / 4), new Float16()),
  });
  const whole = new Table([b]);
  for (const offset of [0, 1, 3]) {
    const sliced = b.slice(offset, n);
    const idx = Int32Array.from({ length: 50 }, (_, k) => (k * 13) % (n - offset));
    const t = takeBatch(sliced, idx);
    for (const name of ['i8', 'u16', 'i64', 'f64', 'f16']) {
      const got = t.getChild(name)!;
      const src = whole.getChild(name)!;
      idx.forEach((i, k) => assert.is(Object.is(got.get(k), src.get(i + offset)) || got.get(k) === src.get(i + offset), true, `${name} offset ${offset} row ${k}`));
    }
    // the NaN's payload bits survive (a float copy may canonicalise them)
    const f = t.getChild('f64')!.data[0]!.values as Float64Array;
    idx.forEach((i, k) => {
      if (i + offset === 3) assert.is(new BigUint64Array(f.buffer, f.byteOffset + 8 * k, 1)[0], 0x7ff8_0000_dead_beefn);
    });
  }
});

test('concat of slices reads nulls and booleans at their bit offsets; slices sharing a dictionary are unified once', () => {
  const type = () => new Dictionary(new Utf8(), new Int32());
  const n = 21;
  const b = batchOf({
    x: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : i)), new Int32()),
    t: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : i % 2 === 0)), new Bool()),
    d: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `k${i % 3}`)), type()),
  });
  const other = batchOf({ x: vectorFromArray([7, null], new Int32()), t: vectorFromArray([null, true], new Bool()), d: vectorFromArray(['k9', 'k1'], type()) });
  const cuts: Array<[typeof b, number, number]> = [[b, 5, 12], [other, 0, 2], [b, 1, 4], [b, 13, 21]];
  const c = concatBatches(b.schema, cuts.map(([src, s, e]) => src.slice(s, e)));
  const want = cuts.flatMap(([src, s, e]) => new Table([src]).toArray().slice(s, e).map((r) => r.toJSON()));
  assert.equal(new Table([c]).toArray().map((r) => r.toJSON()), want);
  assert.is(c.getChild('x')!.nullCount, want.filter((r) => r.x === null).length);
});

test('scatter sends every row to its bucket and row exactly, from slices at odd offsets, nulls kept', () => {
  const n = 40;
  const nan = new Float64Array(new BigUint64Array([0x7ff8_0000_dead_beefn]).buffer)[0]!;
  const b = batchOf({
    i8: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : ((i * 37) % 256) - 128)), new Int8()),
    u16: vectorFromArray(Array.from({ length: n }, (_, i) => (i * 1031) % 65536), new Uint16()),
    i64: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : BigInt(i) * 2n ** 53n + 1n - 2n ** 62n)), new Int64()),
    f64: vectorFromArray(Array.from({ length: n }, (_, i) => (i === 4 ? nan : i % 4 === 0 ? -0 : i / 3)), new Float64()),
    d: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 6 === 0 ? null : `k${i % 4}`)), new Dictionary(new Utf8(), new Int32())),
  });
  for (const offset of [0, 1, 3]) {
    const sliced = b.slice(offset, n);
    const m = n - offset;
    // row i -> bucket i % 3 (every 9th dropped), rows of a bucket in reverse input order
    const bucket = Int32Array.from({ length: m }, (_, i) => (i % 9 === 8 ? -1 : i % 3));
    const counts = new Int32Array(3);
    bucket.forEach((x) => x >= 0 && counts[x]!++);
    const fill = Int32Array.from(counts);
    const pos = new Int32Array(m);
    for (let i = 0; i < m; i++) if (bucket[i]! >= 0) pos[i] = --fill[bucket[i]!]!;
    sliced.schema.fields.forEach((f, c) => {
      const src = sliced.getChildAt(c)!;
      assert.ok(scatterable(src.data[0]!), f.name);
      const outs = scatterFixed(src.data[0]!, bucket, pos, counts);
      for (let i = 0; i < m; i++) {
        if (bucket[i]! < 0) continue;
        const got = makeVector(outs[bucket[i]!]!).get(pos[i]!);
        const want = src.get(i);
        assert.ok(Object.is(got, want) || got === want, `${f.name} offset ${offset} row ${i}: ${got} vs ${want}`);
      }
      outs.forEach((o, k) => assert.is(o.nullCount, Array.from({ length: m }, (_, i) => i).filter((i) => bucket[i] === k && src.get(i) === null).length));
    });
    const f = scatterFixed(sliced.getChild('f64')!.data[0]!, bucket, pos, counts);
    const i4 = 4 - offset;
    if (i4 >= 0 && bucket[i4]! >= 0) {
      const vals = f[bucket[i4]!]!.values as Float64Array;
      assert.is(new BigUint64Array(vals.buffer, vals.byteOffset + 8 * pos[i4]!, 1)[0], 0x7ff8_0000_dead_beefn, 'NaN payload kept');
    }
  }
});

test("apache-arrow's own empty columns (no buffers) among the batches of fromArrow / fromRecordBatches", async () => {
  const sync = { scheduler: 'sync' } as const;
  const dict = new Dictionary(new Utf8(), new Int32()); // one type for all batches, as from one source
  const cols = (xs: number[], b: boolean[], s: string[]) => ({
    x: vectorFromArray(xs, new Float64()), i: vectorFromArray(xs.map((v) => Math.round(v)), new Int32()), b: vectorFromArray(b, new Bool()),
    s: vectorFromArray(s, new Utf8()), d: vectorFromArray(s, dict),
  });
  const empty = new Table(cols([], [], []));
  const rows = new Table(cols([1.5, 2, -3], [true, false, true], ['a', 'ü', 'a']));
  const want = [{ x: 1.5, i: 2, b: true, s: 'a', d: 'a' }, { x: 2, i: 2, b: false, s: 'ü', d: 'ü' }, { x: -3, i: -3, b: true, s: 'a', d: 'a' }];
  const frames = [
    fromArrow(empty.concat(rows).concat(empty), { npartitions: 2 }),
    fromRecordBatches([...empty.batches, ...rows.batches, ...empty.batches]),
  ];
  for (const df of frames) {
    assert.equal(toRecords(await df.compute(sync)).map((r) => ({ ...r })), want);
    const [sum, n] = await compute(df.col('x').sum(), df.col('s').count(), sync);
    assert.equal([Number(sum), Number(n)], [0.5, 3]);
  }
  for (const df of [fromArrow(empty), fromRecordBatches(empty.batches, empty.schema)]) assert.equal(toRecords(await df.compute(sync)), []);
});

test.run();
