// Gathering and concatenating columns: every type keeps its values and nulls; dictionary columns whose
// partitions carry different dictionaries are unified by value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bool, Dictionary, Float32, Float64, Int16, Int32, Int64, Int8, Table, Uint16, Uint32, Uint64, Uint8, Utf8, vectorFromArray } from 'apache-arrow';
import { concatBatches } from '../../src/kernels/concat.ts';
import { maskToIndices, takeBatch } from '../../src/kernels/take.ts';

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

test.run();
