// Element-wise kernels: broadcasting by hand-worked cases, dtype rules, NumPy semantics where JS differs
// (mod sign, round half to even, NaN in minimum), int64 exactness, strided views, empty arrays.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binary, evaluate, unary, resultDType, type ArrayExpr } from '../../../src/kernels/array/elementwise.ts';
import { broadcastShapes, BroadcastError } from '../../../src/kernels/array/broadcast.ts';
import { toArray, view } from '../../../src/kernels/array/strided.ts';

const f64 = (xs: number[], shape = [xs.length]) => view(Float64Array.from(xs), shape);
const i32 = (xs: number[], shape = [xs.length]) => view(Int32Array.from(xs), shape);
const i64 = (xs: bigint[], shape = [xs.length]) => view(BigInt64Array.from(xs), shape);
const input = (index: number): ArrayExpr => ({ kind: 'input', index });
const lit = (value: number | bigint): ArrayExpr => ({ kind: 'scalar', value });

test('broadcastShapes: right-aligned, ones stretch, clear error naming both shapes', () => {
  assert.equal(broadcastShapes([3, 1], [4]), [3, 4]);
  assert.equal(broadcastShapes([2, 1, 5], [3, 1]), [2, 3, 5]);
  assert.equal(broadcastShapes([], [2, 2]), [2, 2]);
  assert.equal(broadcastShapes([0], [1]), [0]);
  assert.throws(() => broadcastShapes([2, 3], [2]), (e: Error) => e instanceof BroadcastError && /\(2, 3\) and \(2\)/.test(e.message));
});

test('binary with broadcasting: (2,1) + (3,) by hand', () => {
  const out = binary('add', f64([10, 20], [2, 1]), f64([1, 2, 3]));
  assert.equal(out.shape, [2, 3]);
  assert.equal(toArray(out), [11, 12, 13, 21, 22, 23]);
  // a 0-d array on either side
  assert.equal(toArray(binary('sub', view(Float64Array.of(5), []), f64([1, 2]))), [4, 3]);
  assert.equal(toArray(binary('div', f64([1, 2]), view(Float64Array.of(4), []))), [0.25, 0.5]);
});

test('strided inputs: a transposed view and a reversed one', () => {
  const m = f64([1, 2, 3, 4, 5, 6], [2, 3]);
  const t = { ...m, shape: [3, 2], stride: [1, 3] };
  assert.equal(toArray(unary('neg', t)), [-1, -4, -2, -5, -3, -6]);
  const rev = { ...f64([1, 2, 3]), stride: [-1], offset: 2 };
  assert.equal(toArray(binary('mul', rev, f64([1, 10, 100]))), [3, 20, 100]);
});

test('a fused chain: exp(x) + 3 * sin(x) in one pass equals the step-by-step values', () => {
  const xs = [0, 0.5, -1, 2, NaN];
  const expr: ArrayExpr = { kind: 'binary', op: 'add', left: { kind: 'unary', op: 'exp', arg: input(0) }, right: { kind: 'binary', op: 'mul', left: { kind: 'unary', op: 'sin', arg: input(0) }, right: lit(3) } };
  const out = toArray(evaluate(expr, [f64(xs)])) as number[];
  xs.forEach((x, i) => (Number.isNaN(x) ? assert.ok(Number.isNaN(out[i]!)) : assert.is(out[i], Math.exp(x) + 3 * Math.sin(x))));
  // a second evaluation with another constant reuses the compiled loop but not the value
  const expr2 = { ...expr, right: { ...(expr.right as { kind: 'binary' }), right: lit(4) } } as ArrayExpr;
  assert.is((toArray(evaluate(expr2, [f64([1])])) as number[])[0], Math.exp(1) + 4 * Math.sin(1));
});

test('dtype rules: ints stay ints, division floats, scalars are weak', () => {
  assert.is(resultDType({ kind: 'binary', op: 'add', left: input(0), right: input(1) }, ['int32', 'int32']), 'int32');
  assert.is(resultDType({ kind: 'binary', op: 'add', left: input(0), right: lit(2) }, ['int32']), 'int32');
  assert.is(resultDType({ kind: 'binary', op: 'add', left: input(0), right: lit(2.5) }, ['int32']), 'float64');
  assert.is(resultDType({ kind: 'binary', op: 'mul', left: input(0), right: lit(2.5) }, ['float32']), 'float32');
  assert.is(resultDType({ kind: 'binary', op: 'div', left: input(0), right: input(1) }, ['int32', 'int32']), 'float64');
  assert.is(resultDType({ kind: 'binary', op: 'add', left: input(0), right: input(1) }, ['int32', 'float32']), 'float64');
  assert.is(resultDType({ kind: 'binary', op: 'lt', left: input(0), right: lit(1) }, ['float64']), 'bool');
  assert.is(resultDType({ kind: 'unary', op: 'sqrt', arg: input(0) }, ['int64']), 'float64');
  assert.is(resultDType({ kind: 'binary', op: 'add', left: input(0), right: input(1) }, ['bool', 'bool']), 'int32');
  // int32 wraps as NumPy
  assert.equal(toArray(binary('add', i32([2147483647]), i32([1]))), [-2147483648]);
  assert.equal(toArray(binary('mul', i32([65536]), i32([65536]))), [0]);
});

test('int64 arithmetic is exact beyond 2^53', () => {
  const big = 2n ** 60n + 1n;
  assert.equal(toArray(binary('add', i64([big]), i64([1n]))), [big + 1n]);
  assert.equal(toArray(binary('mul', i64([3037000499n]), i64([3037000499n]))), [3037000499n * 3037000499n]);
  assert.equal(toArray(evaluate({ kind: 'binary', op: 'add', left: input(0), right: lit(1) }, [i64([big])])), [big + 1n]);
  assert.equal(toArray(binary('add', i64([big]), i32([2]))), [big + 2n]);
  assert.equal(toArray(binary('eq', i64([5n, 6n]), f64([5, 7]))), [1, 0]);
  assert.equal(toArray(binary('mod', i64([-7n, 7n]), i64([3n, -3n]))), [2n, -2n]);
});

test('NumPy semantics: mod sign, round half even, minimum with NaN, integer pow', () => {
  assert.equal(toArray(binary('mod', f64([-7, 7, 5.5]), f64([3, -3, 2]))), [2, -2, 1.5]);
  assert.equal(toArray(binary('mod', i32([-7, 7, 3]), i32([3, -3, 0]))), [2, -2, 0]);
  assert.equal(toArray(unary('round', f64([0.5, 1.5, 2.5, -0.5, -1.5, 2.4]))), [0, 2, 2, -0, -2, 2]);
  const mn = toArray(binary('minimum', f64([1, NaN, 3]), f64([2, 0, NaN]))) as number[];
  assert.is(mn[0], 1);
  assert.ok(Number.isNaN(mn[1]!) && Number.isNaN(mn[2]!));
  assert.equal(toArray(binary('pow', i32([2, 3]), i32([10, 2]))), [1024, 9]);
  assert.throws(() => binary('pow', i32([2]), i32([-1])), /negative integer powers/);
  assert.equal(toArray(unary('isnan', f64([1, NaN]))), [0, 1]);
});

test('NumPy semantics found by the NumPy differential suite: wrapped int pow, signed zero mod, 1 ** NaN', () => {
  // (2^31 - 1)^3 mod 2^32 is 2^31 - 1; Math.pow rounded it to a double first and gave 0
  assert.equal(toArray(binary('pow', i32([2147483647, -2147483648, 7, 46341]), i32([3, 2, 12, 2]))), [2147483647, 0, 956385313, -2147479015]);
  assert.equal(toArray(binary('pow', view(Uint8Array.from([3, 255]), [2]), view(Uint8Array.from([5, 3]), [2]))), [243, 255]);
  const m = toArray(binary('mod', f64([0, -6, 6, -0]), f64([-3, 3, -3, 3]))) as number[];
  assert.ok(Object.is(m[0], -0) && Object.is(m[1], 0) && Object.is(m[2], -0) && Object.is(m[3], 0), `zero results take the divisor's sign: ${m.map((v) => (Object.is(v, -0) ? '-0' : v))}`);
  assert.equal(toArray(binary('pow', f64([1, -1, 2]), f64([NaN, Infinity, 0.5]))), [1, 1, Math.SQRT2]);
});

test('where, cast, clip through minimum/maximum, empty and 0-d', () => {
  const cond: ArrayExpr = { kind: 'binary', op: 'gt', left: input(0), right: lit(0) };
  const w: ArrayExpr = { kind: 'where', cond, a: input(0), b: lit(-1) };
  assert.equal(toArray(evaluate(w, [f64([3, -2, 0, NaN])])).map(String), ['3', '-1', '-1', '-1']);
  const clip: ArrayExpr = { kind: 'binary', op: 'minimum', left: { kind: 'binary', op: 'maximum', left: input(0), right: lit(0) }, right: lit(1) };
  assert.equal(toArray(evaluate(clip, [f64([-1, 0.5, 9])])), [0, 0.5, 1]);
  assert.equal(toArray(evaluate({ kind: 'cast', dtype: 'int32', arg: input(0) }, [f64([1.9, -1.9, 3e9])])), [1, -1, -1294967296]);
  assert.throws(() => evaluate({ kind: 'cast', dtype: 'int64', arg: input(0) }, [f64([NaN])]), /cannot convert NaN to int64/);
  assert.equal(evaluate(input(0), [f64([], [0, 3])]).shape, [0, 3]);
  assert.equal(toArray(unary('exp', view(Float64Array.of(0), []))), [1]);
});

test.run();
