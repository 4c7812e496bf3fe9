// DataFrame reductions on the GPU kernels vs the CPU kernels and exact oracles: float64 sums within one ulp of
// the correctly rounded sum, integer sums/min/max exact, var/std within the documented bound, on nulls, NaN,
// infinities, empty and odd-sized partitions, filters, expressions, and inputs split under the binding limit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Table, vectorFromArray, Int8, Int32, Int64, Uint32, Float32, Float64 } from 'apache-arrow';
import { compute, fromArrow, fromColumns } from '../../../src/index.ts';
import { gpuDispatchCount, gpuTestHooks } from '../../../src/kernels/gpu/device.ts';
import { rng } from '../../helpers.ts';
import { fsum, gpuForTests, ulp } from './gpu-for-tests.ts';

const gpu = await gpuForTests();
const GPU = { scheduler: 'sync', kernels: 'gpu' } as const;
const CPU = { scheduler: 'sync' } as const;
const REDS = ['sum', 'mean', 'min', 'max', 'count', 'var', 'std'] as const;

function floats(seed: number, n: number, opts: { nulls?: number; nan?: number; inf?: number; spread?: number } = {}): Array<number | null> {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const u = r();
    if (u < (opts.nulls ?? 0)) return null;
    if (u < (opts.nulls ?? 0) + (opts.nan ?? 0)) return NaN;
    if (u < (opts.nulls ?? 0) + (opts.nan ?? 0) + (opts.inf ?? 0)) return r() < 0.5 ? Infinity : -Infinity;
    return (r() - 0.4) * 10 ** Math.floor(r() * (opts.spread ?? 8) - 2);
  });
}

/** Exact sample variance of finite values (BigInt-free: two-pass over the correctly rounded mean, in fsum). */
function exactVar(xs: number[], ddof: number): number {
  const mean = fsum(xs) / xs.length;
  return fsum(xs.map((x) => (x - mean) ** 2)) / (xs.length - ddof);
}

if (gpu) {
  test('float64 sum/mean/min/max/count/var/std: GPU vs CPU and exact oracles (nulls, sizes around the 2048-row workgroup, empty partitions)', async () => {
    for (const [n, np] of [[1, 1], [2047, 1], [2049, 3], [10007, 4], [5, 8]] as const) {
      const xs = floats(n, n, { nulls: 0.1 });
      const s = fromColumns({ x: xs }, { npartitions: np }).col('x');
      const before = gpuDispatchCount();
      const got = await compute(...REDS.map((r) => s[r]()), GPU);
      assert.ok(gpuDispatchCount() > before, 'the kernels ran on the GPU');
      const cpu = await compute(...REDS.map((r) => s[r]()), CPU);
      const vals = xs.filter((x): x is number => x !== null);
      const exact = fsum(vals);
      const absSum = fsum(vals.map(Math.abs));
      // Workgroup partials are exact to 2^-115 max|x|; the one rounding is to nearest: within 1 ulp.
      assert.ok(Math.abs((got[0] as number) - exact) <= ulp(exact) + absSum * 2 ** -100, `sum n=${n}: ${got[0]} vs exact ${exact}`);
      // The CPU's naive loop is within its own bound of the same value.
      assert.ok(Math.abs((got[0] as number) - (cpu[0] as number)) <= vals.length * 2 ** -52 * absSum + ulp(exact), `sum vs cpu n=${n}`);
      assert.ok(Math.abs((got[1] as number) - exact / vals.length) <= 2 * ulp(exact / vals.length), `mean n=${n}`);
      assert.is(got[2], Math.min(...vals), `min n=${n}`);
      assert.is(got[3], Math.max(...vals), `max n=${n}`);
      assert.is(got[4], vals.length, `count n=${n}`);
      if (vals.length > 1) {
        const v = exactVar(vals, 1);
        const maxAbs = Math.max(...vals.map(Math.abs));
        assert.ok(Math.abs((got[5] as number) - v) <= 2 ** -20 * v + 2 ** -44 * maxAbs * Math.sqrt(v), `var n=${n}: ${got[5]} vs ${v}`);
        assert.ok(Math.abs((got[6] as number) - Math.sqrt(v)) <= 2 ** -20 * Math.sqrt(v) + 2 ** -44 * maxAbs, `std n=${n}`);
      } else assert.is(got[5], null);
    }
  });

  test('NaN makes sum/min/max/var NaN and infinities give the IEEE answers, as on the CPU', async () => {
    const cases: Array<Array<number | null>> = [
      [1, 2, NaN, null, 4],
      [1, Infinity, 3],
      [-Infinity, 1, null],
      [Infinity, -Infinity, 1],
      [NaN, NaN],
      [null, null, 1.5],
    ];
    for (const xs of cases) {
      const s = fromColumns({ x: xs }, { npartitions: 2 }).col('x');
      const got = await compute(...REDS.map((r) => s[r]()), GPU);
      const cpu = await compute(...REDS.map((r) => s[r]()), CPU);
      assert.equal(got, cpu, JSON.stringify(xs.map(String)));
    }
    // Every row filtered out: empty float64 partitions on both backends.
    const df = fromColumns({ x: [1, 2, 3, null] }, { npartitions: 2 });
    const none = df.filter(df.col('x').gt(10)).col('x');
    assert.equal(await compute(...REDS.map((r) => none[r]()), GPU), await compute(...REDS.map((r) => none[r]()), CPU));
  });

  test('float64 sums are near exact where the CPU loop is not: huge cancellations and 1e300 ranges', async () => {
    const xs = [1e16, 1, -1e16, 3.5, 1e-300, 2 ** 60, -(2 ** 60), 0.1, 0.2, -0.3];
    for (let rep = 0; rep < 3; rep++) xs.push(...xs);
    const s = fromColumns({ x: xs }, { npartitions: 2 }).col('x');
    const [sum] = await compute(s.sum(), GPU);
    assert.is(sum, fsum(xs));
    // The documented bound: each workgroup keeps its sum to 2^-115 of its largest |x|, so 2.5 next to 1.8e308
    // is below the resolution (the CPU loop, by luck of order, keeps it here).
    const wide = [1e300, -1e300, 5e-324, 1e-300, 7, -7, 1.7976931348623157e308, -1.7976931348623157e308, 2.5];
    const [w] = await compute(fromColumns({ x: wide }, { npartitions: 1 }).col('x').sum(), GPU);
    assert.ok(Math.abs((w as number) - fsum(wide)) <= 2 ** -114 * 1.7976931348623157e308, `wide-range sum ${w}`);
    const [w2] = await compute(fromColumns({ x: wide.slice(0, 6) }, { npartitions: 1 }).col('x').sum(), GPU);
    assert.ok(Math.abs((w2 as number) - fsum(wide.slice(0, 6))) <= 2 ** -114 * 1e300);
    const over = [1.7976931348623157e308, 1.7976931348623157e308];
    const [o] = await compute(fromColumns({ x: over }, { npartitions: 1 }).col('x').sum(), GPU);
    assert.is(o, Infinity, 'a sum beyond the double range overflows as on the CPU');
  });

  test('integer columns: sums, min and max exact (int8, int32, uint32, int64 near the limits), types as on the CPU', async () => {
    const r = rng(7);
    const n = 5003;
    const i32 = Array.from({ length: n }, () => (r() < 0.05 ? null : Math.floor((r() - 0.5) * 2 ** 32)));
    const u32 = Array.from({ length: n }, () => Math.floor(r() * 2 ** 32));
    const i8 = Array.from({ length: n }, () => Math.floor((r() - 0.5) * 256));
    const i64 = Array.from({ length: n }, (_, i) => (i === 3 ? -(2n ** 63n) : i === 9 ? 2n ** 63n - 1n : BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 53)) * 1031n * (r() < 0.5 ? -1n : 1n))));
    const table = new Table({
      a: vectorFromArray(i32, new Int32()),
      b: vectorFromArray(u32, new Uint32()),
      c: vectorFromArray(i8, new Int8()),
      d: vectorFromArray(i64, new Int64()),
    });
    const df = fromArrow(table, { npartitions: 3 });
    for (const name of ['a', 'b', 'c', 'd']) {
      const s = df.col(name);
      const got = await compute(s.sum(), s.min(), s.max(), s.count(), s.mean(), s.var(), GPU);
      const cpu = await compute(s.sum(), s.min(), s.max(), s.count(), s.mean(), s.var(), CPU);
      assert.equal(got.slice(0, 4), cpu.slice(0, 4), `column ${name}: sum/min/max/count exactly`);
      assert.ok(Math.abs((got[4] as number) - (cpu[4] as number)) <= 1e-12 * Math.abs(cpu[4] as number) + 1e-9, `mean ${name}`);
      assert.ok(Math.abs((got[5] as number) - (cpu[5] as number)) <= 2 ** -20 * (cpu[5] as number), `var ${name}: ${got[5]} vs ${cpu[5]}`);
    }
    const exact = i64.reduce<bigint>((a, x) => a + x, 0n);
    const [sum] = await compute(df.col('d').sum(), GPU);
    assert.is(BigInt(sum as bigint | number), exact, 'int64 sum exact beyond 2^64');
  });

  test('float32 columns, variance of offset data (1e8 + small), filtered and expression reductions, hostile names', async () => {
    const r = rng(11);
    const n = 4099;
    const f32 = Array.from({ length: n }, () => (r() - 0.5) * 1000);
    const off = Array.from({ length: n }, () => 1e8 + r());
    const cols = Object.create(null);
    cols['__proto__'] = vectorFromArray(f32, new Float32());
    cols['constructor'] = vectorFromArray(off, new Float64());
    cols['y'] = vectorFromArray(Array.from({ length: n }, () => r() * 10), new Float64());
    const df = fromArrow(new Table(cols), { npartitions: 3 });
    assert.equal(df.columns, ['__proto__', 'constructor', 'y']);
    const p = df.col('__proto__');
    const o = df.col('constructor');
    const y = df.col('y');
    const filtered = df.filter(y.gt(5));
    const exprs = [p.sum(), p.min(), p.max(), o.var(), o.std(), filtered.col('constructor').sum(), filtered.col('y').count(), y.mul(2).add(p).sum(), y.sub(1).max()];
    const got = await compute(...exprs, GPU);
    const cpu = await compute(...exprs, CPU);
    const vs = Array.from(new Float32Array(f32));
    assert.ok(Math.abs((got[0] as number) - fsum(vs)) <= ulp(fsum(vs)), 'float32 sum');
    assert.is(got[1], cpu[1]);
    assert.is(got[2], cpu[2]);
    const v = exactVar(off, 1);
    assert.ok(Math.abs((got[3] as number) - v) <= 2 ** -20 * v + 2 ** -44 * 1.0000001e8 * Math.sqrt(v), `offset var ${got[3]} vs ${v}`);
    assert.ok(Math.abs((got[4] as number) - Math.sqrt(v)) <= 1e-5 * Math.sqrt(v), 'offset std');
    assert.ok(Math.abs((got[5] as number) - (cpu[5] as number)) <= 1e-12 * (cpu[5] as number), 'filtered sum');
    assert.is(got[6], cpu[6], 'filtered count');
    assert.ok(Math.abs((got[7] as number) - (cpu[7] as number)) <= 1e-9 * Math.abs(cpu[7] as number) + 1e-9, 'expression sum');
    assert.is(got[8], cpu[8]);
  });

  test('inputs larger than the binding limit are split into pieces: same answers', async () => {
    const xs = floats(99, 20011, { nulls: 0.05 });
    const ints = Array.from({ length: 20011 }, (_, i) => (i * 7919) % 100003 - 50000);
    const df = fromArrow(new Table({ x: vectorFromArray(xs, new Float64()), i: vectorFromArray(ints, new Int32()) }), { npartitions: 1 });
    const ask = () => [df.col('x').sum(), df.col('x').min(), df.col('x').var(), df.col('i').sum(), df.col('i').max(), df.col('i').var()] as const;
    const whole = await compute(...ask(), GPU);
    gpuTestHooks.maxBindingBytes = 2048 * 8 * 2; // two workgroups of float64 per piece: 5 pieces
    try {
      const before = gpuDispatchCount();
      const split = await compute(...ask(), GPU);
      assert.ok(gpuDispatchCount() - before >= 5 * 2, 'several pieces were dispatched');
      assert.is(split[0], whole[0]);
      assert.is(split[1], whole[1]);
      assert.ok(Math.abs((split[2] as number) - (whole[2] as number)) <= 2 ** -20 * (whole[2] as number));
      assert.is(split[3], whole[3]);
      assert.is(split[4], whole[4]);
      assert.is(split[3], ints.reduce((a, b) => a + b, 0));
    } finally {
      gpuTestHooks.maxBindingBytes = null;
    }
  });

  test('under the threads scheduler each worker uses its own GPU device: same answers', async () => {
    const xs = floats(5, 30000, { nulls: 0.1 });
    const s = fromColumns({ x: xs }, { npartitions: 4 }).col('x');
    const got = await compute(s.sum(), s.min(), s.count(), { scheduler: 'threads', numWorkers: 2, kernels: 'gpu' });
    const vals = xs.filter((x): x is number => x !== null);
    assert.ok(Math.abs((got[0] as number) - fsum(vals)) <= ulp(fsum(vals)));
    assert.is(got[1], Math.min(...vals));
    assert.is(got[2], vals.length);
  });
}

test.run();
