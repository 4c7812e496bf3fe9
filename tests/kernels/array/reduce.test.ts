// Reductions and scans: every axis set against a naive loop over the nested values, partials of any split
// merged equal the whole, NaN/empty handling, exact int64 sums, var with a 1e8 offset.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { combineAll, combinePartials, finalizePartial, partialReduce, reduce, REDUCTIONS, EmptyReductionError, type ReductionName } from '../../../src/kernels/array/reduce.ts';
import { scan } from '../../../src/kernels/array/scan.ts';
import { toArray, view } from '../../../src/kernels/array/strided.ts';
import { assertClose, rng } from '../../helpers.ts';

/** Naive: values of a C-order 3-D array reduced over `axes` by a plain JS function of the list. */
function naiveReduce(xs: number[], shape: number[], axes: number[], fn: (v: number[], firstIndex: number[]) => number): number[] {
  const [a, b, c] = shape as [number, number, number];
  const keep = [0, 1, 2].filter((i) => !axes.includes(i));
  const groups = new Map<string, { v: number[]; idx: number[] }>();
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) {
    const co = [i, j, k];
    const key = keep.map((x) => co[x]).join();
    // index over the reduced axes, C order
    let r = 0;
    for (const ax of axes) r = r * shape[ax]! + co[ax]!;
    const g = groups.get(key) ?? { v: [], idx: [] };
    g.v.push(xs[(i * b + j) * c + k]!);
    g.idx.push(r);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => fn(g.v, g.idx));
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const NAIVE: Record<ReductionName, (v: number[], idx: number[]) => number> = {
  sum: (v) => v.reduce((s, x) => s + x, 0),
  prod: (v) => v.reduce((s, x) => s * x, 1),
  mean,
  var: (v) => v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / v.length,
  std: (v) => Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / v.length),
  min: (v) => (v.some(Number.isNaN) ? NaN : Math.min(...v)),
  max: (v) => (v.some(Number.isNaN) ? NaN : Math.max(...v)),
  argmin: (v, idx) => { const f = v.findIndex(Number.isNaN); if (f >= 0) return idx[f]!; const m = Math.min(...v); return idx[v.indexOf(m)]!; },
  argmax: (v, idx) => { const f = v.findIndex(Number.isNaN); if (f >= 0) return idx[f]!; const m = Math.max(...v); return idx[v.indexOf(m)]!; },
  any: (v) => (v.some((x) => x !== 0) ? 1 : 0),
  all: (v) => (v.every((x) => x !== 0) ? 1 : 0),
  nansum: (v) => v.filter((x) => !Number.isNaN(x)).reduce((s, x) => s + x, 0),
  nanmean: (v) => mean(v.filter((x) => !Number.isNaN(x))),
  nanvar: (v) => { const w = v.filter((x) => !Number.isNaN(x)); return w.reduce((s, x) => s + (x - mean(w)) ** 2, 0) / w.length; },
  nanstd: (v) => { const w = v.filter((x) => !Number.isNaN(x)); return Math.sqrt(w.reduce((s, x) => s + (x - mean(w)) ** 2, 0) / w.length); },
  nanmin: (v) => { const w = v.filter((x) => !Number.isNaN(x)); return w.length ? Math.min(...w) : NaN; },
  nanmax: (v) => { const w = v.filter((x) => !Number.isNaN(x)); return w.length ? Math.max(...w) : NaN; },
};

const AXIS_SETS = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];

test('every reduction over every axis set equals a naive loop (3-D with NaN, ties and zeros)', () => {
  const r = rng(3);
  const shape = [3, 4, 5];
  const xs = Array.from({ length: 60 }, () => (r() < 0.08 ? NaN : r() < 0.1 ? 0 : Math.round((r() - 0.5) * 20) / 4));
  const x = view(Float64Array.from(xs), shape);
  for (const name of REDUCTIONS) {
    for (const axes of AXIS_SETS) {
      if ((name === 'argmin' || name === 'argmax') && axes.length === 2) continue;
      const got = toArray(reduce(name, x, axes)).map(Number);
      const want = naiveReduce(xs, shape, axes, NAIVE[name]);
      assert.is(got.length, want.length);
      got.forEach((g, i) => assertClose(g, want[i]!, 1e-12, `${name} over ${axes} cell ${i}`));
    }
  }
});

test('partials of any split along the reduced axis merge to the whole (argmin keeps the first index)', () => {
  const r = rng(4);
  const xs = Array.from({ length: 7 * 3 }, () => (r() < 0.1 ? NaN : Math.floor(r() * 5)));
  const x = view(Float64Array.from(xs), [7, 3]);
  for (const name of REDUCTIONS) {
    const whole = toArray(reduce(name, x, [0], { ddof: 1 })).map(Number);
    for (const cuts of [[0, 7], [0, 1, 7], [0, 3, 4, 7], [0, 0, 2, 2, 7], [0, 1, 2, 3, 4, 5, 6, 7]]) {
      const parts = cuts.slice(1).map((end, i) => {
        const start = cuts[i]!;
        const piece = { ...x, shape: [end - start, 3], offset: start * 3 };
        return partialReduce(name, piece, [0], { origin: [start, 0], fullShape: [7, 3] });
      });
      const merged = parts.reduce((a, b) => combinePartials(a, b));
      const got = toArray(finalizePartial(merged, { axes: [0], ddof: 1 })).map(Number);
      got.forEach((g, i) => assertClose(g, whole[i]!, 1e-12, `${name} cuts ${cuts} column ${i}`));
    }
  }
});

test('combineAll folds partials with the bits of reduce(combinePartials): sums and products of NaN, Inf, -0, huge and tiny values; other kinds unchanged', () => {
  const r = rng(404);
  const special = [NaN, Infinity, -Infinity, -0, 0, 1e308, -1e308, 5e-324, 1e-300];
  const pick = (): number => (r() < 0.01 ? special[Math.floor(r() * special.length)]! : (r() - 0.5) * 10 ** Math.floor(r() * 12 - 6));
  const bits = (a: ArrayLike<number> | undefined) => (a ? Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v))) : []);
  for (const dtype of ['float64', 'float32', 'int32'] as const) {
    for (const name of ['sum', 'nansum', 'prod', 'mean', 'var', 'min', 'argmax', 'any'] as ReductionName[]) {
      for (const count of [1, 2, 3, 8, 11]) {
        const parts = Array.from({ length: count }, () => {
          const data = Float64Array.from({ length: 5 * 40 }, () => (dtype === 'int32' ? Math.round((r() - 0.5) * 1e6) : pick()));
          return partialReduce(name, view(dtype === 'float32' ? Float32Array.from(data) : dtype === 'int32' ? Int32Array.from(data) : data, [5, 40]), [0], { dtype });
        });
        const want = parts.reduce((a, b) => combinePartials(a, b));
        const got = combineAll(parts);
        for (const field of ['values', 'count', 'm2', 'shift', 'index', 'seen'] as const) {
          assert.equal(bits((got as unknown as Record<string, Float64Array | undefined>)[field]), bits((want as unknown as Record<string, Float64Array | undefined>)[field]), `${dtype} ${name} x${count} ${field}`);
        }
        assert.equal(got.big ? Array.from(got.big, String) : [], want.big ? Array.from(want.big, String) : [], `${dtype} ${name} x${count} big`);
        assert.equal(got.flags ? Array.from(got.flags) : [], want.flags ? Array.from(want.flags) : []);
      }
    }
  }
});

test('integer sums are exact int64; int64 data sums beyond 2^53', () => {
  const n = 3_000_000;
  const d = new Int32Array(n).fill(2147483647);
  const s = reduce('sum', view(d, [n]), null);
  assert.is(s.dtype, 'int64');
  assert.equal(toArray(s), [2147483647n * BigInt(n)]);
  const big = BigInt64Array.from([2n ** 62n, 2n ** 61n + 1n, -5n, 7n]);
  assert.equal(toArray(reduce('sum', view(big, [4]), null)), [2n ** 62n + 2n ** 61n + 3n]);
  assert.equal(toArray(reduce('max', view(big, [4]), null)), [2n ** 62n]);
  assert.equal(toArray(reduce('argmin', view(big, [4]), 0)), [2n]);
  assert.equal(toArray(reduce('sum', view(Uint8Array.from([255, 255]), [2]), null)), [510n]);
});

test('var with data offset by 1e8 loses nothing; ddof; float32 keeps float32', () => {
  const xs = Array.from({ length: 1000 }, (_, i) => 1e8 + (i % 7) - 3);
  const want = NAIVE.var(xs.map((x) => x - 1e8), []);
  assertClose(Number(toArray(reduce('var', view(Float64Array.from(xs), [1000]), null))[0]), want, 1e-12, 'var 1e8');
  assertClose(Number(toArray(reduce('var', view(Float64Array.from([1, 2, 3, 4]), [4]), null, { ddof: 1 }))[0]), 5 / 3, 1e-15, 'ddof 1');
  assert.is(reduce('sum', view(Float32Array.from([1, 2]), [2]), null).dtype, 'float32');
  assert.ok(Number.isNaN(Number(toArray(reduce('var', view(Float64Array.of(1), [1]), null, { ddof: 1 }))[0])), 'ddof >= n gives NaN');
});

test('empty: sums are 0, min/max/argmin raise a clear error, keepdims keeps axes', () => {
  const e = view(new Float64Array(0), [0, 3]);
  assert.equal(toArray(reduce('sum', e, 0)), [0, 0, 0]);
  assert.equal(reduce('sum', e, 1).shape, [0]);
  assert.ok(Number.isNaN(Number(toArray(reduce('mean', e, null))[0])));
  assert.throws(() => reduce('min', e, 0), (err: Error) => err instanceof EmptyReductionError && /min of an empty array/.test(err.message));
  assert.throws(() => reduce('argmax', e, null), /argmax of an empty array/);
  // NumPy raises when the reduced axis is empty even if the result has no cells: (0, 0).min(axis=0)
  assert.throws(() => reduce('min', view(new Float64Array(0), [0, 0]), 0), (err: Error) => err instanceof EmptyReductionError && /min of an empty array/.test(err.message));
  assert.throws(() => reduce('argmax', view(new Float64Array(0), [0, 0, 0]), 0), /argmax of an empty array/);
  assert.equal(reduce('min', view(new Float64Array(0), [3, 0]), 0).shape, [0], 'a non-empty reduced axis gives an empty result');
  assert.equal(reduce('max', view(Float64Array.of(1, 5, 2, 0), [2, 2]), 1, { keepdims: true }).shape, [2, 1]);
  assert.throws(() => reduce('sum', e, 2), /axis 2 is out of bounds for an array of 2 dimensions/);
  assert.throws(() => reduce('argmin', view(new Float64Array(8), [2, 2, 2]), [0, 1]), /one axis or none/);
  // all-NaN nanmin is NaN (not an error): there were elements
  assert.ok(Number.isNaN(Number(toArray(reduce('nanmin', view(Float64Array.of(NaN, NaN), [2]), null))[0])));
});

test('cumsum keeps a leading -0 (it starts from -0, the additive identity, as NumPy)', () => {
  const out = toArray(scan('cumsum', view(Float64Array.of(-0, -0, 1, -1), [4]), 0)) as number[];
  assert.ok(Object.is(out[0], -0) && Object.is(out[1], -0) && out[2] === 1 && Object.is(out[3], 0), out.map((v) => (Object.is(v, -0) ? '-0' : v)).join());
});

test('cumsum/cumprod along each axis, with a carry, ints exact in int64', () => {
  const x = view(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
  assert.equal(toArray(scan('cumsum', x, 0)), [1, 2, 3, 5, 7, 9]);
  assert.equal(toArray(scan('cumsum', x, 1)), [1, 3, 6, 4, 9, 15]);
  assert.equal(toArray(scan('cumprod', x, 1)), [1, 2, 6, 4, 20, 120]);
  assert.equal(toArray(scan('cumsum', x, 1, view(Float64Array.from([10, 100]), [2, 1]))), [11, 13, 16, 104, 109, 115]);
  const ints = scan('cumsum', view(Int32Array.from([2147483647, 2147483647, 2147483647]), [3]), 0);
  assert.is(ints.dtype, 'int64');
  assert.equal(toArray(ints), [2147483647n, 4294967294n, 6442450941n]);
  const nan = toArray(scan('cumsum', view(Float64Array.from([1, NaN, 2]), [3]), 0)) as number[];
  assert.ok(nan[0] === 1 && Number.isNaN(nan[1]!) && Number.isNaN(nan[2]!));
});

test('sum over leading axes of a contiguous block (the row-block path): odd row counts, offsets, float32, NaN and Inf, against a naive loop', () => {
  const r = rng(41);
  for (const [rows, cols, lead] of [[7, 5, 1], [4, 3, 1], [1, 9, 1], [3, 2, 2], [13, 1, 1], [0, 4, 1]] as const) {
    const extra = 3;
    const shape = lead === 1 ? [rows, cols] : [rows, 2, cols];
    const n = shape.reduce((a, b) => a * b, 1);
    const kept = cols;
    const values = Array.from({ length: n + extra }, () => (r() - 0.5) * 1e3);
    if (n > 6) {
      values[extra + 2] = NaN;
      values[extra + 4] = Infinity;
    }
    for (const Ctor of [Float64Array, Float32Array]) {
      const data = Ctor.from(values);
      // a block that starts `extra` elements into its buffer, as a row chunk of a larger array does
      const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      const x = { data, shape, stride, offset: extra };
      const axes = lead === 1 ? [0] : [0, 1];
      const got = toArray(reduce('sum', x, axes)) as number[];
      const want = new Array<number>(kept).fill(0);
      for (let i = 0; i < n; i++) want[i % kept] += data[extra + i]!;
      assert.is(got.length, kept);
      for (let j = 0; j < kept; j++) {
        if (Number.isNaN(want[j]!) || !Number.isFinite(want[j]!)) assert.ok(Object.is(got[j], want[j]), `column ${j}: ${got[j]} vs ${want[j]}`);
        // a float32 block's sum is float32 (as NumPy), summed in float64 first
        else assertClose(got[j]!, Ctor === Float32Array ? Math.fround(want[j]!) : want[j]!, Ctor === Float32Array ? 1e-7 : 1e-12, `rows ${rows} cols ${cols} column ${j}`);
      }
    }
  }
});

test('sum over leading rows: the exact bits of the documented order (eight rows as a pairwise tree added to each column, leftover rows one by one), any column count', () => {
  // The row-block kernel visits columns two at a time; every column must still be summed exactly this way,
  // so a result cannot change with the number of columns, an odd last column or where the block starts.
  const r = rng(7);
  const special = [NaN, Infinity, -Infinity, -0, 1e308, -1e308, 5e-324];
  for (const [rows, cols] of [[8, 1], [8, 2], [8, 3], [17, 5], [16, 64], [23, 33], [7, 4], [40, 1001]] as const) {
    for (const Ctor of [Float64Array, Float32Array]) {
      const extra = 5;
      const values = Array.from({ length: rows * cols + extra }, () => (r() < 0.03 ? special[Math.floor(r() * special.length)]! : (r() - 0.5) * 10 ** Math.floor(r() * 12)));
      const data = Ctor.from(values);
      const got = partialReduce('sum', { data, shape: [rows, cols], stride: [cols, 1], offset: extra }, [0]).values!;
      const want = new Float64Array(cols);
      for (let j = 0; j < cols; j++) {
        const at = (row: number) => data[extra + row * cols + j]!;
        let i = 0;
        for (; i + 8 <= rows; i += 8) want[j] += ((at(i) + at(i + 1)) + (at(i + 2) + at(i + 3))) + ((at(i + 4) + at(i + 5)) + (at(i + 6) + at(i + 7)));
        for (; i < rows; i++) want[j] += at(i);
      }
      for (let j = 0; j < cols; j++) assert.ok(Object.is(got[j], want[j]), `${Ctor.name} rows ${rows} cols ${cols} column ${j}: ${got[j]} vs ${want[j]}`);
    }
  }
});

test.run();
