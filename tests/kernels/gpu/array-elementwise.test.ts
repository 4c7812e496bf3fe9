// Fused NDArray element-wise chains on the GPU against the CPU evaluator (the oracle): exact chains bit for bit
// (NaN, +-Inf, -0, subnormals, int32 wrap-around), float32 div/sqrt/exp/log within the documented bound,
// broadcasting and strided inputs, sizes that are not multiples of the workgroup, and what stays on the CPU.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluate, type ArrayExpr } from '../../../src/kernels/array/elementwise.ts';
import { allocate, type DType } from '../../../src/kernels/array/dtypes.ts';
import { view, type Strided } from '../../../src/kernels/array/strided.ts';
import { gpuElementwise, planChunk, type Chunk } from '../../../src/kernels/gpu/array-elementwise.ts';
import { rng } from '../../helpers.ts';
import { currentGpu, gpuForTests } from './gpu-for-tests.ts';

const available = await gpuForTests();

const x = (index: number): ArrayExpr => ({ kind: 'input', index });
const s = (value: number | bigint | boolean): ArrayExpr => ({ kind: 'scalar', value });
const u = (op: string, arg: ArrayExpr): ArrayExpr => ({ kind: 'unary', op, arg }) as ArrayExpr;
const b = (op: string, left: ArrayExpr, right: ArrayExpr): ArrayExpr => ({ kind: 'binary', op, left, right }) as ArrayExpr;
const cast = (dtype: DType, arg: ArrayExpr): ArrayExpr => ({ kind: 'cast', dtype, arg });
const where = (cond: ArrayExpr, a: ArrayExpr, bb: ArrayExpr): ArrayExpr => ({ kind: 'where', cond, a, b: bb });

const SPECIAL_F = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 2.5, -2.5, 1.5, 3e38, -3e38, 2 ** -130, -(2 ** -140), 2 ** 31, -(2 ** 31), 2 ** 40 + 2 ** 17, 65537.5];
const SPECIAL_I = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 255, 256, -256, 46341, 65536];

function chunkOf(dtype: DType, n: number, seed: number, shape: number[] = [n]): Chunk {
  const r = rng(seed);
  const data = allocate(dtype, n) as { [i: number]: number };
  for (let i = 0; i < n; i++) {
    const pick = r();
    if (dtype === 'float32') data[i] = pick < 0.3 ? SPECIAL_F[Math.floor(r() * SPECIAL_F.length)]! : (r() - 0.5) * 10 ** Math.floor(r() * 8 - 3);
    else if (dtype === 'int32') data[i] = pick < 0.3 ? SPECIAL_I[Math.floor(r() * SPECIAL_I.length)]! : Math.floor((r() - 0.5) * 2000);
    else if (dtype === 'uint8') data[i] = Math.floor(r() * 256);
    else data[i] = r() < 0.5 ? 1 : 0;
  }
  return { ...view(data as never, shape), dtype };
}

function cpu(expr: ArrayExpr, inputs: Chunk[], dtype: DType): Strided {
  return evaluate(expr, inputs, dtype);
}

function sameBits(got: Strided, want: Strided, what: string): void {
  assert.equal(got.shape, want.shape, `${what}: shape`);
  const g = got.data as ArrayLike<number>, w = want.data as ArrayLike<number>;
  for (let i = 0; i < w.length; i++) {
    if (!Object.is(g[i], w[i]) && !(Number.isNaN(g[i]) && Number.isNaN(w[i]))) assert.unreachable(`${what}: element ${i}: GPU ${g[i]}, CPU ${w[i]}`);
  }
}

async function check(expr: ArrayExpr, inputs: Chunk[], dtype: DType, what: string): Promise<void> {
  const gpu = await currentGpu();
  const plan = planChunk(gpu, expr, inputs, dtype);
  assert.ok(plan.ok && plan.exactness === 'exact', `${what}: ${JSON.stringify(plan)}`);
  sameBits(await gpuElementwise(gpu, expr, inputs, dtype), cpu(expr, inputs, dtype), what);
}

if (available) {
  test('exact float32 chains: bit-identical to the CPU with NaN, infinities, -0 and subnormals', async () => {
    const n = 1000; // not a multiple of the 256-wide workgroup
    const a = chunkOf('float32', n, 1), c = chunkOf('float32', n, 2);
    const cases: Array<[string, ArrayExpr]> = [
      ['(a + b) * 3 - a', b('sub', b('mul', b('add', x(0), x(1)), s(3)), x(0))],
      ['neg abs floor ceil round', b('add', b('add', u('neg', u('abs', x(0))), u('floor', x(1))), b('add', u('ceil', x(0)), u('round', x(1))))],
      ['clip(a, -1.5, 2)', b('minimum', b('maximum', x(0), s(-1.5)), s(2))],
      ['where(a > b, a, b * 0.1)', where(b('gt', x(0), x(1)), x(0), b('mul', x(1), s(0.1)))],
      ['comparisons and isnan', b('or', b('and', b('le', x(0), x(1)), b('ne', x(0), s(0))), b('or', u('isnan', x(1)), b('eq', x(0), x(1))))],
      ['not a', u('not', x(0))],
      ['a * 2^-20 (subnormals)', b('mul', x(0), s(2 ** -20))],
    ];
    for (const [what, e] of cases) await check(e, [a, c], what === 'comparisons and isnan' || what === 'not a' ? 'bool' : 'float32', what);
    // astype: float32 -> int32 (truncation, wrap-around, NaN/Inf -> 0) and -> uint8, int32 -> float32 (ties to even)
    await check(cast('int32', x(0)), [a], 'int32', 'astype int32');
    await check(cast('uint8', x(0)), [a], 'uint8', 'astype uint8');
    await check(cast('bool', x(0)), [a], 'bool', 'astype bool');
    const big = { ...view(Int32Array.from([16777217, 16777219, -16777217, 2 ** 31 - 1, -(2 ** 31), 33554435, 7]) as never, [7]), dtype: 'int32' } as Chunk;
    await check(cast('float32', x(0)), [big], 'float32', 'int32 -> float32');
  });

  test('exact int32, uint8 and bool chains: wrap-around as the CPU, mod, where, mixed dtypes', async () => {
    const n = 777;
    const i = chunkOf('int32', n, 3), j = chunkOf('int32', n, 4), v = chunkOf('uint8', n, 5), m = chunkOf('bool', n, 6);
    await check(b('sub', b('mul', b('add', x(0), x(1)), s(7)), u('abs', x(1))), [i, j], 'int32', 'int32 wrap');
    await check(b('mod', x(0), x(1)), [i, j], 'int32', 'int32 mod (sign of divisor, x % 0 = 0)');
    await check(u('neg', x(0)), [i], 'int32', 'neg int32 min');
    await check(b('add', b('mul', x(0), x(0)), s(300)), [v], 'uint8', 'uint8 wrap');
    await check(b('mod', x(0), b('sub', x(0), s(3))), [v], 'uint8', 'uint8 mod');
    await check(b('add', x(0), x(1)), [v, i], 'int32', 'uint8 + int32');
    await check(b('add', x(0), x(1)), [m, m], 'int32', 'bool + bool counts');
    await check(where(x(0), x(1), b('maximum', x(1), s(-5))), [m, i], 'int32', 'where(mask, i, max(i, -5))');
    await check(b('and', x(0), b('lt', x(1), s(10))), [m, v], 'bool', 'mask & (v < 10)');
    await check(b('add', cast('float32', x(0)), x(1)), [v, chunkOf('float32', n, 8)], 'float32', 'uint8 as float32 + float32');
    await check(cast('int32', x(0)), [chunkOf('float32', n, 9)], 'int32', 'float32 -> int32');
  });

  test('broadcasting, strided inputs, shapes not multiples of the workgroup, 1-element chunks', async () => {
    const r = rng(10);
    const a = chunkOf('float32', 3 * 5 * 7, 11, [3, 5, 7]);
    const row = chunkOf('float32', 7, 12, [7]);
    const col = chunkOf('float32', 5, 13, [5, 1]);
    await check(b('add', b('mul', x(0), x(1)), x(2)), [a, row, col], 'float32', 'broadcast [3,5,7] * [7] + [5,1]');
    // a transposed (strided) view
    const data = Float32Array.from({ length: 6 * 9 }, () => r() - 0.5);
    const t = { data, shape: [9, 6], stride: [1, 9], offset: 0, dtype: 'float32' } as Chunk;
    const other = chunkOf('float32', 54, 14, [9, 6]);
    await check(b('sub', x(0), b('mul', x(1), s(2))), [t, other], 'float32', 'transposed input');
    const one = chunkOf('float32', 1, 15, [1]);
    await check(b('add', x(0), s(1)), [one], 'float32', '1 element');
    const zeroD = { ...view(Float32Array.from([2.5]) as never, []), dtype: 'float32' } as Chunk;
    await check(b('mul', x(0), x(1)), [zeroD, row], 'float32', '0-d times 1-d');
  });

  test('float32 div, sqrt, exp, log: within the documented bound of the CPU', async () => {
    const gpu = await currentGpu();
    const n = 1500;
    const a = chunkOf('float32', n, 20), c = chunkOf('float32', n, 21);
    const ulp32 = (v: number) => (v === 0 || !Number.isFinite(v) ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 23));
    // div, sqrt: 3 ulp; log: 3 ulp or 2^-21 absolute in [0.5, 2]; exp: (3 + 2|x|) ulp; results that are
    // subnormal on the CPU may be 0 on the GPU (2^-126 absolute)
    const cases: Array<[string, ArrayExpr, (xv: number, want: number) => number]> = [
      ['a / b', b('div', x(0), x(1)), (_, w) => 3 * ulp32(w) + 2 ** -126],
      ['sqrt(|a|)', u('sqrt', u('abs', x(0))), (_, w) => 3 * ulp32(w)],
      ['log(|a|)', u('log', u('abs', x(0))), (xv, w) => (Math.abs(xv) >= 0.5 && Math.abs(xv) <= 2 ? 2 ** -21 : 3 * ulp32(w))],
      ['exp(a / 1000)', u('exp', b('mul', x(0), s(0.001))), (xv, w) => (3 + 2 * Math.abs(Math.fround(xv * 0.001))) * ulp32(w) + 2 ** -126],
    ];
    for (const [what, e, bound] of cases) {
      const plan = planChunk(gpu, e, [a, c], 'float32');
      assert.ok(plan.ok && plan.exactness === 'approx', what);
      const got = (await gpuElementwise(gpu, e, [a, c], 'float32')).data as Float32Array;
      const want = cpu(e, [a, c], 'float32').data as Float32Array;
      for (let i = 0; i < n; i++) {
        const g = got[i]!, w = want[i]!;
        if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) continue;
        if (!(Number.isFinite(w) && Math.abs(g - w) <= bound((a.data as Float32Array)[i]!, w))) assert.unreachable(`${what}: element ${i} (a = ${(a.data as Float32Array)[i]}, b = ${(c.data as Float32Array)[i]}): GPU ${g}, CPU ${w}`);
      }
    }
  });
}

test('what stays on the CPU: float64 and int64 chains, ops without a bound, empty chunks, too many inputs', () => {
  const f64 = { ...view(new Float64Array(4) as never, [4]), dtype: 'float64' } as Chunk;
  const f32 = chunkOf('float32', 4, 1);
  const i32 = chunkOf('int32', 4, 2);
  const no = (e: ArrayExpr, inputs: Chunk[], dtype: DType, why: RegExp) => {
    const plan = planChunk(null, e, inputs, dtype);
    assert.ok(!plan.ok, JSON.stringify(e));
    if (!plan.ok) assert.match(plan.reason, why);
  };
  no(b('add', x(0), s(1)), [f64], 'float64', /float64 has no GPU type/);
  no(b('add', x(0), x(1)), [f32, i32], 'float64', /float64/); // int32 + float32 is float64, as NumPy
  no(b('add', x(0), s(1.5)), [i32], 'float64', /float64/);
  no(u('sin', x(0)), [f32], 'float32', /sin \(the WGSL built-in has no usable error bound\)/);
  no(b('pow', x(0), s(2)), [f32], 'float32', /pow/);
  no(b('mod', x(0), s(2)), [f32], 'float32', /float32 mod/);
  no(b('gt', cast('float64', x(0)), s(1)), [f32], 'bool', /float64/);
  no(b('add', x(0), s(1)), [{ ...f32, shape: [0], data: new Float32Array(0) }], 'float32', /empty chunk/);
  const seven = Array.from({ length: 7 }, () => f32);
  no(seven.map((_, k) => x(k)).reduce((l, r) => b('add', l, r)), seven, 'float32', /more than 6 inputs/);
});

test.run();
