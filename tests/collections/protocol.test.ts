// The seams other capabilities plug into: a collection kind defined here (not in src) computes through
// the collection protocol together with a DataFrame; a kernel backend registered here is chosen per task
// by config (also inside worker threads); compute options are validated; and the one run path widens a
// CSV column mid-run for every entry point (compute, persist, toParquet), also with 10 computes at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from '../helpers.ts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { RecordBatch } from 'apache-arrow';
import { compute, fromColumns, kernelStats, readCsv, readParquet, resetKernelStats, toParquet, type DataFrame } from '../../src/index.ts';
import type { Output } from '../../src/collections/output.ts';
import type { FrameNode } from '../../src/collections/plan.ts';
import { type Key, ref } from '../../src/scheduler/graph.ts';
import { registerOp } from '../../src/scheduler/registry.ts';
import { TOY_BACKEND_URL, toyCalls } from './fixtures/toy-backend.ts';

const SYNC = { scheduler: 'sync' } as const;

// ---- a toy collection kind: the number of rows of a frame, defined only through the protocol ----------

registerOp('prototest.count-rows', (...batches: RecordBatch[]) => batches.reduce((s, b) => s + b.numRows, 0));

function rowCountOutput(node: FrameNode): Output<number> {
  return {
    frames: [{ node, need: new Set([node.schema.fields[0]!.name]) }],
    reductions: [],
    withFrames: (rw) => rowCountOutput(rw.frame(node)),
    lower(builder): Key[] {
      const parts = builder.frame(node);
      return [builder.addTask(`prototest-count-${node.token}`, 'prototest.count-rows', parts.map(ref))];
    },
    finish: (values) => values[0] as number,
    explain: () => 'row count',
  };
}

/** Recognised by compute() through the Symbol.for brand alone: no tessera class, no import of the symbol. */
class RowCount {
  constructor(private readonly df: DataFrame) {}
  [Symbol.for('tessera.collection')](): Output<number> {
    return rowCountOutput(this.df.node);
  }
}

test('a collection kind defined in a test computes with a DataFrame in one compute(), sharing its reads', async () => {
  const df = fromColumns({ a: [1, 2, null, 4, 5, 6, 7], b: ['x', 'y', 'z', 'x', 'y', 'z', 'x'] }, { npartitions: 3 });
  resetKernelStats();
  const [table, n, sum, plain] = await compute(df, new RowCount(df.filter(df.col('a').gt(1))), df.col('a').sum(), 42, SYNC);
  assert.is((table as { numRows: number }).numRows, 7);
  assert.is(n, 5); // rows where a > 1: 2, 4, 5, 6, 7 (null is not > 1)
  assert.is(sum, 25);
  assert.is(plain, 42);
  assert.is(kernelStats.partitionReads, 3, 'the three outputs read each partition once');
});

// ---- a toy kernel backend chosen per task by config -----------------------------------------------------

test('a kernel backend registered in a test is chosen by config, per task; cpu stays the default', async () => {
  const df = fromColumns({ x: Array.from({ length: 100 }, (_, i) => i) }, { npartitions: 4 });
  const kept = df.filter(df.col('x').lt(10)).col('x').count();
  toyCalls.filter = 0;
  assert.is(await kept.compute(SYNC), 10);
  assert.is(toyCalls.filter, 0);
  const seen = new Set<string | undefined>();
  const listener = { onTaskStart: (t: { settings?: { backend: string } }) => seen.add(t.settings?.backend) };
  assert.is(await kept.compute({ ...SYNC, backend: 'toy-keep-all', listeners: [listener] }), 100, 'the toy filter keeps every row');
  assert.is(toyCalls.filter, 4, 'once per partition');
  assert.equal([...seen], ['toy-keep-all'], 'every task carries the backend it runs on');
  assert.is(await kept.compute(SYNC), 10);
  await rejects(kept.compute({ ...SYNC, backend: 'simd' }), /unknown kernel backend 'simd'; registered here: cpu, gpu, gpu-auto, toy-keep-all/);
});

test('the backend setting travels with the task to worker threads', async () => {
  const df = fromColumns({ x: Array.from({ length: 100 }, (_, i) => i) }, { npartitions: 4 });
  const kept = df.filter(df.col('x').lt(10)).col('x').count();
  const threads = { scheduler: 'threads', numWorkers: 2, workerModules: [TOY_BACKEND_URL] } as const;
  assert.is(await kept.compute({ ...threads, backend: 'toy-keep-all' }), 100);
  assert.is(await kept.compute(threads), 10);
});

// ---- options -------------------------------------------------------------------------------------------

test('compute options are validated: a typo is a TypeError naming the key and the known ones', async () => {
  const s = fromColumns({ x: [1, 2, 3] }).col('x').sum();
  await rejects(compute(s, { schedular: 'sync' }), /unknown option 'schedular'; known options: scheduler, .*signal, timeout/, TypeError);
  await rejects(s.compute({ schedular: 'sync' } as never), /unknown option 'schedular'/, TypeError);
  await rejects(compute(s, { timeout: -1 }), /timeout must be a positive number/, TypeError);
  // A collection last is never taken for options; nor is a class instance.
  const [a, b] = await compute(s, s.add(1), SYNC);
  assert.equal([a, b], [6, 7]);
  const d = new Date(0);
  const [, same] = await compute(s, d);
  assert.is(same, d);
});

test('signal and timeout are compute options: an aborted signal rejects with its reason', async () => {
  const s = fromColumns({ x: [1, 2, 3] }).col('x').sum();
  const ac = new AbortController();
  ac.abort(new Error('stopped by the user'));
  await rejects(compute(s, { ...SYNC, signal: ac.signal }), /stopped by the user/);
  assert.is(await s.compute({ ...SYNC, timeout: 60_000, signal: new AbortController().signal }), 6);
});

test('nunique honours dropna; valueCounts, groupby and reductions reject unknown options', async () => {
  const df = fromColumns({ k: ['a', null, 'b', 'a', null, 'c'] }, { npartitions: 2 });
  const [withoutNull, withNull] = await compute(df.col('k').nunique(), df.col('k').nunique({ dropna: false }), SYNC);
  assert.is(withoutNull, 3);
  assert.is(withNull, 4);
  assert.throws(() => df.col('k').nunique({ dropNA: false } as never), /nunique\(\): unknown option 'dropNA'; known options: dropna/);
  assert.throws(() => df.col('k').valueCounts({ normalise: true } as never), /valueCounts\(\): unknown option 'normalise'; known options: normalize, sort, dropna, splitOut/);
  assert.throws(() => df.groupby('k', { dropNa: false } as never), /groupby\(\): unknown option 'dropNa'; known options: dropna, sort/);
  assert.throws(() => df.groupby('k').size({ splitout: 2 } as never), /unknown option 'splitout'/);
  assert.throws(() => fromColumns({ x: [1] }).col('x').std({ dof: 0 } as never), /std\(\): unknown option 'dof'/);
});

registerOp('prototest.never', () => new Promise(() => {}));

/** An output whose one task never settles: only cancellation can end its compute. */
const stuck: Output<never> = {
  frames: [],
  reductions: [],
  withFrames: () => stuck,
  lower: (builder) => [builder.addTask('prototest-never', 'prototest.never', [])],
  finish: () => assert.unreachable() as never,
  explain: () => 'never',
};
const stuckCollection = { [Symbol.for('tessera.collection')]: () => stuck };

test('a timeout or an abort mid-run rejects compute() promptly, naming why', async () => {
  const t0 = performance.now();
  await rejects(compute(stuckCollection, { ...SYNC, timeout: 50 }), /timed out after 50 ms/);
  assert.ok(performance.now() - t0 < 5000);
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('user pressed stop')), 20);
  await rejects(compute(stuckCollection, { ...SYNC, signal: ac.signal }), /was aborted \(user pressed stop\)/);
});

// ---- one run path: a CSV column widened mid-run, for every entry point ------------------------------

/** 6000 rows; samples see integers in `a` and `b`, a float in `a` at row 3600, text in `b` at row 4800 and a quoted field at row 5400. */
function lateCsv(dir: string): { path: string; sumA: number } {
  const lines = ['a,b,c'];
  let sumA = 0;
  for (let i = 0; i < 6000; i++) {
    const a = i === 3600 ? 1.5 : i;
    sumA += a;
    const b = i === 4800 ? 'x' : String(i % 7);
    const c = i === 5400 ? '"quoted, with comma"' : `c${i % 5}`;
    lines.push(`${a},${b},${c}`);
  }
  const path = `${dir}/late.csv`;
  fs.writeFileSync(path, lines.join('\n') + '\n');
  return { path, sumA };
}
const csvOptions = { sampleBytes: 256, blocksize: 8192 } as const;

test('persist({to}) and toParquet widen a column that changes type mid-file, as compute() does', async () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-proto-`);
  const { path, sumA } = lateCsv(dir);
  const persisted = await readCsv(path, csvOptions).persist({ ...SYNC, to: `${dir}/spill` });
  assert.is(await persisted.col('a').sum().compute(SYNC), sumA);
  assert.is((await persisted.compute(SYNC)).numRows, 6000);
  const written = await toParquet(readCsv(path, csvOptions), `${dir}/pq`, SYNC);
  assert.ok(written.length > 1);
  const back = readParquet(`${dir}/pq`);
  assert.is(await back.col('a').sum().compute(SYNC), sumA);
  assert.is(await back.filter(back.col('b').eq('x')).col('a').count().compute(SYNC), 1);
  fs.rmSync(dir, { recursive: true });
});

test('after a compute widened a column, expressions build against the new type (dtypes and col agree)', async () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-proto-`);
  const { path } = lateCsv(dir);
  const df = readCsv(path, csvOptions);
  assert.match(df.dtypes.b!, /Int/);
  const before = df.col('a'); // built against the sampled schema
  await df.compute(SYNC);
  assert.match(df.dtypes.b!, /Utf8/);
  const isX = df.col('b').eq('x');
  assert.is(await df.filter(isX).col('a').count().compute(SYNC), 1);
  assert.is(await df.filter(before.gt(5990)).col('a').count().compute(SYNC), 9, 'a Series built before the widening still lines up');
  fs.rmSync(dir, { recursive: true });
});

test('10 computes at once on one CSV frame that needs a widening and a quote re-cut all succeed', async () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-proto-`);
  const { path, sumA } = lateCsv(dir);
  const df = readCsv(path, csvOptions);
  // The premise: samples saw no quote (newline cuts, checked by tasks) and an int32 column `a`.
  const cutsChecked = () => (df.node as unknown as { source: { description: { files: Array<{ checkQuotes: boolean }> } } }).source.description.files[0]!.checkQuotes;
  assert.ok(cutsChecked());
  assert.match(df.dtypes.a!, /Int32/);
  const runs = Array.from({ length: 10 }, (_, i) =>
    compute(df.col('a').sum(), df.col('c').count(), df.col('b').count(), { scheduler: i % 2 === 0 ? 'sync' : 'threads', numWorkers: 2 }),
  );
  const results = await Promise.all(runs);
  for (const r of results) assert.equal(r, [sumA, 6000, 6000]);
  assert.match(df.dtypes.a!, /Float64/);
  assert.not.ok(cutsChecked(), 'the file was re-cut with the quote-aware scan');
  fs.rmSync(dir, { recursive: true });
});

test.run();
