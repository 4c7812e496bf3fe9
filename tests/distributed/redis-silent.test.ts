// A Redis that stops answering (accepts the connection, or keeps it, and never replies) and a worker list
// that cannot be read in the middle of a run: compute() settles with an error naming what timed out,
// within a bounded time, instead of waiting for ever. The redis-servers are this test's own, on loopback
// ports, stopped and continued by PID.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { closeExecutors, fromColumns, udf } from '../../src/index.ts';
import { type RedisServer, scratchDir, skipReason, startRedis, startWorker } from './harness.ts';

const FUNCS = new URL('./fixtures/funcs.ts', import.meta.url).href;

const reason = skipReason();
const storage = (): string => pathToFileURL(scratchDir('silent-storage')).href;
/** The longest any of these computes may take to settle (redisTimeout is 1.5 s in each). */
const BOUND_MS = 15_000;

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The error `p` fails with and how long it took, or a failure if it does not settle within BOUND_MS. */
async function settles(p: Promise<unknown>, t0: number): Promise<{ err: Error; ms: number }> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`compute() did not settle within ${BOUND_MS} ms`)), BOUND_MS)));
  try {
    await Promise.race([p, guard]);
  } catch (err) {
    if ((err as Error).message.startsWith('compute() did not settle')) throw err;
    return { err: err as Error, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
  throw new Error('compute() must fail');
}

const queued = (r: Redis, queue: string) => until(`a job on queue '${queue}'`, 20_000, async () => (await r.llen(`bull:${queue}:wait`)) > 0);

if (reason !== null) {
  console.log(`distributed tests skipped: ${reason}`);
} else {
  test.after(() => closeExecutors());

  test('a server that accepts the connection and never answers: a clear error within a bounded time', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((s) => {
      sockets.add(s);
      s.on('data', () => {}); // reads every command, answers none
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const t0 = performance.now();
      const p = fromColumns({ x: [1, 2, 3] }).col('x').sum().compute({ scheduler: 'distributed', redis: `redis://127.0.0.1:${port}`, storage: storage(), queue: 'mute-q', redisTimeout: 1500 });
      const { err, ms } = await settles(p, t0);
      assert.match(err.message, new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port}`), err.message);
      assert.match(err.message, /redisTimeout/);
      assert.ok(ms < BOUND_MS, `settled in ${Math.round(ms)} ms`);
    } finally {
      await closeExecutors();
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  test('redis-server stopped (SIGSTOP) mid-compute with a job queued: the monitor names what timed out', async () => {
    const redis: RedisServer = await startRedis();
    const pid = redis.process.pid!;
    const probe = new Redis(redis.port, '127.0.0.1');
    try {
      const t0 = performance.now();
      // No worker: the job waits in the queue, and only the monitor's looks at Redis can notice the silence.
      const p = fromColumns({ x: [1, 2, 3] }).col('x').sum().compute({ scheduler: 'distributed', redis: redis.url, storage: storage(), queue: 'stopped-q', redisTimeout: 1500, workerTimeout: 120_000 });
      p.catch(() => {});
      await queued(probe, 'stopped-q');
      process.kill(pid, 'SIGSTOP');
      const stoppedAt = performance.now();
      const { err, ms } = await settles(p, t0);
      assert.match(err.message, new RegExp(`Redis at redis://127\\.0\\.0\\.1:${redis.port}`), err.message);
      assert.is(((err.cause ?? err) as Error).name, 'RedisSilentError', err.message);
      assert.match(err.message, /did not answer the read of the worker list \(tessera:stopped-q:workers\) within 2 s/, err.message);
      assert.ok(performance.now() - stoppedAt < BOUND_MS, `settled ${Math.round(ms)} ms after the start`);
    } finally {
      process.kill(pid, 'SIGCONT');
      probe.disconnect();
      await closeExecutors();
      await redis.stop();
    }
  });

  test('redis-server stopped while a worker runs a task: compute() fails naming the silence, within a bounded time', async () => {
    const redis: RedisServer = await startRedis();
    const pid = redis.process.pid!;
    const storagePath = join(scratchDir('silent-busy'), 'shared');
    mkdirSync(storagePath);
    const worker = await startWorker({ redis: redis.url, storage: pathToFileURL(storagePath).href, queue: 'busy-q', name: 'busy' });
    const log = join(scratchDir('silent-log'), 'calls');
    try {
      const t0 = performance.now();
      const df = fromColumns({ k: [0, 0, 1, 1], x: [1, 2, 3, 4] }, { npartitions: 2 });
      const p = df.groupby('k').apply(udf(FUNCS, 'slowSum'), { params: { log, ms: 20_000 }, npartitions: 2 })
        .compute({ scheduler: 'distributed', redis: redis.url, storage: pathToFileURL(storagePath).href, queue: 'busy-q', redisTimeout: 1500, workerTimeout: 120_000 });
      p.catch(() => {});
      await until('a task to start on the worker', 60_000, async () => existsSync(log) && readFileSync(log, 'utf8').trim().length > 0);
      process.kill(pid, 'SIGSTOP');
      const stoppedAt = performance.now();
      const { err, ms } = await settles(p, t0);
      assert.is(((err.cause ?? err) as Error).name, 'RedisSilentError', err.message);
      assert.match(err.message, new RegExp(`Redis at redis://127\\.0\\.0\\.1:${redis.port} did not answer`), err.message);
      assert.ok(performance.now() - stoppedAt < BOUND_MS, `settled ${Math.round(ms)} ms after the start`);
    } finally {
      process.kill(pid, 'SIGCONT');
      await closeExecutors();
      await worker.stop();
      await redis.stop();
    }
  });

  test('the worker list becomes unreadable mid-run (the key is not a sorted set): a WorkerListError within redisTimeout, not a wait for ever', async () => {
    const redis: RedisServer = await startRedis();
    const probe = new Redis(redis.port, '127.0.0.1');
    try {
      const t0 = performance.now();
      const p = fromColumns({ x: [1, 2, 3] }).col('x').sum().compute({ scheduler: 'distributed', redis: redis.url, storage: storage(), queue: 'garbled-q', redisTimeout: 1500, workerTimeout: 120_000 });
      p.catch(() => {});
      await queued(probe, 'garbled-q');
      await probe.set('tessera:garbled-q:workers', 'not a sorted set');
      const { err } = await settles(p, t0);
      assert.is(((err.cause ?? err) as Error).name, 'WorkerListError', err.message);
      assert.match(err.message, /cannot read the live workers .*WRONGTYPE/, err.message);
    } finally {
      probe.disconnect();
      await closeExecutors();
      await redis.stop();
    }
  });
}

test.run();
