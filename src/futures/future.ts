// A Future: the eager handle of work submitted to a client. It holds its keys in the client's Session (so
// their values stay) until it is released, cancelled or garbage-collected; it can be an argument of other
// work (lowering turns it into a reference to its key, so its value never returns to the caller in between).

import type { Key } from '../scheduler/graph.ts';
import { CancelledError } from '../scheduler/session.ts';
import { registerErrorClass } from '../scheduler/remote-errors.ts';
import { FUTURE } from '../collections/delayed/delayed.ts';

export type FutureStatus = 'pending' | 'finished' | 'error' | 'cancelled';

/** The client was closed: its pending futures are cancelled with this, and new work is refused. */
export class ClientClosedError extends Error {
  constructor(what = 'the client') {
    super(`${what}: the client was closed (client.close()); create a new one with createClient()`);
    this.name = 'ClientClosedError';
  }
}

// A nested client's futures reject in the worker with these classes, and a task's error comes back as one.
registerErrorClass(ClientClosedError);
registerErrorClass(CancelledError);

/** What a Future needs from its client: let go of a key, hear of a cancel, and (nested) of a task waiting. */
export interface FutureOwner {
  release(key: Key): void;
  /** The future was cancelled: stop the work it stands for (and the nested work that work submitted). */
  cancelled?(key: Key, reason: CancelledError): void;
  /** A task starts waiting for this future (a nested client secedes); call the result when the wait is over. */
  waitStarted?(): () => void;
}

/** What a Future holds in the session; released once (by release(), cancel(), or when the Future is collected). */
export class Lease {
  private released = false;
  constructor(
    readonly owner: FutureOwner,
    readonly keys: readonly Key[],
    private readonly onRelease?: () => void,
  ) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const k of this.keys) this.owner.release(k);
    this.onRelease?.();
  }
}

// A forgotten Future must not pin its value for the life of the client.
const collected = new FinalizationRegistry<Lease>((lease) => lease.release());

export class Future<T = unknown> {
  readonly [FUTURE] = true as const;
  private state: FutureStatus = 'pending';
  private readonly promise: Promise<T>;
  private rejectNow!: (e: unknown) => void;
  private watched = false;

  constructor(
    /** The key of the task whose value this is (the first key, for a collection's compute). */
    readonly key: Key,
    /** The function's or collection's name, for messages. */
    readonly name: string,
    private readonly lease: Lease,
    values: Promise<unknown>,
  ) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.rejectNow = reject;
      values.then(
        (v) => {
          if (this.state !== 'pending') return;
          this.state = 'finished';
          resolve(v as T);
        },
        (e) => {
          if (this.state !== 'pending') return;
          this.state = e instanceof ClientClosedError ? 'cancelled' : 'error';
          reject(e);
        },
      );
    });
    // The caller may never ask for a failed future's result: that is not an unhandled rejection.
    this.promise.catch(() => {});
    collected.register(this, lease, lease);
  }

  get status(): FutureStatus {
    return this.state;
  }

  /** True once finished, failed or cancelled. */
  get done(): boolean {
    return this.state !== 'pending';
  }

  /** The value; rejects with the task's TaskError, or a CancelledError / ClientClosedError. */
  result(): Promise<T> {
    this.watch();
    return this.promise;
  }

  /** Resolves (never rejects) once the future has settled. */
  settled(): Promise<this> {
    this.watch();
    return this.promise.then(
      () => this,
      () => this,
    );
  }

  /**
   * Stop waiting: a pending future rejects with a CancelledError at once and its hold is released. Its task
   * still runs if it had started or other work reads it; its value is then dropped.
   */
  cancel(reason = `future '${this.key}' (${this.name}) was cancelled`): void {
    if (this.state !== 'pending') return;
    this.state = 'cancelled';
    const error = new CancelledError(reason);
    this.rejectNow(error);
    this.lease.owner.cancelled?.(this.key, error);
    this.release();
  }

  /** Inside a task, waiting for a pending future lets the pool run another task meanwhile (secede). */
  private watch(): void {
    if (this.watched || this.state !== 'pending' || !this.lease.owner.waitStarted) return;
    this.watched = true;
    const end = this.lease.owner.waitStarted();
    this.promise.then(end, end);
  }

  /** Let the client drop this value once no pending task reads it (as dropping the last reference does). */
  release(): void {
    collected.unregister(this.lease);
    this.lease.release();
  }

  /** How the future appears in error summaries of other calls. */
  describeArgument(): string {
    return `Future ${this.name}`;
  }
}

export function isFutureObject(x: unknown): x is Future {
  return x instanceof Future;
}
