// Small combine and finalize tasks of array reductions run in place on the scheduler's thread (lower.ts
// IN_PLACE_VALUES): the lowering picks the in-place ops only for small partials, those tasks (fused into one
// chain) never reach the executor, and the results are the same bits as when the same tasks run on workers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, closeExecutors, type NDArray } from '../../../src/index.ts';
import { prepare } from '../../../src/collections/prepare.ts';
import { arrayOutput } from '../../../src/collections/ndarray/run.ts';
import { IN_PLACE_VALUES } from '../../../src/collections/ndarray/lower.ts';
import { resolveConfig } from '../../../src/config.ts';
import { CHAIN_OP, runsInPlace } from '../../../src/scheduler/execute.ts';
import { getExecutor } from '../../../src/scheduler/get-executor.ts';
import { runGraph } from '../../../src/scheduler/run-graph.ts';
import type { Executor } from '../../../src/scheduler/executor.ts';
import type { Graph, Task } from '../../../src/scheduler/graph.ts';
import type { ReductionName } from '../../../src/kernels/array/reduce.ts';
import { rng, SCHEDULERS } from '../../helpers.ts';

const r = rng(2718);

/** The ops of a task, a chain's steps in order. */
const opsOf = (t: Task): string[] => (t.op === CHAIN_OP ? (t.args[0] as Array<{ op: string }>).map((s) => s.op) : [t.op]);

function prepared(x: NDArray, scheduler: 'threads' | 'sync' = 'threads') {
  return prepare([arrayOutput((x as unknown as { node: Parameters<typeof arrayOutput>[0] }).node)], resolveConfig({ scheduler }));
}

/** The same graph with every in-place op replaced by its worker twin (same function, not inline). */
function shipped(graph: Graph): Graph {
  const out: Graph = new Map();
  const rename = (op: string): string => op.replace(/-in-place$/, '');
  for (const [k, t] of graph) {
    if (t.op === CHAIN_OP) out.set(k, { ...t, args: [(t.args[0] as Array<{ op: string }>).map((s) => ({ ...s, op: rename(s.op) }))] });
    else out.set(k, { ...t, op: rename(t.op) });
  }
  return out;
}

/** An executor that records the ops it was handed, then lets `inner` run them. */
function recording(inner: Executor, seen: string[][]): Executor {
  return { name: inner.name, concurrency: inner.concurrency, run: (t, inputs, ctx) => (seen.push(opsOf(t)), inner.run(t, inputs, ctx)) };
}

/**
 * The exact bits of every value, except NaN's: the sign of a NaN made by inf - inf depends on the CPU and
 * on which V8 tier ran the code (the same function gave either on the same data), and nothing can observe it
 * but a typed array's bytes. -0 and +0 stay apart.
 */
const bitsOf = (v: unknown): string => {
  const d = (v as { data: ArrayLike<number | bigint> }).data;
  const scratch = new DataView(new ArrayBuffer(8));
  return Array.from(d, (x) => {
    if (typeof x === 'bigint' || Number.isNaN(x)) return String(x);
    scratch.setFloat64(0, x);
    return scratch.getBigUint64(0).toString(16);
  }).join(',');
};

test('sum(axis=0) of row chunks: the combine and finalize are one in-place chain; large partials are shipped', () => {
  const x = array.fromTypedArray(new Float64Array(64 * 500), [64, 500], { chunks: [8, 500] });
  const g = prepared(x.sum({ axis: 0 })).graph;
  const roots = [...g.values()].filter((t) => opsOf(t).some((op) => op.includes('combine') || op.includes('finalize')));
  assert.is(roots.length, 1);
  assert.equal(opsOf(roots[0]!), ['array.reduce-combine-in-place', 'array.reduce-finalize-in-place']);
  assert.ok(runsInPlace(roots[0]!), 'the chain runs in place');
  assert.is([...g.values()].filter((t) => !runsInPlace(t)).length, 8, 'the eight partials go to workers');

  // 2 x 40000 partials: 80000 values to merge, over the limit; one 40000-value finalize is under it
  const wide = array.fromTypedArray(new Float64Array(4 * 40000), [4, 40000], { chunks: [2, 40000] });
  assert.ok(40000 * 2 > IN_PLACE_VALUES && 40000 <= IN_PLACE_VALUES);
  const gw = [...prepared(wide.sum({ axis: 0 })).graph.values()];
  const root = gw.find((t) => opsOf(t).includes('array.reduce-finalize-in-place'))!;
  assert.equal(opsOf(root), ['array.reduce-combine', 'array.reduce-finalize-in-place']);
  assert.not.ok(runsInPlace(root), 'a chain with a shipped step is shipped whole');

  // one chunk: no combine; the finalize fuses into the partial's chain, which a worker runs
  const one = [...prepared(array.fromTypedArray(new Float64Array(12), [3, 4]).sum({ axis: 0 })).graph.values()];
  assert.is(one.length, 1);
  assert.equal(opsOf(one[0]!), ['array.data', 'array.reduce-partial', 'array.reduce-finalize-in-place']);
  assert.not.ok(runsInPlace(one[0]!));

});

// Data with NaN, infinities, -0, huge and tiny values, ragged last chunks and 1-row chunks.
function sample(rows: number, cols: number, dtype: 'float64' | 'float32' | 'int32'): Float64Array | Float32Array | Int32Array {
  const n = rows * cols;
  if (dtype === 'int32') return Int32Array.from({ length: n }, () => Math.floor(r() * 2001) - 1000);
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    out[i] = u < 0.02 ? NaN : u < 0.03 ? Infinity : u < 0.04 ? -0 : u < 0.06 ? 1e300 * (r() - 0.5) : u < 0.08 ? 1e-300 * r() : (r() - 0.5) * 100;
  }
  return out;
}

const NAMES: ReductionName[] = ['sum', 'nansum', 'prod', 'mean', 'nanmean', 'var', 'std', 'nanvar', 'min', 'max', 'nanmin', 'nanmax', 'argmin', 'argmax', 'any', 'all'];

test('in place or on workers, every reduction gives the same bits (NaN, inf, -0, ragged and 1-row chunks, three dtypes)', async () => {
  const threads = getExecutor(resolveConfig({ scheduler: 'threads' }));
  for (const dtype of ['float64', 'float32', 'int32'] as const) {
    for (const chunks of [[7, 13], [1, 13], [20, 5], [3, 40]]) {
      const x = array.fromTypedArray(sample(20, 13, dtype), [20, 13], { chunks });
      for (const name of NAMES) {
        if (dtype === 'int32' && name.startsWith('nan')) continue;
        for (const axis of [0, 1, null] as const) {
          if ((name === 'argmin' || name === 'argmax') && axis === null) continue;
          const reduced = (x as unknown as Record<string, (o: object) => NDArray>)[name]!.call(x, axis === null ? {} : { axis });
          const p = prepared(reduced);
          const seen: string[][] = [];
          const key = p.keys[0]!;
          const inPlace = (await runGraph(p.graph, p.keys, recording(threads, seen))).get(key);
          assert.not.ok(seen.some((ops) => ops.every((op) => op.endsWith('-in-place'))), `${name}: a task of in-place ops only reached the executor`);
          // more than one block along a reduced axis: there is a combine, and it runs in place (small partials)
          const reducedBlocks = axis === null ? Math.ceil(20 / chunks[0]!) * Math.ceil(13 / chunks[1]!) : Math.ceil((axis === 0 ? 20 : 13) / chunks[axis]!);
          if (reducedBlocks > 1) assert.ok([...p.graph.values()].some((t) => runsInPlace(t) && opsOf(t)[0] === 'array.reduce-combine-in-place'), `${name} axis ${axis} chunks ${chunks}: an in-place combine`);
          const onWorkers = (await runGraph(shipped(p.graph), p.keys, threads)).get(key);
          assert.is(bitsOf(inPlace), bitsOf(onWorkers), `${dtype} ${name} axis ${axis} chunks ${chunks}`);
        }
      }
    }
  }
});

test('sum(axis=0) of integer-valued doubles equals a naive column loop exactly, on every scheduler', async () => {
  const rows = 203, cols = 77;
  const data = Float64Array.from({ length: rows * cols }, () => Math.floor(r() * 2e6) - 1e6);
  const want = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) want[j] += data[i * cols + j]!;
  for (const scheduler of SCHEDULERS) {
    for (const chunks of [[25, 77], [1, 77], [203, 77], [50, 20]]) {
      const got = await array.fromTypedArray(data, [rows, cols], { chunks }).sum({ axis: 0 }).compute({ scheduler });
      assert.equal(Array.from(got.data as Float64Array), Array.from(want), `${scheduler} chunks ${chunks}`);
    }
  }
});

test('a failing in-place finalize names its task (min of an empty axis)', async () => {
  const x = array.fromTypedArray(new Float64Array(0), [0, 3], { chunks: [1, 3] });
  await x.min({ axis: 0 }).compute({ scheduler: 'threads' }).then(
    () => assert.unreachable('min over an empty axis must fail'),
    (e: Error) => assert.match(e.message, /min of an empty array/),
  );
});

test.after(() => closeExecutors());
test.run();
