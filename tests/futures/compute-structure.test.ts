// compute() finds collections inside arrays and plain objects and returns the same structure (as
// dask.compute); a function whose compiled source carries esbuild's __name helper is still self-contained
// (keyed by its source, shippable); a random Generator argument travels as its state.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, createClient, delayed, fromColumns, random } from '../../src/index.ts';
import { rejects } from '../helpers.ts';

test('compute(d1, [d2, d3], {a: d4}) returns results in the same structure; one run for a repeated collection', async () => {
  let calls = 0;
  const count = (x: number) => {
    calls += 1;
    return x * 10;
  };
  const d = (x: number) => delayed(count)(x);
  const df = fromColumns({ v: [1, 2, 3, 4] }, { npartitions: 2 });
  const shared = d(7);
  const r = await compute(d(1), [d(2), shared, 'plain'], { a: shared, b: [df.col('v').sum()], c: null }, { scheduler: 'sync' });
  const typed: [number, [number, number, string], { a: number; b: [number]; c: null }] = r as never;
  assert.equal(typed, [10, [20, 70, 'plain'], { a: 70, b: [10], c: null }]);
  assert.is(calls, 3, 'd(7) appears twice and runs once');
  // A trailing plain object with no collection inside is still the options.
  await rejects(compute(d(1), { schedular: 'sync' } as never), /unknown option 'schedular'/);
  // Nothing to compute: everything comes back as given.
  assert.equal(await compute([1, { x: 2 }], { scheduler: 'sync' }), [[1, { x: 2 }]]);
  // Hostile keys are kept as own data, never reach the prototype.
  const hostile = JSON.parse('{"__proto__": 1}') as Record<string, unknown>;
  hostile.d = d(3);
  const [h] = await compute(hostile, { scheduler: 'sync' });
  assert.equal(Object.keys(h as object).sort(), ['__proto__', 'd']);
  assert.is(Object.getPrototypeOf(h), Object.prototype);
});

test("a function with an inner named function (tsx/esbuild's __name) is self-contained: equal copies are one task, and it ships", async () => {
  const make = () => (x: number) => {
    function square(v: number) {
      return v * v;
    }
    return square(x) + 1;
  };
  assert.match(make().toString(), /__name\(square/, 'this test runs under tsx, which inserts __name');
  const a = delayed(make())(4);
  const b = delayed(make())(4);
  const [ka] = a.explain({ scheduler: 'sync' }).match(/tasks: 1 /) ?? [];
  assert.ok(ka, 'one task');
  assert.equal(await compute(a, b, { scheduler: 'sync' }), [17, 17]);
  const client = await createClient({ scheduler: 'threads', numWorkers: 1 });
  try {
    const fa = client.submit(make(), 5);
    const fb = client.submit(make(), 5);
    assert.is(fa.key, fb.key, 'two copies of the same source are the same work');
    assert.is(await fa.result(), 26);
  } finally {
    await client.close();
  }
});

test('a Generator argument travels as its state: the same draws on sync and threads, equal states are one task', async () => {
  const streams = random.generator(5).spawn(3);
  const take = (s: { kind: string; key: number[] }) => ({ kind: s.kind, key: s.key });
  for (const scheduler of ['sync', 'threads'] as const) {
    const client = await createClient({ scheduler, numWorkers: 1 });
    try {
      const got = (await client.gather(client.map(take, streams))) as Array<{ kind: string; key: number[] }>;
      assert.equal(got, streams.map((g) => ({ kind: g.toJSON().kind, key: [...g.toJSON().key] })), scheduler);
      assert.is(client.submit(take, random.generator(5).spawn(1)[0]).key, client.submit(take, streams[0]).key, 'equal states, equal keys');
    } finally {
      await client.close();
    }
  }
});

test.run();
