import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dictionary, Field, Float64, Int32, List, Schema, Table, Utf8, tableFromArrays, vectorFromArray, makeVector } from 'apache-arrow';
import { fromWire, toWire, arrowBytes } from '../../src/scheduler/transport.ts';
import { rangeBatch } from './fixtures/test-ops.ts';

function roundTrip<T>(x: T, mode: 'shared' | 'ipc'): T {
  // structuredClone stands in for postMessage / child-process serialization.
  return fromWire(structuredClone(toWire(x, mode))) as T;
}

const mixed = (): Table =>
  tableFromArrays({
    f: new Float64Array([1.5, 2.5, 3.5]),
    i: new Int32Array([1, 2, 3]),
    s: ['a', 'b', 'a'],
  });

for (const mode of ['shared', 'ipc'] as const) {
  test(`${mode}: a RecordBatch with float, int, dictionary-string and nulls round-trips`, () => {
    const batch = mixed().batches[0]!;
    const back = roundTrip(batch, mode);
    assert.equal(back.schema.fields.map((f) => `${f.name}:${f.type}`), batch.schema.fields.map((f) => `${f.name}:${f.type}`));
    assert.equal(back.toArray().map((r) => r.toJSON()), batch.toArray().map((r) => r.toJSON()));
  });

  test(`${mode}: vectors with nulls, utf8, lists and sliced data round-trip`, () => {
    const v = vectorFromArray([1, null, 3, null], new Float64());
    assert.equal([...roundTrip(v, mode)], [1, null, 3, null]);
    const s = vectorFromArray(['x', null, 'yz'], new Utf8());
    assert.equal([...roundTrip(s, mode)], ['x', null, 'yz']);
    const l = vectorFromArray([[1, 2], [], [3]], new List(new Field('item', new Float64(), true)));
    assert.equal([...roundTrip(l, mode)].map((x) => [...x!]), [[1, 2], [], [3]]);
    const sliced = makeVector(vectorFromArray([1, 2, 3, 4, 5], new Float64()).data[0]!.slice(2, 2));
    assert.equal([...makeVector(roundTrip(sliced.data[0]!, mode))], [3, 4]);
  });

  test(`${mode}: dictionary columns keep their dictionary`, () => {
    const d = vectorFromArray(['u', 'v', 'u', null], new Dictionary(new Utf8(), new Int32()));
    const back = roundTrip(d, mode);
    assert.equal([...back], ['u', 'v', 'u', null]);
    assert.ok(back.type instanceof Dictionary);
  });

  test(`${mode}: tables, nested containers, bigints and plain data pass through`, () => {
    const t = new Table([rangeBatch(3, 0), rangeBatch(2, 10)]);
    const value = { parts: [t, 42n, 'k', null, { n: 1, arr: new Float64Array([1, 2]) }], schema: 1 };
    const back = roundTrip(value, mode);
    assert.equal((back.parts[0] as Table).toArray().map((r) => r.x), [0, 1, 2, 10, 11]);
    assert.equal(back.parts.slice(1, 4), [42n, 'k', null]);
    assert.equal([...(back.parts[4] as any).arr], [1, 2]);
    assert.is(back.schema, 1);
  });

  test(`${mode}: an empty batch keeps its schema`, () => {
    const empty = rangeBatch(0);
    const back = roundTrip(empty, mode);
    assert.is(back.numRows, 0);
    assert.equal(back.schema.fields.map((f) => f.name), ['x']);
  });
}

test('shared: buffers already on a SharedArrayBuffer are shared, not copied', () => {
  const batch = rangeBatch(4);
  const back = roundTrip(batch, 'shared');
  const mine = batch.getChild('x')!.data[0]!.values as Float64Array;
  const theirs = back.getChild('x')!.data[0]!.values as Float64Array;
  assert.ok(theirs.buffer instanceof SharedArrayBuffer);
  theirs[1] = 99;
  assert.is(mine[1], 99);
});

test('shared: a batch NOT on a SharedArrayBuffer is copied into one, once', () => {
  const batch = tableFromArrays({ x: new Float64Array([1, 2, 3]) }).batches[0]!;
  const a = toWire(batch, 'shared') as any;
  const b = toWire(batch, 'shared') as any;
  assert.ok(a.chunks[0].c[0].b[1].buffer instanceof SharedArrayBuffer);
  assert.is(a.chunks[0], b.chunks[0]); // descriptor cached per Data: the copy happens once
  assert.equal([...(fromWire(structuredClone(a)) as any).getChild('x')], [1, 2, 3]);
});

test('shared: descriptors are small whatever the partition size', () => {
  const big = rangeBatch(1 << 20);
  const wire = toWire(big, 'shared') as any;
  const schemaBytes = wire.schema.byteLength;
  assert.ok(schemaBytes < 1024, `schema message is ${schemaBytes} bytes`);
  assert.is(arrowBytes(big), 8 << 20);
});

test('ipc: the wire value is one Uint8Array per Arrow object (a copy a process can receive)', () => {
  const wire = toWire([rangeBatch(5)], 'ipc') as any[];
  assert.ok(wire[0].ipc instanceof Uint8Array);
  assert.ok(!(wire[0].ipc.buffer instanceof SharedArrayBuffer));
});

test('plain objects that merely look like descriptors are not mistaken for Arrow', () => {
  const x = { schema: new Uint8Array(1), chunks: [] };
  assert.equal(roundTrip(x, 'shared'), x);
  assert.equal(roundTrip(new Schema([]).fields, 'shared'), []);
});

test.run();
