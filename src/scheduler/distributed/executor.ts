// The 'distributed' executor (client side): ready tasks become BullMQ jobs on Redis (a batch of small task
// descriptors per job), `tessera worker` processes on any host run them, and partitions travel as files on
// shared storage. The scheduler core (Session) is unchanged: it holds small StoredRefs instead of data and
// asks this executor for the real value only when it hands a result to the caller.

import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConnectionOptions, Queue, Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Executor } from '../executor.ts';
import type { Key, Task } from '../graph.ts';
import type { RunContext } from '../cancel.ts';
import { executeTask } from '../execute.ts';
import { deserializeError } from '../remote-errors.ts';
import { hashString } from '../tokenize.ts';
import { type RedisTarget, HEARTBEAT_MS, RUN_TTL_MS, connect, keys, loadBullmq, redisTarget } from './connection.ts';
import type { JobData, JobResult, JobTask, TaskOutcome } from './protocol.ts';
import { type StoreTarget, hasStoredRef, loadValue, pack, storeValue, storedRefsIn, unpack } from './values.ts';
import { type StoredRef, pathOf, storageRoot, unlinkQuietly } from './storage.ts';
import { PACKAGE_VERSION, moduleHash, udfModulesIn } from './version.ts';
import { HostUnavailableError, NoWorkerError, RedisSilentError, RedisUnavailableError, VersionMismatchError, WorkerListError } from './errors.ts';
import { LEASE_REFRESH_MS, sweepExpiredRuns, writeLease } from './run-lease.ts';
import { type HostAdvert, type Route, SHARED, hostQueue, inputFilesOf, parseAdverts, routeFor } from './locality.ts';

export interface DistributedOptions {
  readonly redis: string;
  readonly storage: string;
  readonly queue: string;
  /** Re-runs of a task that threw before its error fails the run. */
  readonly retries: number;
  readonly workerTimeoutMs: number;
  readonly redisTimeoutMs: number;
  /** workerModules: imported by workers before running tasks. */
  readonly modules: readonly string[];
  /** Tasks per job: null = adapt to task duration. */
  readonly chunksize: number | null;
}

/** Inline ops that only pick a part out of a value: they run on references without reading them. */
const PICKING_OPS = new Set(['reduce.pick', 'reduce.pick-record', 'delayed.batch-pick', 'array.pick']);

// Automatic batching: a job round trip costs ~1-4 ms, so jobs carry at least this much work (< 10% overhead).
const TARGET_JOB_MS = 40;
const MAX_AUTO_CHUNK = 256;
/** How often a client looks for expired run directories to remove (at a run's start). */
const SWEEP_EVERY_MS = 10 * 60_000;
/** How often the monitor checks the connection, the workers and jobs whose events may have been missed. */
const MONITOR_MS = 250;
/** A job without news for this long is looked up directly (an event lost in a reconnect). */
const POLL_AFTER_MS = 3000;

interface Pending {
  readonly task: Task;
  readonly inputs: readonly unknown[];
  readonly run: RunState;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  /** Times this task was sent again after an error. */
  retries: number;
  /** Resolved or rejected already (a run's end, a failAll and a late answer may all try). */
  settled: boolean;
}

interface Batch {
  readonly id: string;
  readonly items: Pending[];
  readonly run: RunState;
  readonly data: JobData;
  /** The shared queue, or the host queue of the host whose disk holds its input file. */
  readonly route: Route;
  /** When it was added, or last heard of (performance.now()). */
  seen: number;
  /** Times it was added again because Redis lost it (a restart without its last writes). */
  readds: number;
}

interface RunState {
  readonly id: string;
  /** The run's directory relative to the storage root, and its absolute path. */
  readonly dir: string;
  readonly path: string;
  readonly ctx: RunContext | null;
  /** Objects (scattered values, in-memory partitions) already written for this run: written once. */
  readonly uploads: WeakMap<object, StoredRef>;
  readonly uploadTarget: StoreTarget;
  /** Results held by the core, per file: a file is deleted when no held value refers to it any more. */
  readonly holds: Map<string, number>;
  /** Times each task key was sent: part of its output names, so a recomputation never reuses a deleted name. */
  readonly generations: Map<Key, number>;
  readonly batches: Set<Batch>;
  readonly onAbort: (() => void) | null;
  keepAlive: NodeJS.Timeout | undefined;
  /** Rewrites the run directory's lease (run-lease.ts) while the run lives. */
  readonly lease: NodeJS.Timeout;
  ended: boolean;
}

interface Connections {
  /** Bookkeeping (heartbeats, run keys) and the queue's commands. */
  readonly redis: Redis;
  /** The blocking reads of this client's reply list need a connection of their own. */
  readonly replies: Redis;
  readonly queue: Queue;
  /** Host queues (locality.ts), made when a task is first routed to one. */
  readonly hostQueues: Map<string, Queue>;
  /** Settles when the queue is connected. */
  readonly ready: Promise<void>;
  /** Set when closing: the reply loop stops. */
  closed: boolean;
}

export class DistributedExecutor implements Executor {
  readonly name = 'distributed';
  private readonly target: RedisTarget;
  /** This client's reply list: workers push job answers here. */
  private readonly replyKey: string;
  private readonly root: string;
  private conn: Connections | null = null;
  /** Tasks waiting for the connection to come up. */
  private readonly connecting = new Set<Pending>();
  private readonly runs = new Map<RunContext | null, RunState>();
  private readonly batches = new Map<string, Batch>();
  private buffer: Pending[] = [];
  private inFlight = 0;
  private avgMs = Number.NaN;
  private nextJob = 0;
  /** Threads of live workers, from their heartbeats (0 = none seen yet). */
  private threads = 0;
  private monitor: NodeJS.Timeout | undefined;
  private downSince: number | null = null;
  private everConnected = false;
  private lastRedisError: string | null = null;
  private noWorkerSince: number | null = null;
  /** Since when every look at the worker list has failed while Redis was up and tasks waited (performance.now()). */
  private workerListFailingSince: number | null = null;
  private lastWorkerListError = '';
  private lastWorkerCheck = 0;
  /** The look at Redis under way (workers, adverts), shared by everyone who needs it. */
  private refreshing: Promise<void> | null = null;
  /** Whether a look at Redis has ever succeeded: until then routing knows no host (workersUnknown). */
  private workersKnown = false;
  /** When this client last removed expired run directories of killed clients (performance.now()). */
  private lastSweep = Number.NEGATIVE_INFINITY;
  /** Hosts with a live worker, what every host advertised it reads locally, and tasks in flight per host queue. */
  private liveHosts = new Set<string>();
  private adverts: HostAdvert[] = [];
  private readonly hostLoad = new Map<string, number>();
  /** Since when each host with tasks routed to it has had no live worker (performance.now()). */
  private readonly hostDownSince = new Map<string, number>();

  constructor(private readonly options: DistributedOptions) {
    this.target = redisTarget(options.redis);
    this.replyKey = keys.replies(options.queue, randomBytes(8).toString('hex'));
    this.root = storageRoot(options.storage);
  }

  /** Two jobs per worker thread in flight, so no worker waits for a round trip. */
  get concurrency(): number {
    return Math.max(2, this.threads) * this.chunk() * 2;
  }

  run(task: Task, inputs: readonly unknown[], ctx: RunContext | null = null): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (ctx?.signal.aborted) return reject(ctx.signal.reason);
      let run: RunState;
      try {
        run = this.runFor(ctx);
      } catch (err) {
        return reject(err);
      }
      const p: Pending = {
        task, inputs, run, retries: 0, settled: false,
        resolve: (v) => {
          if (p.settled) return;
          p.settled = true;
          resolve(v);
        },
        reject: (e) => {
          if (p.settled) return;
          p.settled = true;
          reject(e);
        },
      };
      if (this.buffer.push(p) === 1) queueMicrotask(() => void this.flush());
    });
  }

  fetch(value: unknown, ctx: RunContext): unknown {
    if (!hasStoredRef(value)) return value;
    try {
      return loadValue(value, this.root);
    } catch (err) {
      throw new Error(`cannot read a result from the shared storage ${this.root} (${(err as Error).message}); was the storage changed or cleaned during the run?`, { cause: err });
    }
  }

  runInline(task: Task, inputs: readonly unknown[], ctx: RunContext): unknown {
    if (PICKING_OPS.has(task.op) || !inputs.some(hasStoredRef)) return executeTask(task, inputs);
    return executeTask(task, inputs.map((x) => this.fetch(x, ctx)));
  }

  hold(value: unknown, ctx: RunContext): void {
    const run = this.runs.get(ctx);
    if (!run) return;
    for (const r of storedRefsIn(value)) run.holds.set(r.uri, (run.holds.get(r.uri) ?? 0) + 1);
  }

  drop(value: unknown, ctx: RunContext): void {
    const run = this.runs.get(ctx);
    if (!run) return;
    for (const r of storedRefsIn(value)) {
      const n = (run.holds.get(r.uri) ?? 0) - 1;
      if (n > 0) {
        run.holds.set(r.uri, n);
      } else {
        // No task will read it again (a recomputation writes a new name): an intermediate file is freed now.
        run.holds.delete(r.uri);
        unlinkQuietly(pathOf(this.root, r.uri));
      }
    }
  }

  endRun(ctx: RunContext): void {
    const run = this.runs.get(ctx);
    if (run) this.finishRun(run, new Error('the run ended'));
  }

  /** Stop every run's work here, delete their files, close the Redis connections. */
  async close(): Promise<void> {
    for (const run of [...this.runs.values()]) this.finishRun(run, new Error('the distributed executor was closed'));
    await this.disconnect();
  }

  // ---- runs -------------------------------------------------------------------------------------------

  private runFor(ctx: RunContext | null): RunState {
    let run = this.runs.get(ctx);
    if (run) return run;
    const id = randomBytes(8).toString('hex');
    const dir = `tessera-run-${id}`;
    const path = pathOf(this.root, dir);
    if (performance.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = performance.now();
      sweepExpiredRuns(this.root); // directories left by killed clients, provably tessera's (run-lease.ts)
    }
    mkdirSync(path); // made by the client only: workers never create directories (see storage.ts)
    const host = hostname();
    writeLease(path, id, host);
    const lease = setInterval(() => {
      try {
        writeLease(path, id, host);
      } catch {
        // storage briefly unreachable: the next rewrite renews it (expiry is far longer than the period)
      }
    }, LEASE_REFRESH_MS);
    lease.unref();
    const onAbort = ctx ? () => this.finishRun(run!, ctx.signal.reason) : null;
    run = {
      id, dir, path, ctx, uploads: new WeakMap(), uploadTarget: { root: this.root, dir, stem: 'in', count: 0, written: 0 },
      holds: new Map(), generations: new Map(), batches: new Set(), onAbort, keepAlive: undefined, lease, ended: false,
    };
    if (ctx && onAbort) ctx.signal.addEventListener('abort', onAbort, { once: true });
    this.runs.set(ctx, run);
    this.startMonitor();
    return run;
  }

  /**
   * The run is over (done, failed, cancelled): its pending tasks reject with `reason` (the core has
   * settled them already and ignores this), workers are told to skip its remaining jobs, queued jobs are
   * removed, and every file in its directory (all made by this run) is deleted.
   */
  private finishRun(run: RunState, reason: unknown): void {
    if (run.ended) return;
    run.ended = true;
    this.runs.delete(run.ctx);
    if (run.ctx && run.onAbort) run.ctx.signal.removeEventListener('abort', run.onAbort);
    clearInterval(run.keepAlive);
    clearInterval(run.lease);
    this.buffer = this.buffer.filter((p) => {
      if (p.run !== run) return true;
      p.reject(reason);
      return false;
    });
    const ended = [...run.batches];
    for (const b of ended) {
      this.untrack(b);
      for (const p of b.items) p.reject(reason);
    }
    run.batches.clear();
    const conn = this.conn;
    if (conn) {
      void conn.redis.del(keys.run(this.options.queue, run.id)).catch(() => {});
      // an active job cannot be removed; its worker finds the run gone
      for (const b of ended) void this.queueOf(conn, b.route).remove(b.id).catch(() => {});
    }
    sweep(run.path, 0);
    if (this.runs.size === 0) {
      clearInterval(this.monitor);
      this.monitor = undefined;
      // Idle connections would keep the process alive: close them; the next run connects again.
      void this.disconnect();
    }
  }

  // ---- connections ------------------------------------------------------------------------------------

  /** The connections, made on first use (the sockets are opened in the background). */
  private connection(): Connections {
    if (this.conn) return this.conn;
    // Our own ioredis clients, the queue's handed to BullMQ as a shared connection: closing them ourselves
    // is what also stops their reconnect timers when Redis is down.
    const redis = connect(this.target);
    const replies = connect(this.target);
    redis.on('error', (e: Error) => (this.lastRedisError = e.message));
    redis.on('ready', () => {
      this.everConnected = true;
      this.lastRedisError = null;
    });
    const queue = new (loadBullmq().Queue)(this.options.queue, { connection: redis as unknown as ConnectionOptions });
    queue.on('error', (e: Error) => (this.lastRedisError = e.message));
    const ready = queue.waitUntilReady().then(() => {});
    ready.catch(() => {}); // a failure to connect is reported by the monitor, with the URL
    const conn: Connections = { redis, replies, queue, hostQueues: new Map(), ready, closed: false };
    this.conn = conn;
    void this.readReplies(conn);
    return conn;
  }

  /**
   * Workers push each finished job's answer onto this client's reply list (a Redis list survives a
   * reconnect, unlike pub/sub); one blocking read loop takes them. Answers lost anyway (a worker that
   * died between finishing and replying) are found by the monitor's poll of the job itself.
   */
  private async readReplies(conn: Connections): Promise<void> {
    while (!conn.closed) {
      let item: [string, string] | null;
      try {
        item = await conn.replies.blpop(this.replyKey, 1);
      } catch {
        if (conn.closed) return;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (!item || conn.closed) continue;
      let reply: { id: string; result?: unknown; failed?: string };
      try {
        reply = JSON.parse(item[1]) as typeof reply;
      } catch {
        continue; // not ours
      }
      if (reply.failed !== undefined) this.onFailed(reply.id, reply.failed);
      else this.onCompleted(reply.id, reply.result);
    }
  }

  private async disconnect(): Promise<void> {
    const conn = this.conn;
    if (!conn || this.runs.size > 0) return;
    this.conn = null;
    await closeConnections(conn);
  }

  // ---- sending ----------------------------------------------------------------------------------------

  private chunk(): number {
    if (this.options.chunksize !== null) return this.options.chunksize;
    if (!(this.avgMs < TARGET_JOB_MS)) return 1;
    return Math.min(MAX_AUTO_CHUNK, Math.max(1, Math.floor(TARGET_JOB_MS / Math.max(this.avgMs, 1e-3))));
  }

  private async flush(): Promise<void> {
    const items = this.buffer;
    this.buffer = [];
    if (items.length === 0) return;
    const conn = this.connection();
    for (const p of items) this.connecting.add(p);
    try {
      await conn.ready;
    } catch {
      // the monitor fails these tasks with a RedisUnavailableError after redisTimeout (they are in `connecting`)
    }
    for (const p of items) this.connecting.delete(p);
    if (this.conn !== conn) {
      for (const p of items) p.reject(new Error('the distributed executor was closed while connecting to Redis'));
      return;
    }
    // Routing needs to know which hosts are alive and what they read locally: ask Redis if not known lately,
    // and wait for a look already under way (the monitor's, or another flush's): routing before its answer
    // would use what was known before it, on a new client nothing, sending host-local files to the shared queue.
    if (this.refreshing !== null || performance.now() - this.lastWorkerCheck >= HEARTBEAT_MS / 2) await this.refreshWorkers(conn).catch(() => {});
    // A client that never managed to look would route blind: ask again, for at most redisTimeout, then fail.
    if (!this.workersKnown) {
      const failure = await this.workersUnknown(conn, items);
      if (failure !== null) {
        for (const p of items) if (!p.settled && !p.run.ended) p.reject(failure);
        return;
      }
    }
    const byRun = new Map<RunState, Pending[]>();
    for (const p of items) {
      if (p.run.ended || p.settled) continue;
      const list = byRun.get(p.run);
      if (list) list.push(p);
      else byRun.set(p.run, [p]);
    }
    for (const [run, list] of byRun) this.dispatch(conn, run, list);
  }

  /** Route each task (locality.ts), then send each route's tasks in batches. */
  private dispatch(conn: Connections, run: RunState, list: Pending[], forced: Route | null = null): void {
    this.keepRunAlive(run, conn);
    const byRoute = new Map<string, { route: Route; items: Pending[] }>();
    const added = new Map<string, number>();
    for (const p of list) {
      const files = forced ? [] : inputFilesOf(p.task);
      const route = forced ?? (files.length === 0 ? SHARED : routeFor(files, this.adverts, this.liveHosts, (h) => (this.hostLoad.get(h) ?? 0) + (added.get(h) ?? 0)));
      const name = route.kind === 'shared' ? '' : route.host;
      if (route.kind === 'host') added.set(name, (added.get(name) ?? 0) + 1);
      // One group per host and per reason, so that a batch's route names its own file in messages.
      const id = route.kind === 'shared' ? '' : `${route.host}\0${route.exclusive}\0${route.dir}`;
      const group = byRoute.get(id);
      if (group) group.items.push(p);
      else byRoute.set(id, { route, items: [p] });
    }
    for (const { route, items } of byRoute.values()) {
      const size = this.options.chunksize ?? Math.max(1, Math.min(this.chunk(), Math.ceil((items.length + this.inFlight) / Math.max(1, this.threads))));
      const n = Math.ceil(items.length / size);
      // Deal round-robin: neighbouring tasks are often alike (partitions of one file), so spread them.
      for (let b = 0; b < n; b++) {
        const batch: Pending[] = [];
        for (let i = b; i < items.length; i += n) batch.push(items[i]!);
        this.send(conn, run, batch, route);
      }
    }
  }

  /** The run's liveness key: workers skip jobs of runs whose key is gone (ended, or the client died). */
  private keepRunAlive(run: RunState, conn: Connections): void {
    if (run.keepAlive !== undefined) return;
    const key = keys.run(this.options.queue, run.id);
    const touch = (): void => void conn.redis.set(key, '1', 'PX', RUN_TTL_MS).catch(() => {});
    touch();
    run.keepAlive = setInterval(touch, RUN_TTL_MS / 3);
    run.keepAlive.unref();
  }

  private send(conn: Connections, run: RunState, items: Pending[], route: Route): void {
    const tasks: JobTask[] = [];
    const modules = new Set<string>(this.options.modules);
    const sent: Pending[] = [];
    for (const p of items) {
      try {
        const t = p.task;
        const gen = (run.generations.get(t.key) ?? 0) + 1;
        run.generations.set(t.key, gen);
        const args = t.args.length === 0 ? t.args : (storeValue(t.args, run.uploadTarget, run.uploads) as unknown[]);
        udfModulesIn(t.args, modules);
        tasks.push({ task: { ...t, args }, inputs: p.inputs.map((x) => storeValue(x, run.uploadTarget, run.uploads)), stem: `${hashString(t.key)}-${gen}` });
        sent.push(p);
      } catch (err) {
        p.reject(err);
      }
    }
    if (sent.length === 0) return;
    const hashes: Record<string, string> = {};
    for (const m of modules) hashes[m] = moduleHash(m);
    const data: JobData = { v: 1, run: run.id, reply: this.replyKey, dir: run.dir, version: PACKAGE_VERSION, modules: hashes, load: this.options.modules, tasks: pack(tasks) };
    this.addJob(conn, run, sent, data, route, 0);
  }

  /** The BullMQ queue a batch goes to. */
  private queueOf(conn: Connections, route: Route): Queue {
    if (route.kind === 'shared') return conn.queue;
    let q = conn.hostQueues.get(route.host);
    if (!q) {
      q = new (loadBullmq().Queue)(hostQueue(this.options.queue, route.host), { connection: conn.redis as unknown as ConnectionOptions });
      q.on('error', (e: Error) => (this.lastRedisError = e.message));
      conn.hostQueues.set(route.host, q);
    }
    return q;
  }

  private addJob(conn: Connections, run: RunState, items: Pending[], data: JobData, route: Route, readds: number): void {
    const id = `${run.id}-${this.nextJob++}`;
    const batch: Batch = { id, items, run, data, route, seen: performance.now(), readds };
    this.batches.set(id, batch);
    run.batches.add(batch);
    this.inFlight += items.length;
    if (route.kind === 'host') this.hostLoad.set(route.host, (this.hostLoad.get(route.host) ?? 0) + items.length);
    this.queueOf(conn, route)
      .add('tasks', data, { jobId: id, attempts: 1, removeOnComplete: { age: 600, count: 5000 }, removeOnFail: { age: 3600, count: 5000 } })
      .catch((err: unknown) => {
        // Redis was unreachable longer than ioredis retries: fail these tasks like a lost job.
        if (this.batches.has(id)) this.onFailed(id, `could not add the job to Redis: ${(err as Error).message}`);
      });
  }

  // ---- receiving --------------------------------------------------------------------------------------

  private take(jobId: string): Batch | null {
    const b = this.batches.get(jobId);
    if (!b) return null; // another run's job, or already settled (an event and a poll both saw it)
    this.untrack(b);
    return b;
  }

  private untrack(b: Batch): void {
    this.batches.delete(b.id);
    b.run.batches.delete(b);
    this.inFlight -= b.items.length;
    if (b.route.kind === 'host') this.hostLoad.set(b.route.host, (this.hostLoad.get(b.route.host) ?? 0) - b.items.length);
  }

  private onCompleted(jobId: string, returnvalue: unknown): void {
    const b = this.take(jobId);
    if (!b) return;
    let result: JobResult;
    let outcomes: TaskOutcome[];
    try {
      result = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as JobResult;
      if (result.skipped) {
        // The worker found the run's key gone while the run is alive here (Redis lost it): send again.
        if (!b.run.ended) this.retryOrFail(b.items, 'a worker found this run unknown to Redis');
        return;
      }
      outcomes = unpack(result.results!) as TaskOutcome[];
    } catch (err) {
      for (const p of b.items) p.reject(new Error(`a worker's answer for job ${jobId} could not be read: ${(err as Error).message}`));
      return;
    }
    let ms = 0;
    const again: Pending[] = [];
    for (let i = 0; i < b.items.length; i++) {
      const p = b.items[i]!;
      const o = outcomes[i]!;
      ms += o.ms;
      if (o.warnings) for (const w of o.warnings) process.emitWarning(w.message, { type: w.type, code: w.code });
      if (o.ok) {
        try {
          p.resolve(loadValue(o.value, null));
        } catch (err) {
          p.reject(err);
        }
        continue;
      }
      if (o.refused) {
        p.reject(new VersionMismatchError(o.error.message));
        continue;
      }
      const err = deserializeError(o.error);
      // tessera's own error classes (registered, so rebuilt as themselves) describe the data, not a
      // flaky host: running them again gives the same answer. Anything else is retried.
      const deliberate = Object.getPrototypeOf(err) !== Error.prototype;
      if (!deliberate && p.retries < this.options.retries) {
        p.retries += 1;
        again.push(p);
        continue;
      }
      const tries = p.retries + 1;
      Object.assign(err, { host: result.host, worker: result.worker });
      err.message += ` (on worker ${result.worker} at host ${result.host}${tries > 1 ? `, after ${tries} attempts` : ''})`;
      p.reject(err);
    }
    if (b.items.length > 0) {
      const per = ms / b.items.length;
      this.avgMs = Number.isNaN(this.avgMs) ? per : 0.8 * this.avgMs + 0.2 * per;
    }
    if (again.length > 0 && this.conn && !b.run.ended) for (const p of again) this.dispatch(this.conn, b.run, [p]);
  }

  /** The job itself failed (its worker thread died, it stalled too often, Redis refused it): each task may run again alone. */
  private onFailed(jobId: string, reason: string): void {
    const b = this.take(jobId);
    if (!b) return;
    this.retryOrFail(b.items, reason);
  }

  private retryOrFail(items: Pending[], reason: string): void {
    for (const p of items) {
      if (p.retries < this.options.retries && this.conn && !p.run.ended) {
        p.retries += 1;
        this.dispatch(this.conn, p.run, [p]);
      } else {
        p.reject(new Error(`the job running it failed on the queue '${this.options.queue}' (${reason}), ${p.retries + 1} time(s); see the workers' output`));
      }
    }
  }

  // ---- watching ---------------------------------------------------------------------------------------

  private startMonitor(): void {
    if (this.monitor) return;
    this.noWorkerSince = null;
    this.downSince = null;
    this.monitor = setInterval(() => void this.check(), MONITOR_MS);
    this.monitor.unref();
  }

  /** Fail clearly instead of waiting forever: Redis down too long, no worker too long; look up jobs whose news was lost. */
  private async check(): Promise<void> {
    const now = performance.now();
    const waiting = this.batches.size > 0 || this.connecting.size > 0;
    const conn = this.conn;
    const up = conn !== null && conn.redis.status === 'ready';
    if (!up && waiting) {
      this.downSince ??= now;
      if (now - this.downSince > this.options.redisTimeoutMs) {
        this.downSince = null;
        return this.failAll(new RedisUnavailableError(this.target.display, this.options.redisTimeoutMs, this.lastRedisError, this.everConnected));
      }
      return;
    }
    this.downSince = null;
    if (!conn || !up) {
      this.workerListFailingSince = null; // the connection's own watchdog above covers this
      return;
    }
    if (now - this.lastWorkerCheck >= HEARTBEAT_MS / 2) {
      try {
        await this.refreshWorkers(conn);
        this.workerListFailingSince = null;
      } catch (e) {
        // A silent Redis fails the run now (the read waited redisTimeout already). Any other failure (the
        // key is not a sorted set, a refused command) may pass: the run fails only if it lasts redisTimeout,
        // since without the list no one can tell whether a worker will ever run the waiting tasks.
        if (e instanceof RedisSilentError || e instanceof RedisUnavailableError) return this.failAll(e);
        this.lastWorkerListError = e instanceof Error ? e.message : String(e);
        if (!waiting) return;
        this.workerListFailingSince ??= now;
        if (performance.now() - this.workerListFailingSince > this.options.redisTimeoutMs) {
          this.workerListFailingSince = null;
          return this.failAll(new WorkerListError(this.target.display, this.options.redisTimeoutMs, this.lastWorkerListError, true));
        }
        return;
      }
      try {
        await this.checkHosts(conn, now);
      } catch (e) {
        if (e instanceof RedisSilentError || e instanceof RedisUnavailableError) return this.failAll(e);
      }
      if (this.threads === 0 && this.batches.size > 0) {
        this.noWorkerSince ??= now;
        if (now - this.noWorkerSince > this.options.workerTimeoutMs) {
          this.noWorkerSince = null;
          return this.failAll(new NoWorkerError(this.options.queue, this.target.display, this.options.workerTimeoutMs));
        }
      } else {
        this.noWorkerSince = null;
      }
    }
    try {
      await this.poll(conn, now);
    } catch (e) {
      if (e instanceof RedisSilentError || e instanceof RedisUnavailableError) this.failAll(e);
    }
  }

  /**
   * `p` (a command to Redis), or after redisTimeout an error naming `what`: ioredis waits for ever for an
   * answer (BullMQ needs that for its blocking reads), offline (the command waits for a reconnect) and on
   * a connection that stays up but never answers. So every await of the client on Redis goes through here.
   * Offline, the error is the connection's (RedisUnavailableError); up but mute, a RedisSilentError.
   */
  private answerWithin<T>(conn: Connections, p: Promise<T>, what: string): Promise<T> {
    const ms = this.options.redisTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (conn.redis.status === 'ready') reject(new RedisSilentError(this.target.display, what, ms));
        else reject(new RedisUnavailableError(this.target.display, ms, this.lastRedisError, this.everConnected));
      }, ms);
      timer.unref();
    });
    p.catch(() => {}); // a failure after the deadline is nobody's business
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
  }

  /**
   * The first look at the workers failed: try again (0.1 s, doubling to 1 s) until one succeeds, every task
   * waiting is settled, or redisTimeout passes. Null when routing may go on; else the error for the tasks.
   */
  private async workersUnknown(conn: Connections, items: readonly Pending[]): Promise<Error | null> {
    const deadline = performance.now() + this.options.redisTimeoutMs;
    let lastError = 'no answer';
    for (let delay = 100; ; delay = Math.min(1000, delay * 2)) {
      try {
        await this.refreshWorkers(conn);
        if (this.workersKnown) return null;
      } catch (e) {
        // Redis down, or up and mute, for redisTimeout already: that is the error, not the list.
        if (e instanceof RedisSilentError || e instanceof RedisUnavailableError) return e;
        lastError = e instanceof Error ? e.message : String(e);
      }
      if (this.conn !== conn) return new Error('the distributed executor was closed while reading the worker list from Redis');
      if (items.every((p) => p.settled || p.run.ended)) return null;
      const left = deadline - performance.now();
      if (left <= 0) {
        if (conn.redis.status !== 'ready') return new RedisUnavailableError(this.target.display, this.options.redisTimeoutMs, this.lastRedisError, this.everConnected);
        return new WorkerListError(this.target.display, this.options.redisTimeoutMs, lastError);
      }
      await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    }
  }

  /** Live workers (their threads, their hosts) and the hosts' locality adverts, from Redis. */
  private refreshWorkers(conn: Connections): Promise<void> {
    this.refreshing ??= this.readWorkers(conn).finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async readWorkers(conn: Connections): Promise<void> {
    this.lastWorkerCheck = performance.now();
    const [members, adverts] = await this.answerWithin(
      conn,
      Promise.all([
        conn.redis.zrangebyscore(keys.workers(this.options.queue), Date.now(), '+inf'),
        conn.redis.hgetall(keys.hosts(this.options.queue)),
      ]),
      `the read of the worker list (${keys.workers(this.options.queue)})`,
    );
    let threads = 0;
    const live = new Set<string>();
    for (const m of members) {
      try {
        const w = JSON.parse(m) as { threads?: number; host?: unknown };
        threads += Number(w.threads) || 1;
        if (typeof w.host === 'string') live.add(w.host);
      } catch {
        // not a worker's heartbeat
      }
    }
    this.threads = threads;
    this.liveHosts = live;
    this.adverts = parseAdverts(adverts, Date.now());
    this.workersKnown = true;
  }

  /**
   * Tasks waiting on a host with no live worker: a file others can read moves to the shared queue (once
   * its job can be removed: not while a dead worker's lock on it lasts); a file only that host reads
   * fails after workerTimeout, naming the host and the file, instead of waiting forever.
   */
  private async checkHosts(conn: Connections, now: number): Promise<void> {
    const stranded = [...this.batches.values()].filter((b) => b.route.kind === 'host' && !this.liveHosts.has(b.route.host));
    for (const h of [...this.hostDownSince.keys()]) if (!stranded.some((b) => b.route.kind === 'host' && b.route.host === h)) this.hostDownSince.delete(h);
    for (const b of stranded) {
      const route = b.route as Extract<Route, { kind: 'host' }>;
      if (!this.hostDownSince.has(route.host)) this.hostDownSince.set(route.host, now);
      if (!route.exclusive) {
        let removed = 0;
        try {
          removed = await this.answerWithin(conn, this.queueOf(conn, route).remove(b.id), `the removal of job ${b.id} from the queue of host '${route.host}'`);
        } catch (e) {
            if (e instanceof RedisSilentError || e instanceof RedisUnavailableError) throw e;
          continue;
        }
        if (removed === 1 && this.batches.has(b.id)) {
          this.take(b.id);
          this.dispatch(conn, b.run, b.items, SHARED);
        }
        continue;
      }
      const down = now - this.hostDownSince.get(route.host)!;
      if (down > this.options.workerTimeoutMs && this.batches.has(b.id)) {
        this.take(b.id);
        void this.queueOf(conn, route).remove(b.id).catch(() => {});
        const err = new HostUnavailableError(route.host, route.file, route.dir, this.options.queue, down);
        for (const p of b.items) p.reject(err);
      }
    }
  }

  /** Jobs with no news for a while: read their state directly (an event may have been missed in a reconnect). */
  private async poll(conn: Connections, now: number): Promise<void> {
    const stale = [...this.batches.values()].filter((b) => now - b.seen > POLL_AFTER_MS).slice(0, 20);
    for (const b of stale) {
      b.seen = now;
      let job: Job | undefined;
      try {
        job = await this.answerWithin(conn, loadBullmq().Job.fromId(this.queueOf(conn, b.route), b.id), `the look-up of job ${b.id}`);
      } catch (e) {
        if (e instanceof RedisSilentError || e instanceof RedisUnavailableError) throw e;
        return;
      }
      if (!this.batches.has(b.id)) continue;
      if (!job) {
        // Redis restarted without the job (its last writes were not yet on disk): add it again.
        this.take(b.id);
        if (b.readds < 3) this.addJob(conn, b.run, b.items, b.data, b.route, b.readds + 1);
        else for (const p of b.items) p.reject(new Error(`job ${b.id} vanished from Redis ${b.readds + 1} times; is something deleting the queue '${this.options.queue}'?`));
        continue;
      }
      if (job.finishedOn && job.failedReason) this.onFailed(b.id, job.failedReason);
      else if (job.finishedOn) this.onCompleted(b.id, job.returnvalue);
    }
  }

  private failAll(err: Error): void {
    for (const b of [...this.batches.values()]) {
      this.take(b.id);
      // Its job must not run later for a worker that connects after the failure.
      if (this.conn) void this.queueOf(this.conn, b.route).remove(b.id).catch(() => {});
      for (const p of b.items) p.reject(err);
    }
    for (const p of this.buffer.splice(0)) p.reject(err);
    for (const p of this.connecting) p.reject(err);
    this.connecting.clear();
  }
}

async function closeConnections(conn: Connections): Promise<void> {
  conn.closed = true;
  let timer: NodeJS.Timeout | undefined;
  // Shared connection: BullMQ's close leaves the client to us; a client that is down is not waited for.
  const closing = Promise.all([conn.queue, ...conn.hostQueues.values()].map((q) => q.close().catch(() => {})));
  await Promise.race([closing, new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
  clearTimeout(timer);
  conn.replies.disconnect();
  conn.redis.disconnect();
}

/**
 * Delete every file in a run's directory (all of them made by that run: its directory has a random name
 * the client created) and the directory. A worker still finishing a task of the run may add a file after
 * the sweep (it finds the run key gone only before it starts): sweep again a little later.
 */
function sweep(dir: string, attempt: number): void {
  try {
    for (const name of readdirSync(dir)) unlinkQuietly(join(dir, name));
    rmdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (attempt < 4) setTimeout(() => sweep(dir, attempt + 1), 2000 * (attempt + 1)).unref();
  }
}
