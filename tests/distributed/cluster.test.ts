// The 'distributed' scheduler against its own Redis and two `tessera worker` processes: existing collection
// and groupby test files pass unchanged on it, results equal sync's exactly, files are cleaned up, a
// throwing task reports its host, no worker and a version mismatch fail clearly.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { array, closeExecutors, compute, createClient, fromColumns, random, toRecords, udf, type Table } from '../../src/index.ts';
import { resolveConfig } from '../../src/config.ts';
import { getExecutor } from '../../src/scheduler/get-executor.ts';
import { runGraph } from '../../src/scheduler/run-graph.ts';
import { type Graph, ref, task } from '../../src/scheduler/graph.ts';
import { keys } from '../../src/scheduler/distributed/connection.ts';
import { pack, unpack } from '../../src/scheduler/distributed/values.ts';
import type { JobData, TaskOutcome } from '../../src/scheduler/distributed/protocol.ts';
import { NoWorkerError } from '../../src/scheduler/distributed/errors.ts';
import { TEST_OPS_URL } from '../scheduler/fixtures/test-ops.ts';
import { rng } from '../helpers.ts';
import { type Cluster, scratchDir, skipReason, startCluster } from './harness.ts';

const FUNCS = new URL('./fixtures/funcs.ts', import.meta.url).href;
const MODELS = new URL('../futures/fixtures/models.ts', import.meta.url).href;
const reason = skipReason();
let cluster: Cluster;

const runDirs = (): string[] => readdirSync(cluster.storagePath).filter((n) => n.startsWith('tessera-run-'));

if (reason !== null) {
  console.log(`distributed tests skipped: ${reason}`);
} else {
  test.before(async () => {
    cluster = await startCluster({ workers: 2, lockMs: 1500 });
  });
  test.after(async () => {
    await closeExecutors();
    await cluster?.stop();
  });

  test('existing collection and groupby test files pass unchanged on the distributed scheduler', async () => {
    // The same assertions (naive loops, closed-form fits, hostile names) the other schedulers answer to.
    const files = 'collections/(groupby|groupby-types|hostile-names)\\.test';
    const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'tests', files], {
      cwd: new URL('../../', import.meta.url),
      env: { ...process.env, TESSERA_TEST_SCHEDULERS: 'distributed', TESSERA_REDIS_URL: cluster.redis.url, TESSERA_STORAGE: cluster.storage, TESSERA_QUEUE: cluster.queue },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
    const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
    assert.is(code, 0, plain.slice(-3000));
    assert.ok(passed >= 20, `expected the three files' tests to run, got ${passed} passed:\n${plain.slice(-2000)}`);
  });

  test('frames, reductions, groupby (splitOut, apply) and arrays: equal to sync, values and types', async () => {
    const r = rng(7);
    const n = 40_000; // partitions of ~10k rows x 4 columns: well above the inline limit, so they travel as files
    const df = fromColumns(
      new Map<string, unknown>([
        ['k', Array.from({ length: n }, () => ['a', 'ß', '😀', null][Math.floor(r() * 4)]!)],
        ['i', BigInt64Array.from({ length: n }, () => BigInt(Math.floor(r() * 2 ** 45)))],
        ['x', Array.from({ length: n }, () => (r() < 0.05 ? null : r() < 0.01 ? NaN : (r() - 0.5) * 1e6))],
        ['__proto__', Array.from({ length: n }, (_, j) => j)],
      ]) as never,
      { npartitions: 4 },
    );
    const filtered = df.filter(df.col('x').gt(0)).assign({ y: df.col('x').mul(2) });
    const outs = (cfg: object) =>
      compute(
        filtered,
        df.col('i').sum(), df.col('i').min(), df.col('x').mean(), df.col('x').std(), df.col('k').count(),
        df.groupby('k').agg({ x: ['sum', 'mean', 'count'], i: 'max' }, { splitOut: 2 }),
        df.groupby('k').apply((g: { numRows: number }) => ({ rows: g.numRows })),
        cfg,
      );
    const [dist, sync] = [await outs(cluster.config), await outs({ scheduler: 'sync' })];
    assert.is((dist[0] as Table).numRows, (sync[0] as Table).numRows);
    assert.equal(toRecords(dist[0] as Table), toRecords(sync[0] as Table));
    assert.equal(String((dist[0] as Table).schema), String((sync[0] as Table).schema));
    for (let j = 1; j <= 5; j++) assert.equal(dist[j], sync[j], `reduction ${j}`);
    assert.is(typeof dist[1], 'bigint', 'an int64 sum beyond 2^53 stays exact');
    for (const j of [6, 7]) assert.equal(toRecords(dist[j] as Table), toRecords(sync[j] as Table), `groupby output ${j}`);
    // arrays: chunks are typed arrays, written as typed-array files
    const a = random.generator(5).normal([300, 40], { chunks: [100, 40] });
    const prod = a.T.matmul(a).add(a.sum());
    const [ad, as] = [await prod.compute(cluster.config), await prod.compute({ scheduler: 'sync' })];
    assert.equal(Buffer.from((ad.data as Float64Array).buffer, (ad.data as Float64Array).byteOffset, (ad.data as Float64Array).byteLength), Buffer.from((as.data as Float64Array).buffer, (as.data as Float64Array).byteOffset, (as.data as Float64Array).byteLength));
    assert.equal(runDirs(), [], 'every run directory was deleted when its compute ended');
  });

  test("shuffle: 'disk' on distributed: merge and sort equal sync, and nothing goes to the client's temp dir (workers on other hosts cannot see it)", async () => {
    const r = rng(11);
    const n = 3000;
    const left = fromColumns({ k: Array.from({ length: n }, () => Math.floor(r() * 200)), s: Array.from({ length: n }, (_, i) => ['ä', 'b', '😀', null][i % 4]!), v: Array.from({ length: n }, () => r()) }, { npartitions: 3 });
    const right = fromColumns({ k: Array.from({ length: 300 }, (_, i) => i), w: Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? null : i * 1.5)) }, { npartitions: 2 });
    const spills = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`tessera-shuffle-${process.pid}-`));
    let seen = 0;
    const listeners = [{ onTaskFinish: () => void (seen += spills().length) }];
    const m = left.merge(right, { on: 'k', how: 'outer', broadcast: false });
    const rows = (t: Table, cols: string[]) => toRecords(t).map((x) => cols.map((c) => String((x as Record<string, unknown>)[c])).join('|')).sort();
    const cols = ['k', 's', 'v', 'w'];
    assert.equal(rows(await m.compute({ ...cluster.config, shuffle: 'disk', listeners }), cols), rows(await m.compute({ scheduler: 'sync' }), cols));
    const sorted = left.sortValues(['s', 'v']);
    assert.equal(toRecords(await sorted.compute({ ...cluster.config, shuffle: 'disk', listeners })), toRecords(await sorted.compute({ scheduler: 'sync' })));
    assert.is(seen, 0, 'no shuffle directory was made in the client temp dir');
    assert.equal(runDirs(), []);
  });

  test('intermediate files are deleted as soon as no task needs them, and all of a run at its end', async () => {
    const cfg = resolveConfig({ ...cluster.config, workerModules: [TEST_OPS_URL] });
    const g: Graph = new Map();
    g.set('step#0', task('step#0', 'test.range', [5000, 0])); // 40 KB: a file
    for (let i = 1; i < 10; i++) g.set(`step#${i}`, task(`step#${i}`, 'test.identity', [ref(`step#${i - 1}`)]));
    g.set('total', task('total', 'test.sum', [ref('step#9')]));
    let most = 0;
    const count = (): void => {
      for (const d of runDirs()) most = Math.max(most, readdirSync(join(cluster.storagePath, d)).filter((f) => !f.includes('.tmp-')).length);
    };
    const values = await runGraph(g, ['total'], getExecutor(cfg), { listeners: [{ onTaskFinish: count }] });
    assert.is(values.get('total'), (4999 * 5000) / 2);
    assert.ok(most >= 1 && most <= 2, `at most two of the chain's ten files existed at once, saw ${most}`);
    assert.equal(runDirs(), []);
  });

  test("a throwing task is retried, then fails compute() with the worker's error, host and attempts", async () => {
    const log = join(scratchDir('log'), 'calls');
    const df = fromColumns({ k: [1, 1, 1], x: [1, 2, 3] }, { npartitions: 1 });
    const err = await compute(df.groupby('k').apply(udf(FUNCS, 'alwaysThrows'), { params: { log } }), { ...cluster.config, retries: 2 }).then(
      () => null,
      (e: unknown) => e as Error & { cause?: Error & { host?: string } },
    );
    assert.ok(err, 'compute() must fail');
    assert.match(err!.message, /group 1 is out of range on purpose/);
    assert.match(err!.message, new RegExp(`at host ${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(err!.message, /after 3 attempts/);
    assert.is(err!.cause?.host, hostname());
    assert.is(readFileSync(log, 'utf8').trim().split('\n').length, 3, 'first run + 2 retries');
    assert.equal(runDirs(), [], 'a failed compute deletes its files too');
  });

  test('a task that fails once succeeds on its retry', async () => {
    const log = join(scratchDir('log'), 'calls');
    const df = fromColumns({ k: [1, 2, 2], x: [1, 2, 3] }, { npartitions: 1 });
    const out = await df.groupby('k').apply(udf(FUNCS, 'flaky'), { params: { log } }).compute({ ...cluster.config, retries: 1 });
    assert.equal(toRecords(out).map((row) => ({ ...row })), [{ k: 1, n: 1 }, { k: 2, n: 2 }]);
  });

  test('no worker on the queue: a clear error after workerTimeout, not a hang', async () => {
    const t0 = performance.now();
    const df = fromColumns({ x: [1, 2, 3] }, { npartitions: 2 });
    const err = await df.col('x').sum().compute({ ...cluster.config, queue: 'nobody-listens', workerTimeout: 800 }).then(() => null, (e: unknown) => e as Error);
    assert.ok(err);
    assert.instance((err as Error & { cause?: unknown }).cause ?? err, NoWorkerError);
    assert.match(err!.message, /no tessera worker is connected to queue 'nobody-listens'.*tessera worker --redis/);
    assert.ok(performance.now() - t0 < 10_000, 'failed within seconds');
    // its job must not linger for a worker that comes later
    const redis = new Redis(cluster.redis.port, '127.0.0.1');
    try {
      assert.is(await redis.llen('bull:nobody-listens:wait'), 0, 'queued jobs of the failed run were removed');
    } finally {
      redis.disconnect();
    }
  });

  test('a cancelled compute stops, and deletes its files', async () => {
    const controller = new AbortController();
    const log = join(scratchDir('log'), 'calls');
    const df = fromColumns({ k: Array.from({ length: 8 }, (_, i) => i), x: Array.from({ length: 8 }, (_, i) => i) }, { npartitions: 2 });
    const p = df.groupby('k').apply(udf(FUNCS, 'slowSum'), { params: { log, ms: 400 } }).compute({ ...cluster.config, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 600);
    await p.then(() => assert.unreachable('must be cancelled'), (e: Error) => assert.match(e.message, /enough|cancel/));
    await new Promise((r) => setTimeout(r, 1500)); // tasks in hand finish; their late files are swept
    assert.ok(runDirs().length === 0, `run directories left: ${runDirs().join(', ')}`);
  });

  test('a worker refuses a task from a client with another tessera version, saying which', async () => {
    const connection = { host: '127.0.0.1', port: cluster.redis.port };
    const queue = new Queue(cluster.queue, { connection });
    const events = new QueueEvents(cluster.queue, { connection });
    const redis = new Redis(cluster.redis.port, '127.0.0.1');
    try {
      await events.waitUntilReady();
      await redis.set(keys.run(cluster.queue, 'vtest'), '1', 'PX', 60_000);
      const data: JobData = { v: 1, run: 'vtest', reply: 'tessera:none', dir: 'none', version: '0.0.0-elsewhere', modules: {}, load: [], tasks: pack([{ task: task('t', 'test.noop', []), inputs: [], stem: 's' }]) };
      const job = await queue.add('tasks', data);
      const result = (await job.waitUntilFinished(events, 20_000)) as { host: string; results: string };
      const [outcome] = unpack(result.results) as TaskOutcome[];
      assert.is(outcome!.ok, false);
      assert.ok(!outcome!.ok && outcome!.refused);
      assert.match(!outcome!.ok ? outcome!.error.message : '', /runs tessera \S+ but the client runs 0\.0\.0-elsewhere: install the same version/);
    } finally {
      redis.disconnect();
      await events.close();
      await queue.close();
    }
  });

  test('futures on distributed: map/submit/gather equal sync; scatter writes once to storage; a failure names its host; close cleans up', async () => {
    const data = Array.from({ length: 10 }, (_, k) => ({ x: [0, 1, 2, 3, k + 4], y: [1, 3, 5, 7, 2 * k + 9 + (k % 3) / 10] }));
    const local = await createClient({ scheduler: 'sync' });
    const want = await local.gather(local.map(udf(MODELS, 'fitLine'), data));
    await local.close();
    const client = await createClient(cluster.config);
    try {
      for (const chunksize of [null, 3]) assert.equal(await client.gather(client.map(udf(MODELS, 'fitLine'), data, { chunksize })), want, `chunksize ${chunksize}`);
      // a Future as an argument: the worker reads the stored result, the client never fetches it
      const first = client.submit(udf(MODELS, 'fitLine'), data[0]);
      const again = client.submit((f: { slope: number }) => f.slope * 2, first);
      assert.is(await again.result(), (want[0] as { slope: number }).slope * 2);
      // scatter: a 800 KB array written once, read by four tasks
      const big = Float64Array.from({ length: 100_000 }, (_, i) => i % 1000);
      const placed = client.scatter(big);
      const sums = await client.gather([1, 2, 3, 4].map(() => client.submit(udf(MODELS, 'sumArray'), placed)));
      assert.equal(sums, [1, 2, 3, 4].map(() => 100 * (999 * 1000) / 2));
      const dirs = runDirs();
      assert.is(dirs.length, 1, 'one run directory for the client');
      const uploads = readdirSync(join(cluster.storagePath, dirs[0]!)).filter((f) => f.startsWith('in-'));
      assert.is(uploads.length, 1, `the scattered array was written once: ${uploads.join(', ')}`);
      const bad = client.submit(udf(MODELS, 'failOn'), 3, 3);
      const good = client.submit(udf(MODELS, 'failOn'), 2, 3);
      await bad.result().then(() => assert.unreachable(), (e: Error) => assert.match(e.message, new RegExp(`at host ${hostname()}`)));
      assert.is(await good.result(), 20);
    } finally {
      await client.close();
    }
    assert.equal(runDirs(), [], 'closing the client deleted its files');
  });

  test('the storage option must name a directory this host sees; redis and storage are required', async () => {
    const df = fromColumns({ x: [1] });
    await df.col('x').sum().compute({ scheduler: 'distributed', redis: cluster.redis.url }).then(
      () => assert.unreachable(),
      (e: Error) => assert.match(e.message, /needs the storage option/),
    );
    await df.col('x').sum().compute({ ...cluster.config, storage: 'file:///no/such/dir/anywhere' }).then(
      () => assert.unreachable(),
      (e: Error) => assert.match(e.message, /storage directory \/no\/such\/dir\/anywhere .* does not exist on this host/),
    );
    assert.ok(existsSync(cluster.storagePath));
  });
}

test.run();
