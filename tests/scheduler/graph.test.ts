import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Graph, type Task, mergeGraphs, ref, task } from '../../src/scheduler/graph.ts';
import { registerOp } from '../../src/scheduler/registry.ts';
import { tokenize, stableStringify } from '../../src/scheduler/tokenize.ts';
import { cull, fuseLinearChains } from '../../src/scheduler/optimize-graph.ts';
import { CycleError, order, topologicalOrder } from '../../src/scheduler/order.ts';
import { runGraph, TaskError } from '../../src/scheduler/run-graph.ts';
import { SyncExecutor } from '../../src/scheduler/executors/sync.ts';
import { CHAIN_OP, runsInPlace } from '../../src/scheduler/execute.ts';

registerOp('graphtest.const', (x: number) => x);
registerOp('graphtest.add', (...xs: number[]) => xs.reduce((a, b) => a + b, 0));
registerOp('graphtest.inc', (x: number) => x + 1);
registerOp('graphtest.async-double', async (x: number) => x * 2);
registerOp('graphtest.boom', (x: number) => {
  throw new Error(`boom at ${x}`);
});

const graphOf = (...tasks: ReturnType<typeof task>[]): Graph => new Map(tasks.map((t) => [t.key, t]));

test('tokens are deterministic and sensitive to every part', () => {
  assert.is(tokenize('sum', 'x', [1, 2], { b: 1, a: 2 }), tokenize('sum', 'x', [1, 2], { a: 2, b: 1 }));
  assert.is.not(tokenize('sum', 'x', [1, 2]), tokenize('sum', 'x', [2, 1]));
  assert.is.not(tokenize('sum', 1), tokenize('sum', '1'));
  assert.is.not(tokenize('sum', 1), tokenize('sum', 1n));
  assert.is(tokenize('t', new Float64Array([1, 2])), tokenize('t', new Float64Array([1, 2])));
  assert.is.not(tokenize('t', new Float64Array([1, 2])), tokenize('t', new Float64Array([1, 3])));
  assert.is(stableStringify({ x: undefined }), '{"x":u}');
  assert.throws(() => tokenize('f', () => 1), /functions cannot be part of a task token/);
});

test('same work built twice gets the same keys, and merging de-duplicates them', () => {
  const build = () => {
    const a = task(tokenize('const', 1), 'graphtest.const', [1]);
    const b = task(tokenize('inc', a.key), 'graphtest.inc', [ref(a.key)]);
    return graphOf(a, b);
  };
  const g1 = build();
  const g2 = build();
  assert.equal([...g1.keys()], [...g2.keys()]);
  const merged = mergeGraphs(g1, g2);
  assert.is(merged.size, 2);
});

test('task() derives deps from nested refs, in first-seen order, without repeats', () => {
  const t = task('t', 'graphtest.add', [ref('a'), { x: [ref('b'), ref('a')] }, 3]);
  assert.equal(t.deps, ['a', 'b']);
});

test('cull keeps only what the outputs need and names a missing dependency', () => {
  const g = graphOf(task('a', 'graphtest.const', [1]), task('b', 'graphtest.inc', [ref('a')]), task('c', 'graphtest.const', [5]));
  assert.equal([...cull(g, ['b']).keys()].sort(), ['a', 'b']);
  assert.throws(() => cull(g, ['zz']), /output 'zz' is not in the graph/);
  const broken = graphOf(task('b', 'graphtest.inc', [ref('gone')]));
  assert.throws(() => cull(broken, ['b']), /task 'b' depends on 'gone', which is not in the graph/);
});

test('linear chains fuse into one task under the last key; branches and outputs are kept', async () => {
  const g = graphOf(
    task('a', 'graphtest.const', [1]),
    task('b', 'graphtest.inc', [ref('a')]),
    task('c', 'graphtest.async-double', [ref('b')]),
    task('d', 'graphtest.inc', [ref('c')]),
    // 'x' is read by two tasks: it must not be absorbed into either.
    task('x', 'graphtest.const', [10]),
    task('y', 'graphtest.inc', [ref('x')]),
    task('z', 'graphtest.inc', [ref('x')]),
  );
  const fused = fuseLinearChains(g, ['d', 'y', 'z']);
  assert.equal([...fused.keys()].sort(), ['d', 'x', 'y', 'z']);
  const d = fused.get('d')!;
  assert.is(d.op, CHAIN_OP);
  assert.equal((d.args[0] as Array<{ key: string }>).map((s) => s.key), ['a', 'b', 'c', 'd']);
  const out = await runGraph(fused, ['d', 'y', 'z'], new SyncExecutor());
  assert.equal([out.get('d'), out.get('y'), out.get('z')], [5, 11, 11]);
});

test('order is topological and depth-first: each partial is reduced before the next partition starts', () => {
  const g: Graph = new Map();
  const parts = [0, 1, 2, 3].map((i) => task(`read#${i}`, 'graphtest.const', [i]));
  const chunks = parts.map((p, i) => task(`chunk#${i}`, 'graphtest.inc', [ref(p.key)]));
  for (const t of [...parts, ...chunks]) g.set(t.key, t);
  g.set('total', task('total', 'graphtest.add', chunks.map((c) => ref(c.key))));
  const seq = topologicalOrder(g, ['total']);
  assert.equal(seq, ['read#0', 'chunk#0', 'read#1', 'chunk#1', 'read#2', 'chunk#2', 'read#3', 'chunk#3', 'total']);
});

test('a cycle is reported with the keys on it', () => {
  const g = graphOf(task('a', 'graphtest.inc', [ref('c')]), task('b', 'graphtest.inc', [ref('a')]), task('c', 'graphtest.inc', [ref('b')]));
  try {
    order(g, ['c']);
    assert.unreachable('expected a cycle error');
  } catch (e) {
    assert.instance(e, CycleError);
    assert.match((e as Error).message, /cycle: (a|b|c) -> (a|b|c) -> (a|b|c) -> (a|b|c)/);
  }
});

test('intermediate results are released as soon as their last reader has run; outputs are kept', async () => {
  const g: Graph = new Map();
  for (let i = 0; i < 6; i++) {
    g.set(`read#${i}`, task(`read#${i}`, 'graphtest.const', [i]));
    g.set(`chunk#${i}`, task(`chunk#${i}`, 'graphtest.inc', [ref(`read#${i}`)]));
  }
  g.set('total', task('total', 'graphtest.add', [0, 1, 2, 3, 4, 5].map((i) => ref(`chunk#${i}`))));
  const live = new Set<string>();
  let peak = 0;
  const released: string[] = [];
  const out = await runGraph(g, ['total'], new SyncExecutor(), {
    listeners: [
      {
        onTaskFinish: (e) => {
          live.add(e.task.key);
          peak = Math.max(peak, live.size);
        },
        onRelease: (k) => {
          live.delete(k);
          released.push(k);
        },
      },
    ],
  });
  assert.is(out.get('total'), 21);
  // every read is released right after its chunk ran: at most the chunks plus one read are alive
  assert.ok(released.includes('read#0') && released.indexOf('read#0') < released.indexOf('read#1'));
  assert.ok(peak <= 6 + 1, `peak live results ${peak}`);
  assert.ok(!released.includes('total'));
});

test('listeners see every task start and finish, with done/total', async () => {
  const g = graphOf(task('a', 'graphtest.const', [1]), task('b', 'graphtest.async-double', [ref('a')]), task('c', 'graphtest.inc', [ref('b')]));
  const events: string[] = [];
  await runGraph(g, ['c'], new SyncExecutor(), {
    listeners: [
      {
        onStart: (i) => events.push(`start ${i.total}`),
        onTaskStart: (t) => events.push(`run ${t.key}`),
        onTaskFinish: (e) => events.push(`done ${e.task.key} ${e.done}/${e.total}`),
        onFinish: () => events.push('finish'),
      },
    ],
  });
  assert.equal(events, ['start 3', 'run a', 'done a 1/3', 'run b', 'done b 2/3', 'run c', 'done c 3/3', 'finish']);
});

test('a throwing task rejects with a TaskError naming key, op, partition and the original message', async () => {
  const g = graphOf(task('src#3', 'graphtest.const', [7]), task('bad#3', 'graphtest.boom', [ref('src#3')]));
  try {
    await runGraph(g, ['bad#3'], new SyncExecutor());
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TaskError);
    const te = e as TaskError;
    assert.is(te.key, 'bad#3');
    assert.is(te.op, 'graphtest.boom');
    assert.is(te.partition, 3);
    assert.match(te.message, /task 'bad#3' \(op graphtest\.boom, partition 3\) failed on the 'sync' scheduler: boom at 7/);
    assert.match(String(te.stack), /Caused by: Error: boom at 7/);
  }
});

test('an unknown op fails clearly', async () => {
  const g = graphOf(task('a', 'no.such.op', []));
  await runGraph(g, ['a'], new SyncExecutor()).then(
    () => assert.unreachable(),
    (e) => assert.match(e.message, /unknown op 'no\.such\.op'/),
  );
});

test('inline ops run in place on the calling thread, whatever the executor', async () => {
  registerOp('graphtest.pick', (xs: number[], i: number) => xs[i], { inline: true });
  const seen: string[] = [];
  const executor = {
    name: 'recording',
    concurrency: 2,
    run(t: { key: string; op: string }, inputs: readonly unknown[]) {
      seen.push(t.op);
      return new SyncExecutor().run(t as never, inputs);
    },
  };
  const g = graphOf(task('xs', 'graphtest.const', [[10, 20, 30]]), task('p', 'graphtest.pick', [ref('xs'), 1]), task('q', 'graphtest.inc', [ref('p')]));
  const out = await runGraph(g, ['q'], executor);
  assert.is(out.get('q'), 21);
  assert.equal(seen, ['graphtest.const', 'graphtest.inc'], 'the pick never reached the executor');
});

test('a fused chain of inline ops runs in place; a chain with any other op goes to the executor whole', async () => {
  registerOp('graphtest.pick2', (xs: number[], i: number) => xs[i], { inline: true });
  registerOp('graphtest.double-inline', (x: number) => 2 * x, { inline: true });
  const seen: string[][] = [];
  const executor = {
    name: 'recording',
    concurrency: 2,
    run(t: Task, inputs: readonly unknown[]) {
      seen.push(t.op === CHAIN_OP ? (t.args[0] as Array<{ op: string }>).map((s) => s.op) : [t.op]);
      return Promise.resolve(new SyncExecutor().run(t, inputs));
    },
  };
  // xs -> pick -> double (both inline): fused into one chain, run in place
  const inline = graphOf(task('xs', 'graphtest.const', [[10, 20, 30]]), task('p', 'graphtest.pick2', [ref('xs'), 2]), task('d', 'graphtest.double-inline', [ref('p')]));
  const fusedInline = fuseLinearChains(inline, ['d', 'xs']);
  assert.is(fusedInline.get('d')!.op, CHAIN_OP, 'pick and double became one chain');
  assert.ok(runsInPlace(fusedInline.get('d')!));
  assert.is((await runGraph(fusedInline, ['d', 'xs'], executor)).get('d'), 60);
  assert.equal(seen, [['graphtest.const']], 'only the non-inline task reached the executor');
  // pick -> inc: one step is not inline, so the chain is shipped, as one task
  seen.length = 0;
  const mixed = fuseLinearChains(graphOf(task('xs', 'graphtest.const', [[10, 20, 30]]), task('p', 'graphtest.pick2', [ref('xs'), 1]), task('q', 'graphtest.inc', [ref('p')])), ['q', 'xs']);
  assert.not.ok(runsInPlace(mixed.get('q')!));
  assert.is((await runGraph(mixed, ['q', 'xs'], executor)).get('q'), 21);
  assert.equal(seen, [['graphtest.const'], ['graphtest.pick2', 'graphtest.inc']]);
});

test('a graph of 20k tasks runs without deep recursion', async () => {
  const g: Graph = new Map();
  g.set('t0', task('t0', 'graphtest.const', [0]));
  for (let i = 1; i < 20000; i++) g.set(`t${i}`, task(`t${i}`, 'graphtest.inc', [ref(`t${i - 1}`)]));
  const out = await runGraph(g, ['t19999'], new SyncExecutor());
  assert.is(out.get('t19999'), 19999);
});

test.run();
