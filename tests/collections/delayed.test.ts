// delayed(fn)(...args) as a collection kind: one graph with DataFrames and Scalars, results in argument
// order, deterministic keys (equal calls run once, closures never share), lazy get(), errors that name the
// call, and the same results on sync, threads and processes (functions shipped by source or module).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Table } from 'apache-arrow';
import { compute, delayed, fromColumns, udf, TaskError, type RunListener } from '../../src/index.ts';
import { SCHEDULERS, rejects } from '../helpers.ts';

const MODELS = new URL('../futures/fixtures/models.ts', import.meta.url).href;
const SYNC = { scheduler: 'sync' } as const;

/** Counts delayed.call tasks started (the work actually run). */
function callCounter(): { listener: RunListener; calls: () => number } {
  let n = 0;
  const listener: RunListener = {
    onTaskStart: (t) => {
      if (t.op === 'delayed.call') n += 1;
      if (t.op === 'tessera.chain') n += (t.args[0] as Array<{ op: string }>).filter((s) => s.op === 'delayed.call').length;
    },
  };
  return { listener, calls: () => n };
}

const add = delayed((a: number, b: number) => a + b);
const describeTable = delayed((t: Table, scale: number) => ({ rows: t.numRows, total: (t.getChild('x')!.toArray() as Float64Array).reduce((s, v) => s + v, 0) * scale }), { name: 'describeTable' });
const fitLine = delayed(udf(MODELS, 'fitLine'));

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] delayed calls, a DataFrame and a Scalar in one compute(), results in argument order`, async () => {
    const xs = [1.5, 2, 3, 4, 5, 6, 7.5];
    const df = fromColumns({ x: xs }, { npartitions: 3 });
    const total = xs.reduce((s, v) => s + v, 0);
    const a = add(1, 2);
    const b = add(a, 10);
    const d = describeTable(df, df.col('x').count());
    const nested = add([a, b].length, { k: a }.k); // plain values around a Delayed
    const fit = fitLine({ x: [0, 1, 2, 3], y: [a, 5, 7, 9] }); // a Delayed nested inside a plain object and an array
    const [ra, rb, rd, mean, plain, rn, slope] = await compute(a, b, d, df.col('x').mean(), 'as is', nested, fit.get('slope'), { scheduler, numWorkers: 2 });
    assert.is(ra, 3);
    assert.is(rb, 13);
    assert.equal(rd, { rows: 7, total: total * 7 });
    assert.ok(Math.abs((mean as number) - total / 7) < 1e-12);
    assert.is(plain, 'as is');
    assert.is(rn, 5);
    assert.ok(Math.abs((slope as number) - 2) < 1e-12, `slope of (0,3),(1,5),(2,7),(3,9) is 2, got ${slope}`);
  });
}

test('the same call built twice runs once; pure: false runs each call; equal source closures never share', async () => {
  const { listener, calls } = callCounter();
  const sq = (x: number) => x * x;
  const [p, q, r] = await compute(delayed(sq)(4), delayed(sq)(4), delayed(sq)(5), { ...SYNC, listeners: [listener] });
  assert.equal([p, q, r], [16, 16, 25]);
  assert.is(calls(), 2, 'sq(4) built twice is one task');

  // Two copies of the same self-contained source are the same work too (on threads they ship as source).
  const c2 = callCounter();
  await compute(delayed((x: number) => x + 1)(1), delayed((x: number) => x + 1)(1), { ...SYNC, listeners: [c2.listener] });
  assert.is(c2.calls(), 1);

  const c3 = callCounter();
  const draw = delayed((n: number) => n + Math.random(), { pure: false });
  const [u, v] = await compute(draw(1), draw(1), { ...SYNC, listeners: [c3.listener] });
  assert.is(c3.calls(), 2);
  assert.is.not(u, v);

  // Closures with identical source but different captured values: sharing a key would be a silent wrong answer.
  const make = (k: number) => (x: number) => x * k;
  const [two, three] = await compute(delayed(make(2))(10), delayed(make(3))(10), SYNC);
  assert.equal([two, three], [20, 30]);

  // Equal arguments by content share; different ones do not (arrays, objects with keys in another order, typed arrays).
  const c4 = callCounter();
  const f = delayed((o: { a: number; b: number[] }, t: Float64Array) => o.a + o.b.length + t[0]!);
  const results = await compute(
    f({ a: 1, b: [1, 2] }, new Float64Array([5])),
    f({ b: [1, 2], a: 1 }, new Float64Array([5])),
    f({ a: 1, b: [1, 2] }, new Float64Array([6])),
    { ...SYNC, listeners: [c4.listener] },
  );
  assert.equal(results, [8, 8, 9]);
  assert.is(c4.calls(), 2);
});

test('get() is lazy attribute and index access; missing keys fail naming the keys that exist', async () => {
  const pair = delayed(() => ({ coef: [1, 2, 3], name: 'ols', __proto__hidden: 1 }), { name: 'model' })();
  const [coef, second, name] = await compute(pair.get('coef'), pair.get('coef').get(1), pair.get('name'), SYNC);
  assert.equal(coef, [1, 2, 3]);
  assert.is(second, 2);
  assert.is(name, 'ols');
  await rejects(pair.get('coeff').compute(SYNC), /get\("coeff"\): the value has no such key; keys: coef, name/);
  await rejects(pair.get('constructor').compute(SYNC), /no such key/, TaskError);
  await rejects(pair.get('coef').get(7).compute(SYNC), /no such index \(length 3\)/);
  assert.throws(() => pair.get(-1), /expected a key \(string\) or an index/);
  const m = delayed(() => new Map<string, number>([['a', 1]]))();
  assert.is(await m.get('a').compute(SYNC), 1);
  const t = delayed((df: Table) => df)(fromColumns({ x: [1, 2, 3] }));
  assert.is(await t.get('numRows').compute(SYNC), 3, 'a getter of a class instance');
});

test('a failing call rejects with a TaskError naming the function, its key and its arguments, with the original stack', async () => {
  for (const scheduler of SCHEDULERS) {
    const bad = fitLine({ x: [1, 1, 1], y: [1, 2, 3] });
    const e = await rejects(compute(bad, add(1, 2), { scheduler, numWorkers: 2 }), /fitLine\(\{x, y\}\) threw: all x values are equal/, TaskError);
    assert.match(e.message, /task 'fitLine-[0-9a-f]+'/);
    assert.match(e.stack!, /Caused by: RangeError: .*\n\s+at fitLine .*models\.ts/);
  }
});

test('a function with free variables is refused on threads before any task runs, with the fix', async () => {
  const k = 3;
  const started: string[] = [];
  const times = delayed((x: number) => x * k);
  await rejects(compute(times(2), { scheduler: 'threads', numWorkers: 1, listeners: [{ onTaskStart: (t: { op: string }) => started.push(t.op) }] }), /uses 'k' from outside itself.*udf\(import\.meta\.url/, TypeError);
  assert.equal(started, []);
  assert.is(await times(2).compute(SYNC), 6, 'sync runs the closure as it is');
  await rejects(delayed((f: () => number) => f())(() => 1).compute({ scheduler: 'threads', numWorkers: 1 }), /function argument .* cannot travel to 'threads' workers/, TypeError);
});

test('delayed() validates its inputs and options; reserved and hostile argument shapes are safe', async () => {
  assert.throws(() => delayed(42 as never), /fn must be a function or udf\(moduleUrl, exportName\); got 42/);
  assert.throws(() => delayed(() => 1, { pur: false } as never), /delayed\(\): unknown option 'pur'; known options: name, pure/);
  await rejects(delayed((o: unknown) => o)({ $ref: 'x' }).compute(SYNC), /reserved for task references/, TypeError);
  const keys = delayed((o: Record<string, unknown>) => Object.keys(o).join(','));
  const hostile = JSON.parse('{"__proto__": 1, "constructor": 2}');
  const inner = add(1, 1);
  assert.is(await keys(hostile).compute(SYNC), '__proto__,constructor');
  assert.is(await delayed((o: Record<string, number>) => o.constructor)({ constructor: inner } as never).compute(SYNC), 2);
  // A Delayed under an own '__proto__' key is substituted as an own property, not as the object's prototype.
  const own: Record<string, unknown> = {};
  Object.defineProperty(own, '__proto__', { value: inner, enumerable: true, writable: true, configurable: true });
  const viaProto = delayed((o: Record<string, unknown>) => `${Object.keys(o).join(',')}=${Object.getOwnPropertyDescriptor(o, '__proto__')?.value}`);
  assert.is(await viaProto(own).compute(SYNC), '__proto__=2');
  assert.is(await viaProto(own).compute({ scheduler: 'threads', numWorkers: 1 }), '__proto__=2');
});

test('explain() shows the calls and the collections they read', () => {
  const df = fromColumns({ x: [1, 2, 3] }, { npartitions: 2 });
  const text = describeTable(df, add(1, 2)).explain(SYNC);
  assert.match(text, /delayed describeTable\(DataFrame, Delayed delayed\)\n  delayed delayed\(1, 2\)/);
  assert.match(text, /argument:\n  from-columns: 3 rows/);
  assert.match(text, /tasks: \d+ \(.*delayed\.call/);
});

test.run();
