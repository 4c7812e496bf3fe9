// The worker side of a nested client (getClient() inside a task on 'threads' or 'processes'): the task's
// submissions, holds, waits and cancels go as messages to the Session in the main thread (nested-host.ts),
// over a port this thread opens once (threads) or the process's IPC channel; values come back the same way.

import { MessageChannel, type MessagePort, isMainThread, parentPort } from 'node:worker_threads';
import type { Graph, Key, Task } from '../scheduler/graph.ts';
import type { SchedulerName } from '../config.ts';
import type { CancelledError } from '../scheduler/session.ts';
import { fromWire, toWire, type WireMode } from '../scheduler/transport.ts';
import { deserializeError, serializeError } from '../scheduler/remote-errors.ts';
import type { ClientBackend } from './backends.ts';
import { Waits } from './backends.ts';
import type { NestedReply } from './nested-host.ts';

interface Link {
  readonly post: (msg: object) => void;
  readonly mode: WireMode;
  readonly scheduler: SchedulerName;
}

const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
let nextSeq = 1;
let link: Link | null = null;
let port: MessagePort | null = null;

function onReply(m: NestedReply): void {
  const p = pending.get(m.seq);
  if (!p) return; // the task ended (or let go of the value) before the answer came
  pending.delete(m.seq);
  if (pending.size === 0) port?.unref();
  if (m.ok) {
    try {
      p.resolve(fromWire(m.value));
    } catch (e) {
      p.reject(e);
    }
  } else p.reject(deserializeError(m.error!));
}

function connect(): Link {
  if (link) return link;
  if (!isMainThread && parentPort) {
    // piscina hands messages a worker posts on parentPort to the pool's 'message' listeners (threads.ts).
    const channel = new MessageChannel();
    parentPort.postMessage({ tessera: 'nested-port', port: channel.port2 }, [channel.port2]);
    port = channel.port1;
    port.on('message', (m: NestedReply) => m?.tessera === 'nested-reply' && onReply(m));
    port.unref(); // ref'd only while an answer is awaited
    const p = port;
    link = { post: (msg) => p.postMessage(msg), mode: 'shared', scheduler: 'threads' };
  } else if (typeof process.send === 'function') {
    process.on('message', (m: NestedReply) => m?.tessera === 'nested-reply' && onReply(m));
    link = { post: (msg) => void process.send!(msg), mode: 'ipc', scheduler: 'processes' };
  } else {
    throw new Error('getClient(): this task runs in a thread or process with no channel to the main thread; run it with a client or compute()');
  }
  return link;
}

/** A nested client's backend inside a worker: task `owner` of run `run` (scheduler/nested.ts). */
export class RemoteBackend implements ClientBackend {
  readonly nested = true;
  readonly scheduler: SchedulerName;
  private readonly link: Link;
  private readonly waits: Waits;
  /** Keys this client submitted: the only Futures its tasks may take as arguments. */
  private readonly known = new Set<Key>();
  /** Submissions and gets of one synchronous stretch go as one message. */
  private outbox: { tasks: Task[]; roots: Key[]; gets: Array<{ seq: number; key: Key }> } | null = null;

  constructor(
    private readonly run: number,
    private readonly owner: Key,
  ) {
    this.link = connect();
    this.scheduler = this.link.scheduler;
    this.waits = new Waits(() => this.send('secede'), () => this.send('rejoin'));
  }

  private send(op: string, extra: object = {}): void {
    this.flush();
    this.link.post({ tessera: 'nested', run: this.run, owner: this.owner, op, ...extra });
  }

  private box(): NonNullable<RemoteBackend['outbox']> {
    if (!this.outbox) {
      this.outbox = { tasks: [], roots: [], gets: [] };
      queueMicrotask(() => this.flush());
    }
    return this.outbox;
  }

  private flush(): void {
    const b = this.outbox;
    if (!b) return;
    this.outbox = null;
    this.link.post({ tessera: 'nested', run: this.run, owner: this.owner, op: 'submit', ...b });
  }

  submit(graph: Graph, roots: readonly Key[]): void {
    const tasks: Task[] = [];
    for (const t of graph.values()) {
      if (t.op === 'delayed.future') {
        // A Future of this client: the main thread's session already has its key.
        if (!this.known.has(t.key)) {
          throw new TypeError(
            `a Future made outside this task's client (key '${t.key}') cannot be an argument of its work; inside a ` +
              'task, pass values, or futures from getClient().submit/map',
          );
        }
        continue;
      }
      if (t.args.some(hasFunction)) {
        throw new TypeError(
          `inside a task, getClient() cannot send ${t.op === 'delayed.finish-collection' ? 'a collection argument' : `a function in the arguments of '${t.op}'`} ` +
            'to the main thread: compute the collection with getClient().compute(collection) and pass its result value',
        );
      }
      tasks.push({ ...t, args: toWire(t.args, this.link.mode) as unknown[] });
    }
    const b = this.box();
    b.tasks.push(...tasks);
    b.roots.push(...roots);
    for (const t of tasks) this.known.add(t.key);
  }

  get(key: Key): Promise<unknown> {
    const seq = nextSeq++;
    const value = new Promise<unknown>((resolve, reject) => pending.set(seq, { resolve, reject }));
    if (pending.size === 1) port?.ref(); // keep this thread alive until the answer comes
    this.box().gets.push({ seq, key });
    return value;
  }

  release(key: Key): void {
    this.send('release', { key });
  }

  cancelled(key: Key, reason: CancelledError): void {
    this.send('cancel', { key, reason: serializeError(reason) });
  }

  waitStarted(): () => void {
    return this.waits.start();
  }

  close(reason: Error): void {
    this.send('cancel', { key: this.owner, reason: serializeError(reason) });
  }

  taskEnded(): void {
    this.send('done');
  }
}

function hasFunction(x: unknown): boolean {
  if (typeof x === 'function') return true;
  if (Array.isArray(x)) return x.some(hasFunction);
  if (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype) return Object.values(x).some(hasFunction);
  return false;
}
