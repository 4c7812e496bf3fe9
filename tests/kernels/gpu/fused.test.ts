// Fused expressions on the GPU: the float64 emulation gives the CPU's bits for + - * / on hard operands
// (subnormals, ties, cancellation, overflow, NaN, infinities, -0), fused reductions equal the CPU kernels
// (nulls, Kleene logic, hostile and unicode names), and expressions outside the subset say why they stay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RecordBatch, Field, Float32, Float64, Int32, Int64, Schema, Table, vectorFromArray } from 'apache-arrow';
import { compute, fromArrow } from '../../../src/index.ts';
import type { ColExpr } from '../../../src/expr.ts';
import { compileFused, uploadFused } from '../../../src/kernels/gpu/fused-expression.ts';
import { gpuDispatchCount } from '../../../src/kernels/gpu/device.ts';
import { makeBatch, primitiveData, sharedArray } from '../../../src/kernels/arrow-build.ts';
import { evaluateColumn } from '../../../src/kernels/evaluate.ts';
import { validityOf } from '../../../src/kernels/validity.ts';
import { rng } from '../../helpers.ts';
import { currentGpu, gpuForTests } from './gpu-for-tests.ts';

const gpu = await gpuForTests();
const col = (name: string): ColExpr => ({ t: 'col', name });
const lit = (value: number | boolean | null): ColExpr => ({ t: 'lit', value });
const bin = (op: any, l: ColExpr, r: ColExpr): ColExpr => ({ t: 'bin', op, l, r });

/** Operand pairs that exercise every rounding path of the emulation. */
function hardPairs(n: number): [Float64Array, Float64Array] {
  const r = rng(2024);
  const a = sharedArray(Float64Array, n);
  const b = sharedArray(Float64Array, n);
  const bits = (x: Float64Array, i: number) => {
    const w = new Uint32Array(x.buffer, x.byteOffset + 8 * i, 2);
    w[0] = (r() * 2 ** 32) >>> 0;
    w[1] = (r() * 2 ** 32) >>> 0;
  };
  const specials = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 2 ** -1022, 2 ** -1022 - 5e-324, 1.7976931348623157e308, 1, -1, 0.1];
  for (let i = 0; i < n; i++) {
    switch (i % 8) {
      case 0: // random bit patterns: every exponent, NaN payloads
        bits(a, i);
        bits(b, i);
        break;
      case 1: // specials against everything
        a[i] = specials[Math.floor(r() * specials.length)]!;
        b[i] = r() < 0.5 ? specials[Math.floor(r() * specials.length)]! : (r() - 0.5) * 1e10;
        break;
      case 2: // close values: cancellation in add/sub
        a[i] = (1 + r()) * 2 ** Math.floor(r() * 40 - 20);
        b[i] = -a[i]! * (1 + (r() - 0.5) * 2 ** -Math.floor(r() * 52));
        break;
      case 3: // halfway ties: 1 + k ulp with half an ulp
        a[i] = 1 + Math.floor(r() * 1000) * 2 ** -52;
        b[i] = (r() < 0.5 ? 1 : 3) * 2 ** -53;
        break;
      case 4: // products and quotients landing in the subnormal range or overflowing
        a[i] = (1 + r()) * 2 ** (-500 - Math.floor(r() * 60));
        b[i] = (r() < 0.5 ? 1 : -1) * (1 + r()) * 2 ** (r() < 0.5 ? -520 - Math.floor(r() * 40) : 520 + Math.floor(r() * 40));
        break;
      case 5: // subnormal operands
        a[i] = Math.floor(r() * 2 ** 40) * 5e-324;
        b[i] = (r() - 0.5) * 2 ** -1000;
        break;
      case 6: // exactly representable integers and small fractions
        a[i] = Math.floor((r() - 0.5) * 2 ** 53);
        b[i] = Math.floor((r() - 0.5) * 1000) / 8;
        break;
      default: // ordinary data
        a[i] = (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10);
        b[i] = (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10);
    }
  }
  return [a, b];
}

/** Run the production element kernel and read back its float64 column and validity bits. */
async function elementwise(expr: ColExpr, batch: RecordBatch, filter?: ColExpr): Promise<{ values: Float64Array; valid: Uint32Array }> {
  const g = await currentGpu();
  const c = compileFused(expr, batch.schema, filter);
  if (!('plan' in c)) throw new Error(c.refusal);
  const n = batch.numRows;
  const src = await uploadFused(g, c.plan, batch);
  try {
    const [vals, bits] = src.pieces[0]!.bindings(null as never, null as never);
    const values = new Float64Array(await readBack(vals!, n * 8));
    const words = new Uint32Array(await readBack(bits!, Math.ceil(n / 32) * 4));
    const valid = new Uint32Array(n);
    for (let i = 0; i < n; i++) valid[i] = (words[i >> 5]! >>> (i & 31)) & 1;
    return { values, valid };
  } finally {
    src.destroy();
  }
}

async function readBack(buf: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const g = await currentGpu();
  const rb = g.device.createBuffer({ size: bytes, usage: 0x0001 | 0x0008 });
  const enc = g.device.createCommandEncoder();
  enc.copyBufferToBuffer(buf, 0, rb, 0, bytes);
  g.device.queue.submit([enc.finish()]);
  await rb.mapAsync(0x0001);
  const out = rb.getMappedRange().slice(0);
  rb.unmap();
  rb.destroy();
  return out;
}

const same = (x: number, y: number) => Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y));

if (gpu) {
  test('float64 emulation: + - * / give the CPU bits on 4096 hard operand pairs (ties, subnormals, overflow, NaN, -0)', async () => {
    const n = 4096;
    const [a, b] = hardPairs(n);
    const batch = makeBatch(new Schema([new Field('a', new Float64()), new Field('b', new Float64())]), [primitiveData(new Float64(), n, a, null), primitiveData(new Float64(), n, b, null)]);
    const ops = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y };
    for (const [op, f] of Object.entries(ops)) {
      const { values } = await elementwise(bin(op, col('a'), col('b')), batch);
      let bad = 0;
      const first: string[] = [];
      for (let i = 0; i < n; i++) {
        const want = f(a[i]!, b[i]!);
        if (!same(values[i]!, want)) {
          if (bad++ < 3) first.push(`${a[i]} ${op} ${b[i]} = ${want}, GPU ${values[i]}`);
        }
      }
      assert.is(bad, 0, `${op}: ${bad} results differ from the CPU: ${first.join('; ')}`);
    }
  });

  test('comparisons, neg/abs, null tests and Kleene and/or/not with nulls: the rows kept are the CPU evaluator\'s', async () => {
    const r = rng(3);
    const n = 1000;
    const pick = [NaN, 0, -0, 1, -1, 3, 5, 2.5, Infinity, -Infinity];
    const xs = Array.from({ length: n }, () => (r() < 0.15 ? null : pick[Math.floor(r() * pick.length)]!));
    const ys = Array.from({ length: n }, () => (r() < 0.15 ? null : pick[Math.floor(r() * pick.length)]!));
    const batch = makeBatch(new Schema([new Field('a', new Float64()), new Field('b', new Float64()), new Field('one', new Float64())]), [
      vectorFromArray(xs, new Float64()).data[0]!,
      vectorFromArray(ys, new Float64()).data[0]!,
      primitiveData(new Float64(), n, sharedArray(Float64Array, n).fill(1), null),
    ]);
    const a = col('a');
    const b = col('b');
    const un = (op: any, x: ColExpr): ColExpr => ({ t: 'un', op, x });
    const preds: ColExpr[] = [
      ...['gt', 'ge', 'lt', 'le', 'eq', 'ne'].map((op) => bin(op, a, b)),
      bin('gt', a, lit(3)),
      bin('le', lit(2.5), b),
      bin('eq', a, lit(null)),
      bin('and', bin('gt', a, lit(0)), bin('lt', b, lit(5))),
      bin('or', bin('gt', a, lit(0)), bin('lt', b, lit(5))),
      un('not', bin('or', bin('eq', a, lit(-0)), un('isNull', b))),
      bin('and', un('notNull', a), bin('ne', un('abs', a), un('neg', b))),
      bin('gt', bin('add', bin('mul', a, lit(2)), b), bin('div', b, lit(3))),
      bin('or', bin('and', bin('ge', a, b), lit(true)), bin('and', lit(null as any), bin('lt', a, lit(1)))),
    ];
    for (const pred of preds) {
      const { valid } = await elementwise(col('one'), batch, pred);
      const kept = evaluateColumn(batch, pred);
      const bits = kept.values as Uint8Array;
      const vmap = kept.nullCount > 0 ? kept.nullBitmap! : null;
      for (let i = 0; i < n; i++) {
        const j = kept.offset + i;
        const want = (vmap === null || ((vmap[j >> 3]! >> (j & 7)) & 1) === 1) && ((bits[j >> 3]! >> (j & 7)) & 1) === 1;
        assert.is(valid[i] === 1, want, `${JSON.stringify(pred)} row ${i}: a=${xs[i]} b=${ys[i]}`);
      }
    }
    // neg/abs/arithmetic values with nulls: bits and validity as the CPU's columns.
    for (const expr of [un('neg', a), un('abs', b), bin('sub', bin('mul', a, b), lit(-0)), bin('div', un('neg', a), b)]) {
      const { values, valid } = await elementwise(expr, batch);
      const cpu = evaluateColumn(batch, expr);
      const cv = cpu.values as Float64Array;
      const cpuValid = validityOf(cpu);
      for (let i = 0; i < n; i++) {
        const ok = cpuValid === null || ((cpuValid[i >> 3]! >> (i & 7)) & 1) === 1;
        assert.is(valid[i] === 1, ok, `validity of ${JSON.stringify(expr)} row ${i}`);
        if (ok) assert.ok(same(values[i]!, cv[i]!), `${JSON.stringify(expr)} row ${i}: ${values[i]} vs CPU ${cv[i]}`);
      }
    }
  });

  test("fused reductions through compute(): kernels: 'gpu' equals the CPU on expressions over hostile and unicode names, nulls, int and float32 leaves", async () => {
    const r = rng(9);
    const n = 4099;
    const cols = Object.create(null);
    cols['__proto__'] = vectorFromArray(Array.from({ length: n }, () => (r() < 0.1 ? null : Math.round((r() - 0.5) * 2 ** 20) / 64)), new Float64());
    cols['名前 ü'] = vectorFromArray(Array.from({ length: n }, () => (r() < 0.1 ? null : Math.floor((r() - 0.5) * 1e6))), new Int32());
    cols['f32'] = vectorFromArray(Array.from({ length: n }, () => Math.round((r() - 0.5) * 1000) / 4), new Float32());
    cols['big'] = vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64());
    const df = fromArrow(new Table(cols), { npartitions: 3 });
    const p = df.col('__proto__');
    const u = df.col('名前 ü');
    const f = df.col('f32');
    // Exact sums on both sides: every value is a multiple of 2^-8 below 2^40, so the sums must match exactly.
    const fused = [p.mul(2).add(u), p.sub(f).abs(), u.div(4).neg(), f.mul(f).sub(p)];
    const asks = fused.flatMap((e) => [e.sum(), e.min(), e.max(), e.count(), e.mean()]);
    const before = gpuDispatchCount();
    const got = await compute(...asks, { scheduler: 'sync', kernels: 'gpu' });
    assert.ok(gpuDispatchCount() > before, 'ran on the GPU');
    const cpu = await compute(...asks, { scheduler: 'sync' });
    for (let i = 0; i < asks.length; i++) assert.ok(same(got[i] as number, cpu[i] as number), `output ${i}: ${got[i]} vs CPU ${cpu[i]}`);
    // Outside the subset: int64 leaves, integer arithmetic, pow: evaluated on the CPU, same answers.
    const rest = [df.col('big').mul(2).sum(), u.add(1).sum(), p.pow(2).max()];
    assert.equal(await compute(...rest, { scheduler: 'sync', kernels: 'gpu' }), await compute(...rest, { scheduler: 'sync' }));
  });

  test('a filter fused into the reduction after it: filtered sums/counts/min/max equal the CPU (nulls in the predicate drop rows)', async () => {
    const r = rng(21);
    const n = 3001;
    const cols = Object.create(null);
    cols['a'] = vectorFromArray(Array.from({ length: n }, () => (r() < 0.1 ? null : Math.floor(r() * 10))), new Int32());
    cols['b'] = vectorFromArray(Array.from({ length: n }, () => (r() < 0.1 ? null : r() < 0.05 ? NaN : Math.round(r() * 80) / 8)), new Float64());
    cols['constructor'] = vectorFromArray(Array.from({ length: n }, () => (r() < 0.1 ? null : Math.round((r() - 0.5) * 1e6) / 16)), new Float64());
    const df = fromArrow(new Table(cols), { npartitions: 3 });
    const a = df.col('a');
    const b = df.col('b');
    const kept = df.filter(a.gt(3).and(b.lt(5)));
    const x = kept.col('constructor');
    const asks = [x.sum(), x.count(), x.min(), x.max(), x.mul(2).sub(kept.col('b')).sum(), kept.col('b').mean()];
    const before = gpuDispatchCount();
    const got = await compute(...asks, { scheduler: 'sync', kernels: 'gpu' });
    assert.ok(gpuDispatchCount() > before, 'ran on the GPU');
    const cpu = await compute(...asks, { scheduler: 'sync' });
    for (let i = 0; i < asks.length; i++) assert.ok(same(got[i] as number, cpu[i] as number), `output ${i}: ${got[i]} vs CPU ${cpu[i]}`);
    // Not fusable (an integer column reduced): the filter runs on the CPU, the reduction on the GPU; same answers.
    const ints = [kept.col('a').sum(), df.filter(b.isNull().or(a.eq(0))).col('a').max()];
    assert.equal(await compute(...ints, { scheduler: 'sync', kernels: 'gpu' }), await compute(...ints, { scheduler: 'sync' }));
  });

  test('expressions outside the exact subset are refused with the reason', () => {
    const schema = new Schema([new Field('x', new Float64()), new Field('i', new Int32()), new Field('b', new Int64())]);
    const why = (e: ColExpr) => {
      const c = compileFused(e, schema);
      return 'refusal' in c ? c.refusal : 'compiled';
    };
    assert.is(why(bin('add', col('x'), col('i'))), 'compiled');
    assert.match(why(bin('pow', col('x'), lit(2))), /'pow'/);
    assert.match(why(bin('add', col('x'), bin('add', col('i'), col('i')))), /integer 'add' \(integer arithmetic checks overflow/);
    assert.match(why(bin('add', col('i'), col('i'))), /is not float64/);
    assert.match(why(bin('add', col('x'), col('b'))), /column of type Int64/);
    assert.match(why({ t: 'call', fn: 'round', args: [col('x')], opts: {} }), /round/);
    assert.match(why(bin('add', col('x'), { t: 'lit', value: 'a' })), /string|cannot type/);
    const wide = Array.from({ length: 7 }, (_, k) => new Field(`c${k}`, new Float64()));
    const many = wide.slice(1).reduce<ColExpr>((e, f) => bin('add', e, col(f.name)), col('c0'));
    assert.match('refusal' in compileFused(many, new Schema(wide)) ? (compileFused(many, new Schema(wide)) as { refusal: string }).refusal : '', /more than 5 columns/);
  });
}

test.run();
