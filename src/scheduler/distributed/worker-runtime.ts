// A `tessera worker` process: takes jobs from the BullMQ queue and runs each on a local pool of worker
// threads, so this process's event loop only talks to Redis (BullMQ renews job locks from it: a long task
// on this thread would let the lock expire and the job would run twice). Publishes a heartbeat.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { type ConnectionOptions, Worker as BullWorker, type Job } from 'bullmq';
import { HEARTBEAT_MS, HEARTBEAT_TTL_MS, connect, keys, redisTarget } from './connection.ts';
import { storageRoot } from './storage.ts';
import { ADVERT_MAX_AGE_MS, type HostAdvert, advertField, hostNameProblem, hostQueue } from './locality.ts';
import { PACKAGE_VERSION } from './version.ts';
import type { JobData, JobResult } from './protocol.ts';
import type { JobRequest } from './run-job.ts';

export interface WorkerOptions {
  readonly redis: string;
  readonly storage: string;
  readonly queue: string;
  readonly threads: number;
  /** BullMQ job lock: a job whose worker stopped renewing it for this long is run again elsewhere. */
  readonly lockMs: number;
  /** Shown in messages and heartbeats; defaults to host:pid. */
  readonly name?: string;
  /** The host this worker stands for (its host queue, locality adverts); defaults to os.hostname(). */
  readonly host?: string;
  /** Directories on this host's own disk that only it can read: tasks reading files there come here. */
  readonly localDirs?: readonly string[];
  /** Directories every worker can read but this host reads fastest: tasks reading there prefer this host. */
  readonly preferredDirs?: readonly string[];
  /** Where progress lines go (the CLI prints them). */
  readonly log?: (line: string) => void;
}

function jobThreadFile(): string {
  const js = new URL('./job-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return js.href;
  return new URL('./job-thread-shim.mjs', import.meta.url).href;
}

export class DistributedWorker {
  readonly id: string;
  readonly host: string;
  private readonly pool: Piscina;
  /** This host's queue (tasks reading files on its disk) and the shared queue: the host's comes first. */
  private readonly hostBull: BullWorker;
  private readonly bull: BullWorker;
  private readonly redis;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing: Promise<void> | null = null;
  private readonly member: string;
  private readonly advert: Omit<HostAdvert, 'seen'> | null;
  /** Threads free, and jobs waiting for one (host-queue jobs are served first). */
  private free: number;
  private readonly waiting: { host: Array<() => void>; shared: Array<() => void> } = { host: [], shared: [] };
  /** Host-queue jobs in hand: the shared queue takes only what the host queue leaves of the threads. */
  private hostHeld = 0;

  private constructor(private readonly options: WorkerOptions) {
    const target = redisTarget(options.redis);
    const root = storageRoot(options.storage);
    this.host = options.host ?? hostname();
    const bad = hostNameProblem(this.host);
    if (bad !== null) throw new TypeError(bad);
    const local = (options.localDirs ?? []).map((d) => checkedDir(d, '--local-dir'));
    const preferred = (options.preferredDirs ?? []).map((d) => checkedDir(d, '--preferred-dir'));
    this.advert = local.length + preferred.length > 0 ? { host: this.host, local, preferred } : null;
    this.id = options.name ?? `${this.host}:${process.pid}`;
    this.member = JSON.stringify({ id: this.id, host: this.host, pid: process.pid, threads: options.threads, version: PACKAGE_VERSION });
    this.free = options.threads;
    this.redis = connect(target);
    this.pool = new Piscina({ filename: jobThreadFile(), minThreads: options.threads, maxThreads: options.threads, atomics: 'disabled', idleTimeout: 60_000 });
    this.pool.on('error', () => {}); // a thread that died between jobs: piscina replaces it
    const bullOptions = {
      connection: target.options as ConnectionOptions,
      concurrency: options.threads,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      // A job is run again after its worker vanished (kill -9, a lost host) up to this many times.
      maxStalledCount: 5,
      autorun: false,
    };
    this.hostBull = new BullWorker(hostQueue(options.queue, this.host), async (job: Job) => this.process(job, root, true), bullOptions);
    this.bull = new BullWorker(options.queue, async (job: Job) => this.process(job, root, false), bullOptions);
    for (const b of [this.hostBull, this.bull]) {
      b.on('error', (e) => options.log?.(`tessera worker ${this.id}: ${e.message}`));
      // Tell the client once BullMQ has recorded the outcome (its stored copy is what the client falls back on).
      b.on('completed', (job, result) => this.reply(job, { id: job.id, result }));
      b.on('failed', (job, err) => {
        if (job) this.reply(job, { id: job.id, failed: `${err.message} (worker ${this.id} at host ${this.host})` });
      });
    }
  }

  /** Connect, start taking jobs, and publish the heartbeat. Rejects when Redis cannot be reached within `connectMs`. */
  static async start(options: WorkerOptions, connectMs = 30_000): Promise<DistributedWorker> {
    const w = new DistributedWorker(options);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`cannot connect to Redis at ${redisTarget(options.redis).display} within ${connectMs / 1000} s: check that redis-server runs there and this host reaches it`)), connectMs);
    });
    try {
      await Promise.race([Promise.all([w.bull.waitUntilReady(), w.hostBull.waitUntilReady(), w.redis.ping()]), timeout]);
    } catch (err) {
      await w.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    for (const b of [w.hostBull, w.bull]) void b.run().catch((e: Error) => options.log?.(`tessera worker ${w.id}: ${e.message}`));
    await w.forgetOldAdverts();
    await w.beat();
    w.heartbeat = setInterval(() => void w.beat(), HEARTBEAT_MS);
    return w;
  }

  private async beat(): Promise<void> {
    const k = keys.workers(this.options.queue);
    try {
      await this.redis.zadd(k, Date.now() + HEARTBEAT_TTL_MS, this.member);
      await this.redis.zremrangebyscore(k, '-inf', Date.now());
      if (this.advert) await this.redis.hset(keys.hosts(this.options.queue), advertField(this.advert), JSON.stringify({ ...this.advert, seen: Date.now() }));
    } catch {
      // Redis is down: ioredis reconnects; the next beat publishes again
    }
  }

  /** Adverts of hosts unheard of for a day (taken out of the cluster) would keep naming them: drop them. */
  private async forgetOldAdverts(): Promise<void> {
    const k = keys.hosts(this.options.queue);
    try {
      const all = await this.redis.hgetall(k);
      const now = Date.now();
      const old = Object.keys(all).filter((f) => isOldAdvert(all[f]!, now));
      if (old.length > 0) await this.redis.hdel(k, ...old);
    } catch {
      // Redis is down: another start will do it
    }
  }

  private reply(job: Job, message: object): void {
    const key = (job.data as JobData | undefined)?.reply;
    if (typeof key !== 'string' || !key.startsWith('tessera:')) return;
    void this.redis
      .multi()
      .rpush(key, JSON.stringify(message))
      .pexpire(key, 3_600_000) // a client that went away leaves nothing behind for long
      .exec()
      .catch(() => {});
  }

  private async process(job: Job, root: string, fromHostQueue: boolean): Promise<JobResult> {
    const data = job.data as JobData;
    if (data?.v !== 1) throw new Error(`job ${job.id} is not a tessera task batch (format ${String(data?.v)}); is another program using queue '${job.queueName}'?`);
    if (fromHostQueue) this.holdHostJob(1);
    try {
      // A run that ended (finished, failed, cancelled, client gone) has no key: its leftover jobs are skipped.
      if (!(await this.redis.exists(keys.run(this.options.queue, data.run)))) return { host: this.host, worker: this.id, skipped: true };
      const req: JobRequest = { data, root, host: this.host };
      await this.acquire(fromHostQueue);
      try {
        const results = (await this.pool.run(req)) as string;
        return { host: this.host, worker: this.id, results };
      } finally {
        this.release();
      }
    } finally {
      if (fromHostQueue) this.holdHostJob(-1);
    }
  }

  /** The shared queue fetches only as many jobs as the host queue leaves threads for (BullMQ needs at least 1). */
  private holdHostJob(delta: number): void {
    this.hostHeld += delta;
    this.bull.concurrency = Math.max(1, this.options.threads - this.hostHeld);
  }

  private acquire(fromHostQueue: boolean): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting[fromHostQueue ? 'host' : 'shared'].push(resolve));
  }

  private release(): void {
    const next = this.waiting.host.shift() ?? this.waiting.shared.shift();
    if (next) next();
    else this.free += 1;
  }

  /** Finish the jobs in hand, stop taking new ones, leave the heartbeat set. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      // Each step is bounded: with Redis down, a graceful close would wait for a reconnect that may never come.
      await bounded(Promise.all([this.hostBull.close(), this.bull.close()]), 10_000);
      await bounded(this.redis.zrem(keys.workers(this.options.queue), this.member), 2000); // else the heartbeat expires by itself
      this.redis.disconnect();
      await bounded(Promise.all([this.hostBull.disconnect(), this.bull.disconnect()]), 2000);
      await this.pool.destroy();
    })();
    return this.closing;
  }
}

/** Wait for `p` at most `ms`; its failure or lateness is not this caller's concern. */
async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => {}), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** A directory a worker advertises: absolute (as clients name files) and existing on this host. */
function checkedDir(dir: string, flag: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new TypeError(`${flag} ${dir}: no such directory on this host`);
  return abs;
}

function isOldAdvert(value: string, now: number): boolean {
  try {
    const seen = (JSON.parse(value) as { seen?: unknown }).seen;
    return typeof seen !== 'number' || now - seen > ADVERT_MAX_AGE_MS;
  } catch {
    return false; // not an advert: not ours to delete
  }
}
