// Failures on the 'distributed' scheduler with real processes: a worker killed with SIGKILL mid-task (its
// job runs again after the lock expires; nothing lost, nothing twice in the result), Redis restarted with
// its append-only file (queued work survives), Redis lost for good or never there (a clear error).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { closeExecutors, fromColumns, toRecords, udf } from '../../src/index.ts';
import { RedisUnavailableError } from '../../src/scheduler/distributed/errors.ts';
import { type Cluster, freePort, scratchDir, skipReason, startCluster, startRedis, startWorker } from './harness.ts';

const FUNCS = new URL('./fixtures/funcs.ts', import.meta.url).href;
const reason = skipReason();
let cluster: Cluster;

const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : []);

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Groups 0..n-1 with rows 0..rows-1 each; x = 1000 * group + row. */
function groups(n: number, rows: number) {
  const k: number[] = [];
  const x: number[] = [];
  for (let g = 0; g < n; g++) for (let r = 0; r < rows; r++) {
    k.push(g);
    x.push(1000 * g + r);
  }
  const expected = Array.from({ length: n }, (_, g) => ({ k: g, n: rows, total: rows * 1000 * g + (rows * (rows - 1)) / 2 }));
  return { df: fromColumns({ k, x }, { npartitions: 3 }), expected };
}

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

  test('kill -9 of a worker mid-task: its task runs again after the lock expires; the result has every group exactly once', async () => {
    const log = join(scratchDir('log'), 'calls');
    const { df, expected } = groups(6, 5);
    const p = df.groupby('k').apply(udf(FUNCS, 'slowSum'), { params: { log, ms: 700 }, npartitions: 6 }).compute(cluster.config);
    await until('the first task to start', 30_000, () => lines(log).length >= 2);
    const victim = cluster.workers[0]!;
    process.kill(victim.pid, 'SIGKILL');
    const out = await p;
    assert.equal(toRecords(out).map((r) => ({ ...r })), expected);
    const calls = lines(log);
    assert.ok(calls.length > expected.length, `the killed worker's task ran again (${calls.length} executions for ${expected.length} groups)`);
    assert.equal(new Set(calls).size, expected.length, 'every group was run');
    assert.equal(readdirSync(cluster.storagePath), [], 'the run directory was deleted');
  });

  test('Redis restarted (append-only file) while work is queued: the work survives and completes', async () => {
    const queue = 'restart-q';
    const { df, expected } = groups(4, 3);
    const log = join(scratchDir('log'), 'calls');
    const p = df.groupby('k').apply(udf(FUNCS, 'slowSum'), { params: { log, ms: 10 } }).compute({ ...cluster.config, queue });
    const redis = new Redis(cluster.redis.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    try {
      await until('jobs in the queue', 20_000, async () => (await redis.llen(`bull:${queue}:wait`)) > 0);
      const before = await redis.llen(`bull:${queue}:wait`);
      await cluster.redis.restart();
      await until('Redis back', 10_000, async () => (await redis.ping().catch(() => '')) === 'PONG');
      assert.ok((await redis.llen(`bull:${queue}:wait`)) >= before, 'queued jobs are still there after the restart');
    } finally {
      redis.disconnect();
    }
    const worker = await startWorker({ redis: cluster.redis.url, storage: cluster.storage, queue, name: 'late' });
    try {
      const out = await p;
      assert.equal(toRecords(out).map((r) => ({ ...r })), expected);
    } finally {
      await worker.stop();
    }
  });

  test('Redis gone for good mid-compute: a clear RedisUnavailableError after redisTimeout, not a hang', async () => {
    const lonely = await startRedis();
    try {
      const storage = cluster.storage;
      const { df } = groups(2, 2);
      const t0 = performance.now();
      const p = df.col('x').sum().compute({ scheduler: 'distributed', redis: lonely.url, storage, queue: 'lost-q', redisTimeout: 1500 });
      const redis = new Redis(lonely.port, '127.0.0.1');
      await until('a job in the queue', 20_000, async () => (await redis.llen('bull:lost-q:wait')) > 0);
      redis.disconnect();
      await lonely.stop();
      const err = await p.then(() => null, (e: Error) => e);
      assert.ok(err, 'compute() must fail');
      assert.instance((err as Error & { cause?: unknown }).cause ?? err, RedisUnavailableError);
      assert.match(err!.message, new RegExp(`lost the connection to Redis at redis://127\\.0\\.0\\.1:${lonely.port}`));
      assert.ok(performance.now() - t0 < 20_000);
    } finally {
      await lonely.stop();
    }
  });

  test('no Redis at the URL: "cannot connect" after redisTimeout, with the URL and without its password', async () => {
    const port = await freePort();
    const { df } = groups(1, 1);
    const err = await df.col('x').sum().compute({ scheduler: 'distributed', redis: `redis://:s3cret@127.0.0.1:${port}`, storage: cluster.storage, redisTimeout: 800 }).then(() => null, (e: Error) => e);
    assert.ok(err);
    assert.match(err!.message, new RegExp(`cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    assert.not.match(err!.message, /s3cret/);
  });
}

test.run();
