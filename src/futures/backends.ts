// What a Client runs on: the backend seam. A client only submits graphs, holds and releases keys, and is
// told of cancels and waits; where the tasks run is the backend's business. SessionBackend owns a scheduler
// Session (createClient); HostBackend is a task's nested client on the thread that owns the Session (sync);
// the worker side of nested clients (RemoteBackend) lives in worker-link.ts.

import type { Graph, Key } from '../scheduler/graph.ts';
import type { SchedulerName } from '../config.ts';
import type { CancelledError, Session } from '../scheduler/session.ts';
import type { FutureOwner } from './future.ts';
import { type NestedHost, hostOf } from './nested-host.ts';

export interface ClientBackend extends FutureOwner {
  /** How the client's functions must travel (lowering checks closures against it). */
  readonly scheduler: SchedulerName;
  /** True for a task's nested client: a client.compute() of a collection finishes in the task (see Client.compute). */
  readonly nested: boolean;
  /** Add tasks; `roots` are the keys the client will ask for. */
  submit(graph: Graph, roots: readonly Key[]): void;
  /** Hold `key` (it runs if it has not) and resolve to its value. */
  get(key: Key): Promise<unknown>;
  /** The client is closed: pending work rejects with `reason`. */
  close(reason: Error): void;
}

/** A client of its own: one long-lived scheduler Session (the client's tasks and nobody else's). */
export class SessionBackend implements ClientBackend {
  readonly nested = false;
  constructor(
    readonly session: Session,
    readonly scheduler: SchedulerName,
  ) {}
  submit(graph: Graph, roots: readonly Key[]): void {
    this.session.submit(graph, roots);
  }
  get(key: Key): Promise<unknown> {
    return this.session.get(key);
  }
  release(key: Key): void {
    this.session.release(key);
  }
  /** A cancelled future's task may have opened a nested client: its work is cancelled with it. */
  cancelled(key: Key, reason: CancelledError): void {
    hostOf(this.session).cancel(key, reason);
  }
  close(reason: Error): void {
    this.session.cancel(reason);
  }
}

/**
 * Counts a task's waits: the first pending future it waits for makes it secede (the pool may run another
 * task meanwhile), the last one to settle makes it rejoin.
 */
export class Waits {
  private n = 0;
  constructor(
    private readonly secede: () => void,
    private readonly rejoin: () => void,
  ) {}
  start(): () => void {
    if (this.n++ === 0) this.secede();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.n === 0) this.rejoin();
    };
  }
}

/** A task's nested client where the task runs on the Session's own thread (the sync scheduler). */
export class HostBackend implements ClientBackend {
  readonly nested = true;
  private readonly waits: Waits;
  constructor(
    private readonly host: NestedHost,
    private readonly owner: Key,
    readonly scheduler: SchedulerName,
  ) {
    this.waits = new Waits(() => host.secede(owner), () => host.rejoin(owner));
  }
  submit(graph: Graph, roots: readonly Key[]): void {
    this.host.submit(this.owner, graph, roots);
  }
  get(key: Key): Promise<unknown> {
    return this.host.get(this.owner, key);
  }
  release(key: Key): void {
    this.host.release(this.owner, key);
  }
  cancelled(key: Key, reason: CancelledError): void {
    this.host.cancel(key, reason);
  }
  waitStarted(): () => void {
    return this.waits.start();
  }
  close(reason: Error): void {
    this.host.cancel(this.owner, reason);
  }
  taskEnded(): void {
    this.host.done(this.owner);
  }
}
