// The futures client: eager work on one long-lived scheduler Session. submit/map lower delayed calls into
// that session (a Future argument is a reference to a key the session holds), scatter places a big value
// once in shared memory, and the Session's reference counts drop each value when nothing refers to it.

import { type Config, assertKnownOptions, resolveConfig } from '../config.ts';
import { type RunListener, Session } from '../scheduler/session.ts';
import { type ClientBackend, SessionBackend } from './backends.ts';
import { getExecutor } from '../scheduler/get-executor.ts';
import { ref, task } from '../scheduler/graph.ts';
import { registerOp } from '../scheduler/registry.ts';
import { hashString, uniqueToken } from '../scheduler/tokenize.ts';
import { prepare } from '../collections/prepare.ts';
import { type Collection, isCollection, outputOf } from '../collections/output.ts';
import { Delayed, type DelayedFunction, delayed, isDelayed, lowerPlainDelayeds } from '../collections/delayed/delayed.ts';
import { GraphBuilder } from '../collections/lower.ts';
import type { Graph, Key } from '../scheduler/graph.ts';
import { summarize } from '../collections/delayed/identity.ts';
import { ClientClosedError, Future, Lease, isFutureObject } from './future.ts';
import { strictly } from '../collections/provisional-types.ts';

export interface ClientOptions {
  /** Where tasks run: 'threads' (default), 'processes', 'sync' or 'distributed'. */
  scheduler?: Config['scheduler'];
  numWorkers?: number | null;
  /** How the pool batches tasks: 1 = one at a time per worker, k = batches of k, null = adapt to task duration (default). */
  chunksize?: number | null;
  workerModules?: readonly string[];
  workerMemoryLimitMb?: number | null;
  /** Longest one task may run, in ms (its future rejects with a TimeoutError). */
  taskTimeout?: number | null;
  /** Scheduler listeners (tracing, tests): task starts and finishes, values released. */
  listeners?: readonly RunListener[];
  /** scheduler 'distributed' (docs/DISTRIBUTED.md): where Redis and the shared storage are, the queue, retries, waits. */
  redis?: string | null;
  storage?: string | null;
  queue?: string;
  retries?: number;
  workerTimeout?: number;
  redisTimeout?: number;
}

const CLIENT_KEYS = ['scheduler', 'numWorkers', 'chunksize', 'workerModules', 'workerMemoryLimitMb', 'taskTimeout', 'listeners', 'redis', 'storage', 'queue', 'retries', 'workerTimeout', 'redisTimeout'];

export interface MapOptions {
  /** Items per task: 1 = one task per item, k = batches of k items (one task, k futures), null = one task per item with the pool's automatic batching (default). */
  chunksize?: number | null;
  /** false: every item is new work even when equal to another (random draws). Default true. */
  pure?: boolean;
}

export interface GatherOptions {
  /** 'raise' (default): reject with the first failure; 'skip': leave failed futures out. */
  errors?: 'raise' | 'skip';
}

export interface WaitOptions {
  /** Milliseconds to wait at most; futures not done by then are in `notDone`. */
  timeout?: number;
  /** 'all' (default): until every future settled; 'first': until one did. */
  returnWhen?: 'all' | 'first';
}

/** A value placed by scatter(); the session's task for it hands out this value until released. */
class Scattered {
  constructor(public value: unknown) {}
}

registerOp('futures.scattered', (s: Scattered) => {
  if (s.value === undefined) throw new Error('this scattered value was released; scatter it again');
  return s.value;
}, { inline: true });

/** Open a client: `const client = await createClient({scheduler: 'threads', numWorkers: 4})`. */
export async function createClient(options: ClientOptions = {}): Promise<Client> {
  assertKnownOptions('createClient()', options, CLIENT_KEYS);
  const { listeners = [], ...config } = options;
  if (!Array.isArray(listeners)) throw new TypeError('createClient(): listeners must be an array of listener objects');
  const cfg = resolveConfig(config as Parameters<typeof resolveConfig>[0]);
  const client = new Client(cfg, listeners);
  latest = client;
  return client;
}

/** The client createClient() made last: getClient() outside any task returns it while it is open. */
let latest: Client | null = null;

export function latestClient(): Client | null {
  return latest !== null && !latest.isClosed ? latest : null;
}

export class Client {
  /** Where the client's work runs: its own Session, or (a task's nested client) the Session of its run. */
  private readonly backend: ClientBackend;
  private closed = false;

  constructor(
    readonly config: Config,
    listeners: readonly RunListener[] = [],
    backend?: ClientBackend,
  ) {
    this.backend = backend ?? new SessionBackend(new Session(getExecutor(config), { listeners, taskTimeoutMs: config.taskTimeout, what: 'client' }), config.scheduler);
  }

  /** Run `fn(...args)` now; args may be plain values, Futures, Delayeds or collections (nested in arrays/objects). */
  submit<R>(fn: ((...args: any[]) => R) | DelayedFunction, ...args: unknown[]): Future<Awaited<R>> {
    this.assertOpen('submit()');
    return this.run([delayed(fn as DelayedFunction)(...args)])[0] as Future<Awaited<R>>;
  }

  /** One future per item: `fn(item)`; `chunksize` k runs k items per task (see MapOptions). */
  map<R>(fn: ((item: any) => R) | DelayedFunction, items: Iterable<unknown>, options: MapOptions = {}): Array<Future<Awaited<R>>> {
    this.assertOpen('map()');
    assertKnownOptions('map()', options, ['chunksize', 'pure']);
    const { chunksize = null, pure = true } = options;
    if (chunksize !== null && !(Number.isInteger(chunksize) && chunksize >= 1)) throw new TypeError(`map(): chunksize must be a positive integer or null; got ${summarize(chunksize)}`);
    if (items === null || typeof (items as Iterable<unknown>)[Symbol.iterator] !== 'function') throw new TypeError(`map(): items must be an array or another iterable; got ${summarize(items)}`);
    const list = [...items];
    const factory = delayed(fn as DelayedFunction, { pure }); // validates fn
    if (chunksize === null || chunksize === 1) return this.run(list.map((x) => factory(x))) as Array<Future<Awaited<R>>>;
    const probe = factory().spec as { fn: DelayedFunction; name: string; unique: string | null };
    const picks: Delayed[] = [];
    for (let i = 0; i < list.length; i += chunksize) {
      const group = list.slice(i, i + chunksize);
      const batch = new Delayed({ kind: 'batch', fn: probe.fn, items: group, name: probe.name, unique: pure ? null : uniqueToken('impure') });
      group.forEach((_, j) => picks.push(new Delayed({ kind: 'pick', parent: batch, index: j })));
    }
    return this.run(picks) as Array<Future<Awaited<R>>>;
  }

  /** Compute a collection (a Delayed, a DataFrame, a Scalar...) on this client: a Future of its result. */
  compute<T = unknown>(collection: Collection): Future<T> {
    this.assertOpen('compute()');
    if (!isCollection(collection)) throw new TypeError(`client.compute(): expected a collection (Delayed, DataFrame, Series, Scalar); got ${summarize(collection)}`);
    if (isDelayed(collection)) return this.run([collection])[0] as Future<T>;
    // strictly: a sampled column compared with a string is refused here, as when built (no verifying read: the graph is submitted now)
    const prepared = strictly(() => prepare([outputOf(collection)], this.config));
    const keys = prepared.outputKeys[0]!;
    const out = prepared.outputs[0]!;
    const name = collection.constructor?.name ?? 'collection';
    if (this.backend.nested) {
      // Inside a task: the collection's finish (its own code) runs here, on the values of its keys; this
      // Future is this task's alone (it cannot be an argument of other submitted work).
      this.backend.submit(prepared.graph, keys);
      const values = keys.map((k) => this.backend.get(k));
      const all = Promise.all(values).then((vs) => out.finish(vs));
      return new Future<T>(`compute-${hashString(`${out.explain()}|${keys.join(',')}`)}`, name, new Lease(this.backend, keys), all);
    }
    // One key for the finished result (the collection's finish runs in the core), so the Future can be an
    // argument of other work like any other: its key stands for the whole result, not a partition.
    const key = `compute-${hashString(`${out.explain()}|${keys.join(',')}`)}`;
    const graph = new Map(prepared.graph);
    graph.set(key, task(key, 'delayed.finish-collection', [(values: unknown[]) => out.finish(values), keys.map(ref)]));
    this.backend.submit(graph, [key]);
    return new Future<T>(key, name, new Lease(this.backend, [key]), this.backend.get(key));
  }

  /**
   * Place a value once for every task that receives it: a typed array is copied into a SharedArrayBuffer
   * (once; none if it already lives on one) and Arrow data crosses to threads as shared buffers, so tasks on
   * 'threads' read the same memory. On 'processes' each task receives a copy.
   */
  scatter<T>(value: T): Future<T> {
    this.assertOpen('scatter()');
    if (value === undefined) throw new TypeError('scatter(): the value is undefined');
    const placed = ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value.buffer instanceof SharedArrayBuffer) ? toShared(value) : value;
    const key = uniqueToken('scatter');
    const holder = new Scattered(placed);
    this.backend.submit(new Map([[key, task(key, 'futures.scattered', [holder])]]), [key]);
    const lease = new Lease(this.backend, [key], () => (holder.value = undefined));
    return new Future<T>(key, `scatter ${summarize(value)}`, lease, this.backend.get(key));
  }

  /** The values of `futures`, in order (other values pass through). */
  async gather(futures: Iterable<unknown>, options: GatherOptions = {}): Promise<unknown[]> {
    assertKnownOptions('gather()', options, ['errors']);
    const { errors = 'raise' } = options;
    if (errors !== 'raise' && errors !== 'skip') throw new TypeError(`gather(): errors must be 'raise' or 'skip'; got ${summarize(errors)}`);
    const list = [...futures];
    const promises = list.map((f) => (isFutureObject(f) ? f.result() : Promise.resolve(f)));
    if (errors === 'raise') return Promise.all(promises);
    const settled = await Promise.allSettled(promises);
    return settled.filter((s): s is PromiseFulfilledResult<unknown> => s.status === 'fulfilled').map((s) => s.value);
  }

  /** The futures in the order they settle (finished, failed or cancelled). */
  async *asCompleted<F extends Future>(futures: Iterable<F>): AsyncGenerator<F> {
    const list = [...futures];
    const ready: F[] = [];
    let wake: (() => void) | null = null;
    for (const f of list) {
      void f.settled().then(() => {
        ready.push(f);
        const w = wake;
        wake = null;
        w?.();
      });
    }
    for (let n = 0; n < list.length; n++) {
      while (ready.length === 0) await new Promise<void>((r) => (wake = r));
      yield ready.shift()!;
    }
  }

  /** Wait until all (or the first) of `futures` settled, or `timeout` ms passed. */
  async wait<F extends Future>(futures: Iterable<F>, options: WaitOptions = {}): Promise<{ done: F[]; notDone: F[] }> {
    assertKnownOptions('wait()', options, ['timeout', 'returnWhen']);
    const { timeout, returnWhen = 'all' } = options;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) throw new TypeError(`wait(): timeout must be a number of milliseconds >= 0; got ${summarize(timeout)}`);
    if (returnWhen !== 'all' && returnWhen !== 'first') throw new TypeError(`wait(): returnWhen must be 'all' or 'first'; got ${summarize(returnWhen)}`);
    const list = [...futures];
    const settled = list.map((f) => f.settled());
    const target = list.length === 0 ? Promise.resolve() : returnWhen === 'all' ? Promise.all(settled) : Promise.race(settled);
    let timer: NodeJS.Timeout | undefined;
    const limit = timeout === undefined ? null : new Promise<void>((r) => (timer = setTimeout(r, timeout)));
    try {
      await (limit ? Promise.race([target, limit]) : target);
    } finally {
      clearTimeout(timer);
    }
    return { done: list.filter((f) => f.done), notDone: list.filter((f) => !f.done) };
  }

  /** Cancel pending futures: each rejects with a CancelledError now (see Future.cancel). */
  cancel(futures: Future | Iterable<Future>): void {
    const list = isFutureObject(futures) ? [futures] : [...futures];
    for (const f of list) f.cancel();
  }

  /**
   * Cancel every pending future (they reject with a ClientClosedError), stop their tasks, refuse new work.
   * A task's own client (getClient()) cancels only the work that task submitted.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.backend.close(new ClientClosedError('close()'));
  }

  /** The task that opened this client (getClient()) ended: what it still holds is let go. */
  taskEnded(): void {
    this.closed = true;
    (this.backend as { taskEnded?: () => void }).taskEnded?.();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(where: string): void {
    if (this.closed) throw new ClientClosedError(`client.${where}`);
  }

  /** Lower some Delayeds into one graph, add it to the session and hand out a Future per Delayed. */
  private run(ds: readonly Delayed[]): Future[] {
    // Calls over plain data (the usual map) lower directly; any collection argument takes the full preparation.
    const builder = new GraphBuilder(this.config.splitEvery, this.config.scheduler);
    const direct = lowerPlainDelayeds(ds, builder);
    let keys: Key[];
    let graph: Graph;
    if (direct) {
      keys = direct;
      graph = builder.graph;
    } else {
      const prepared = strictly(() => prepare(ds.map((d) => outputOf(d)), this.config));
      keys = prepared.outputKeys.map((ks) => ks[0]!);
      graph = prepared.graph;
    }
    this.backend.submit(graph, keys);
    return ds.map((d, i) => {
      const key = keys[i]!;
      return new Future(key, d.name, new Lease(this.backend, [key]), this.backend.get(key));
    });
  }
}

function toShared<T extends ArrayBufferView>(view: T): T {
  const sab = new SharedArrayBuffer(view.byteLength);
  new Uint8Array(sab).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const Ctor = view.constructor as new (b: SharedArrayBuffer) => T;
  return new Ctor(sab);
}
