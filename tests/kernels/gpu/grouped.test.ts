// Grouped count/sum/mean/min/max on the GPU vs the CPU grouped kernel and a naive per-group loop: counts,
// integer sums and min/max identical (-0, NaN, all-null groups included), float sums within the documented
// bound, on 1 to 100k groups, sizes off the workgroup size, empty partitions, null keys and split inputs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Data, Dictionary, Field, Float32, Float64, Int32, Int64, Int8, Schema, Table, Uint32, Utf8, vectorFromArray } from 'apache-arrow';
import { compute, fromArrow } from '../../../src/index.ts';
import { type ColumnState, type GroupAggSpec, type GroupPartial, groupChunk } from '../../../src/kernels/groupby/aggregate.ts';
import { gpuGroupChunk } from '../../../src/kernels/gpu/grouped-aggregate.ts';
import { gpuDispatchCount, gpuTestHooks } from '../../../src/kernels/gpu/device.ts';
import { makeBatch } from '../../../src/kernels/arrow-build.ts';
import { rng } from '../../helpers.ts';
import { currentGpu, fsum, gpuForTests, ulp } from './gpu-for-tests.ts';

const gpu = await gpuForTests();

const spec = (column: string, fn: GroupAggSpec['fn']): GroupAggSpec => ({ out: `${fn}_${column}`, column, fn, ddof: 1 });

function batchOf(cols: Record<string, Data>) {
  return makeBatch(new Schema(Object.entries(cols).map(([name, d]) => new Field(name, d.type, true))), Object.values(cols));
}

function column<T>(values: T[], type: any): Data {
  return vectorFromArray(values as any, type).data[0]!;
}

/** Random float64s with nulls, NaN, infinities, both zeros and a wide exponent range. */
function floats(r: () => number, n: number, special = true): Array<number | null> {
  return Array.from({ length: n }, () => {
    const u = r();
    if (u < 0.08) return null;
    if (special && u < 0.09) return NaN;
    if (special && u < 0.095) return r() < 0.5 ? Infinity : -Infinity;
    if (u < 0.12) return r() < 0.5 ? -0 : 0;
    return (r() - 0.45) * 10 ** Math.floor(r() * 12 - 4);
  });
}

/** Naive per-group float sum oracle (correctly rounded), and the CPU loop's own error bound. */
function checkFloatSums(got: ColumnState, cpu: ColumnState, ids: Int32Array, xs: Array<number | null>, what: string) {
  const per = new Map<number, number[]>();
  ids.forEach((g, i) => {
    const x = xs[i];
    if (g < 0 || x === null || x === undefined) return;
    let a = per.get(g);
    if (!a) per.set(g, (a = []));
    a.push(x);
  });
  for (let g = 0; g < got.n.length; g++) {
    const vals = per.get(g) ?? [];
    const s = got.sum![g]!;
    if (vals.some((x) => Number.isNaN(x)) || (vals.includes(Infinity) && vals.includes(-Infinity))) {
      assert.ok(Number.isNaN(s), `${what} group ${g}: NaN`);
      continue;
    }
    if (vals.some((x) => !Number.isFinite(x))) {
      assert.is(s, cpu.sum![g], `${what} group ${g}: infinite sum`);
      continue;
    }
    const exact = fsum(vals);
    const maxAbs = vals.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    // docs/GPU.md: |sum_gpu - sum| <= 0.5 ulp(sum) + n 2^-93 max|x|.
    assert.ok(Math.abs(s - exact) <= ulp(exact) / 2 + vals.length * 2 ** -93 * maxAbs, `${what} group ${g}: ${s} vs exact ${exact}`);
    const absSum = fsum(vals.map(Math.abs));
    assert.ok(Math.abs(s - cpu.sum![g]!) <= vals.length * 2 ** -52 * absSum + ulp(exact), `${what} group ${g}: vs CPU ${cpu.sum![g]}`);
  }
}

/** Everything but float sums must be the CPU's, value for value (Object.is: -0 and NaN too). */
function assertSameState(got: ColumnState, cpu: ColumnState, what: string) {
  assert.is(got.numeric, cpu.numeric, `${what}: numeric`);
  assert.equal(Array.from(got.n), Array.from(cpu.n), `${what}: counts`);
  assert.equal(got.isum, cpu.isum, `${what}: integer sums`);
  assert.equal(got.imin, cpu.imin, `${what}: int64 min`);
  assert.equal(got.imax, cpu.imax, `${what}: int64 max`);
  for (const k of ['min', 'max'] as const) {
    assert.is(got[k] === undefined, cpu[k] === undefined, `${what}: has ${k}`);
    if (!cpu[k]) continue;
    for (let g = 0; g < cpu.n.length; g++) assert.ok(Object.is(got[k]![g], cpu[k]![g]), `${what} group ${g}: ${k} ${got[k]![g]} vs CPU ${cpu[k]![g]}`);
  }
  assert.is(got.sum === undefined, cpu.sum === undefined, `${what}: has a float sum`);
}

if (gpu) {
  test('1, 7, 1000 and 100k groups over odd sizes: counts, integer sums, min/max identical to the CPU; float sums to the bound', async () => {
    const g0 = await currentGpu();
    for (const [groups, n] of [[1, 1], [1, 4097], [7, 1000], [1000, 30011], [100_000, 120_001]] as const) {
      const r = rng(groups * 31 + n);
      const keys = Array.from({ length: n }, () => (r() < 0.03 ? null : Math.floor(r() * groups)));
      const xs = floats(r, n);
      const i32 = Array.from({ length: n }, () => (r() < 0.1 ? null : Math.floor((r() - 0.5) * 2 ** 32)));
      const i64 = Array.from({ length: n }, (_, i) => (i % 97 === 3 ? -(2n ** 63n) : i % 89 === 5 ? 2n ** 63n - 1n : BigInt(Math.floor((r() - 0.5) * 2 ** 53)) * 977n));
      const u32 = Array.from({ length: n }, () => Math.floor(r() * 2 ** 32));
      const i8 = Array.from({ length: n }, () => (r() < 0.5 ? null : Math.floor((r() - 0.5) * 256)));
      const f32 = Array.from({ length: n }, () => (r() < 0.1 ? null : (r() - 0.5) * 100));
      const s = Array.from({ length: n }, () => (r() < 0.2 ? null : 'é'));
      const batch = batchOf({
        k: column(keys, new Int32()),
        x: column(xs, new Float64()),
        a: column(i32, new Int32()),
        b: column(i64, new Int64()),
        c: column(u32, new Uint32()),
        d: column(i8, new Int8()),
        e: column(f32, new Float32()),
        s: column(s, new Utf8()),
      });
      const specs = [
        ...['x', 'a', 'b', 'c', 'd', 'e'].flatMap((c) => [spec(c, 'sum'), spec(c, 'min'), spec(c, 'max'), spec(c, 'mean')]),
        spec('s', 'count'),
        spec('x', 'size'),
      ];
      for (const dropna of groups <= 1000 ? [true, false] : [true]) {
        const before = gpuDispatchCount();
        const got = await gpuGroupChunk(g0, batch, ['k'], specs, dropna);
        assert.ok(gpuDispatchCount() > before, 'the kernels ran on the GPU');
        const cpu = groupChunk(batch, ['k'], specs, dropna) as GroupPartial;
        const what = `${groups} groups, n=${n}, dropna=${dropna}`;
        assert.is(got.ngroups, cpu.ngroups, what);
        assert.equal(got.keys, cpu.keys, `${what}: keys`);
        assert.equal(got.size, cpu.size, `${what}: sizes`);
        for (const c of ['x', 'a', 'b', 'c', 'd', 'e', 's']) assertSameState(got.columns.get(c)!, cpu.columns.get(c)!, `${what}, column ${c}`);
        // The naive loop: group ids as the CPU assigned them (first-seen order).
        const ids = new Int32Array(n);
        const index = new Map(cpu.keys[0]!.map((k, g) => [k, g]));
        keys.forEach((k, i) => (ids[i] = k === null && dropna ? -1 : index.get(k)!));
        checkFloatSums(got.columns.get('x')!, cpu.columns.get('x')!, ids, xs, `${what}, float64`);
        checkFloatSums(got.columns.get('e')!, cpu.columns.get('e')!, ids, Array.from(column(f32, new Float32()).values as Float32Array, (v, i) => (f32[i] === null ? null : v)), `${what}, float32`);
      }
    }
  });

  test('zeros, NaN and all-null groups: min/max exactly as the CPU kernel (first zero met wins), sums of -0 are +0', async () => {
    const g0 = await currentGpu();
    const keys = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5];
    const xs = [-0, 0, 0, -0, null, null, NaN, 1, -0, -0, 2, 0, -0];
    const batch = batchOf({ k: column(keys, new Int32()), x: column(xs, new Float64()), i: column(xs.map((x) => (x === null || Number.isNaN(x) ? null : BigInt(Math.trunc(x)))), new Int64()) });
    const specs = [spec('x', 'min'), spec('x', 'max'), spec('x', 'sum'), spec('i', 'min'), spec('i', 'max')];
    const got = await gpuGroupChunk(g0, batch, ['k'], specs, true);
    const cpu = groupChunk(batch, ['k'], specs, true) as GroupPartial;
    assertSameState(got.columns.get('x')!, cpu.columns.get('x')!, 'zeros');
    assertSameState(got.columns.get('i')!, cpu.columns.get('i')!, 'int64 with an all-null group');
    const x = got.columns.get('x')!;
    assert.ok(Object.is(x.min![0], -0) && Object.is(x.max![0], -0), 'first zero -0');
    assert.ok(Object.is(x.min![1], 0) && Object.is(x.max![1], 0), 'first zero +0');
    assert.is(x.min![2], Infinity, 'all-null group keeps the CPU start values');
    assert.ok(Number.isNaN(x.min![3]!) && Number.isNaN(x.max![3]!), 'NaN wins');
    assert.ok(Object.is(x.sum![4], 0), 'a sum of -0 is +0, as the CPU loop starting at 0');
    assert.is(got.columns.get('i')!.imin![2], null);
  });

  test('dictionary keys, an empty partition and a chunk with no groups (every key null)', async () => {
    const g0 = await currentGpu();
    const dict = vectorFromArray(['b', 'a', null, 'b', '😀'], new Dictionary(new Utf8(), new Int32())).data[0]!;
    const specs = [spec('x', 'sum'), spec('x', 'max'), spec('x', 'count')];
    const batch = batchOf({ k: dict, x: column([1.5, null, 3, 4, -2], new Float64()) });
    const got = await gpuGroupChunk(g0, batch, ['k'], specs, true);
    const cpu = groupChunk(batch, ['k'], specs, true) as GroupPartial;
    assert.equal(got.keys, cpu.keys);
    assertSameState(got.columns.get('x')!, cpu.columns.get('x')!, 'dictionary keys');
    assert.equal(Array.from(got.columns.get('x')!.sum!), [5.5, 0, -2]);
    for (const [k, x] of [[[], []], [[null, null], [1, 2]]] as const) {
      const b = batchOf({ k: column(k as any, new Int32()), x: column(x as any, new Float64()) });
      const e = await gpuGroupChunk(g0, b, ['k'], specs, true);
      const c = groupChunk(b, ['k'], specs, true) as GroupPartial;
      assert.is(e.ngroups, 0);
      assert.equal(e, c);
    }
  });

  test('inputs split under the binding limit give the same partial', async () => {
    const g0 = await currentGpu();
    const r = rng(5);
    const n = 9001;
    const keys = Array.from({ length: n }, () => Math.floor(r() * 50));
    const xs = floats(r, n, false);
    const batch = batchOf({ k: column(keys, new Int32()), x: column(xs, new Float64()), b: column(keys.map((k) => BigInt(k) * 2n ** 40n), new Int64()) });
    const specs = [spec('x', 'sum'), spec('x', 'min'), spec('x', 'max'), spec('b', 'sum'), spec('b', 'max')];
    const whole = await gpuGroupChunk(g0, batch, ['k'], specs, true);
    gpuTestHooks.maxBindingBytes = 256 * 8 * 3; // 3 workgroups of rows per piece: 12 pieces
    try {
      const before = gpuDispatchCount();
      const split = await gpuGroupChunk(g0, batch, ['k'], specs, true);
      assert.ok(gpuDispatchCount() - before >= 12 * 2, 'several pieces were dispatched');
      assert.equal(split, whole);
    } finally {
      gpuTestHooks.maxBindingBytes = null;
    }
  });

  test("groupby().agg() under kernels: 'gpu' equals kernels: 'cpu' end to end (hostile and unicode names, var on the CPU beside)", async () => {
    const r = rng(77);
    const n = 5003;
    const cols = Object.create(null);
    cols['__proto__'] = vectorFromArray(Array.from({ length: n }, () => ['x', 'y', 'ß', null][Math.floor(r() * 4)]!), new Dictionary(new Utf8(), new Int32()));
    cols['constructor'] = vectorFromArray(Array.from({ length: n }, () => (r() < 0.1 ? null : Math.round((r() - 0.5) * 1e6) / 8)), new Float64());
    cols['数'] = vectorFromArray(Array.from({ length: n }, () => Math.floor((r() - 0.5) * 1e9)), new Int32());
    const df = fromArrow(new Table(cols), { npartitions: 4 });
    const agg = df.groupby('__proto__').agg({
      s: ['constructor', 'sum'], m: ['constructor', 'mean'], lo: ['constructor', 'min'], hi: ['constructor', 'max'], c: ['constructor', 'count'],
      is: ['数', 'sum'], imax: ['数', 'max'], n: ['数', 'size'], v: ['constructor', 'var'],
    });
    const before = gpuDispatchCount();
    const got = (await agg.compute({ scheduler: 'sync', kernels: 'gpu' })).toArray().map((x) => x.toJSON());
    assert.ok(gpuDispatchCount() > before, 'the grouped kernels ran on the GPU');
    const cpu = (await agg.compute({ scheduler: 'sync' })).toArray().map((x) => x.toJSON());
    // Values here are multiples of 1/8 below 2^20: every float sum is exact on both, so all must match.
    for (let i = 0; i < cpu.length; i++) assert.equal(got[i], cpu[i], `row ${i}`);
  });
}

test.run();
