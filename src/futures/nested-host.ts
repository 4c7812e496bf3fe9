// The main thread's side of nested clients (getClient() inside a task): one host per Session records, for
// each task that submitted work (its "owner"), the keys it submitted and holds, how often it is waiting
// (secede), and a run context of its own, so cancelling that task fails its pending work and stops its
// running work, level after level. Workers reach the host through messages (handleNestedMessage).

import type { Graph, Key, Task } from '../scheduler/graph.ts';
import type { RunContext } from '../scheduler/cancel.ts';
import { CancelledError, type Session } from '../scheduler/session.ts';
import { type NestedMessage, registerRun, runById, sessionOf, setNestedHandler } from '../scheduler/nested.ts';
import { fromWire, toWire, type WireMode } from '../scheduler/transport.ts';
import { deserializeError, serializeError, type SerializedError } from '../scheduler/remote-errors.ts';

interface Owner {
  /** Keys of every task this owner submitted (cancelled with it when still pending or running). */
  readonly keys: Set<Key>;
  /** Holds taken on its behalf, by key (a key held twice is released twice). */
  readonly holds: Map<Key, number>;
  /** Its tasks run with this context: aborting it stops their batches on the workers. */
  readonly ctx: RunContext;
  readonly controller: AbortController;
  seceded: number;
}

const hosts = new WeakMap<Session, NestedHost>();

export function hostOf(session: Session): NestedHost {
  let h = hosts.get(session);
  if (!h) hosts.set(session, (h = new NestedHost(session)));
  return h;
}

export class NestedHost {
  private readonly owners = new Map<Key, Owner>();

  constructor(readonly session: Session) {}

  private owner(key: Key): Owner {
    let o = this.owners.get(key);
    if (!o) {
      const parent = this.session.context;
      const controller = new AbortController();
      const onAbort = (): void => controller.abort(parent.signal.reason);
      if (parent.signal.aborted) onAbort();
      else parent.signal.addEventListener('abort', onAbort, { once: true });
      const ctx: RunContext = { signal: controller.signal, taskTimeoutMs: parent.taskTimeoutMs };
      registerRun(ctx, this.session);
      o = { keys: new Set(), holds: new Map(), ctx, controller, seceded: 0 };
      this.owners.set(key, o);
    }
    return o;
  }

  /** Add `graph` as work of task `owner`; `roots` are the keys it will ask for. */
  submit(owner: Key, graph: Graph, roots: readonly Key[]): void {
    const o = this.owner(owner);
    this.session.submit(graph, roots, o.ctx);
    for (const k of graph.keys()) o.keys.add(k);
  }

  /** Hold `key` for `owner` and resolve to its value. */
  get(owner: Key, key: Key): Promise<unknown> {
    const o = this.owner(owner);
    const value = this.session.get(key); // throws for a key the session never saw: nothing held then
    o.holds.set(key, (o.holds.get(key) ?? 0) + 1);
    return value;
  }

  release(owner: Key, key: Key): void {
    const o = this.owners.get(owner);
    const n = o?.holds.get(key);
    if (!o || !n) return;
    if (n === 1) o.holds.delete(key);
    else o.holds.set(key, n - 1);
    this.session.release(key);
  }

  secede(owner: Key): void {
    this.owner(owner).seceded += 1;
    this.session.secede();
  }

  rejoin(owner: Key): void {
    const o = this.owners.get(owner);
    if (!o || o.seceded === 0) return; // already undone by a cancel
    o.seceded -= 1;
    this.session.rejoin();
  }

  /** The task `owner` ended: give back what its client still holds and any wait it did not end. */
  done(owner: Key): void {
    const o = this.owners.get(owner);
    if (!o) return;
    this.owners.delete(owner);
    this.letGo(o);
  }

  /**
   * Cancel task `owner`'s nested work: its pending and running tasks fail with `reason` (so the owner's
   * waits reject at once), their workers are stopped, and the same happens to the work they submitted.
   */
  cancel(owner: Key, reason: unknown): void {
    const o = this.owners.get(owner);
    if (!o) return;
    this.owners.delete(owner);
    this.session.cancelKeys(o.keys, reason);
    for (const k of o.keys) if (k !== owner) this.cancel(k, reason);
    o.controller.abort(reason);
    this.letGo(o);
  }

  private letGo(o: Owner): void {
    for (; o.seceded > 0; o.seceded--) this.session.rejoin();
    for (const [k, n] of o.holds) for (let i = 0; i < n; i++) this.session.release(k);
    o.holds.clear();
  }
}

/** A nested request from a worker: the owner task's key, and what it asks. */
interface Request extends NestedMessage {
  readonly owner: Key;
  readonly op: 'submit' | 'release' | 'secede' | 'rejoin' | 'cancel' | 'done';
  /** submit: the tasks, args encoded for the wire. */
  readonly tasks?: readonly Task[];
  readonly roots?: readonly Key[];
  /** submit: keys to hold and answer, each with the sequence number the worker waits on. */
  readonly gets?: ReadonlyArray<{ readonly seq: number; readonly key: Key }>;
  /** release / cancel */
  readonly key?: Key;
  readonly reason?: SerializedError;
}

export interface NestedReply {
  readonly tessera: 'nested-reply';
  readonly seq: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: SerializedError;
}

setNestedHandler((msg, reply, mode) => {
  const m = msg as Request;
  const ctx = runById(m.run);
  const session = ctx && sessionOf(ctx);
  const fail = (error: unknown): void => {
    for (const g of m.gets ?? []) reply({ tessera: 'nested-reply', seq: g.seq, ok: false, error: serializeError(error) } satisfies NestedReply);
  };
  if (!session) return fail(new Error('a nested client asked for work after its run had ended (the compute or client that ran its task is closed)'));
  const host = hostOf(session);
  switch (m.op) {
    case 'submit': {
      try {
        const graph: Graph = new Map();
        for (const t of m.tasks ?? []) graph.set(t.key, { ...t, args: fromWire(t.args) as unknown[] });
        host.submit(m.owner, graph, m.roots ?? []);
      } catch (e) {
        return fail(e);
      }
      for (const g of m.gets ?? []) {
        let value: Promise<unknown>;
        try {
          value = host.get(m.owner, g.key);
        } catch (e) {
          value = Promise.reject(e);
        }
        answer(value, g.seq, reply, mode);
      }
      return;
    }
    case 'release':
      return host.release(m.owner, m.key!);
    case 'secede':
      return host.secede(m.owner);
    case 'rejoin':
      return host.rejoin(m.owner);
    case 'cancel':
      return host.cancel(m.key!, m.reason ? deserializeError(m.reason) : new CancelledError(`future '${m.key}' was cancelled`));
    case 'done':
      return host.done(m.owner);
  }
});

function answer(value: Promise<unknown>, seq: number, reply: (msg: unknown) => void, mode: WireMode): void {
  value.then(
    (v) => {
      let msg: NestedReply;
      try {
        msg = { tessera: 'nested-reply', seq, ok: true, value: toWire(v, mode) };
        reply(msg);
      } catch (e) {
        reply({ tessera: 'nested-reply', seq, ok: false, error: serializeError(new TypeError(`a nested task's result cannot be sent to the task that waits for it: ${(e as Error).message}`)) } satisfies NestedReply);
      }
    },
    (e) => reply({ tessera: 'nested-reply', seq, ok: false, error: serializeError(e) } satisfies NestedReply),
  );
}
