// A Future: the eager handle of work submitted to a client. It holds its keys in the client's Session (so
// their values stay) until it is released, cancelled or garbage-collected; it can be an argument of other
// work (lowering turns it into a reference to its key, so its value never returns to the caller in between).

import type { Key } from '../scheduler/graph.ts';
import { CancelledError, type Session } from '../scheduler/session.ts';
import { FUTURE } from '../collections/delayed/delayed.ts';

export type FutureStatus = 'pending' | 'finished' | 'error' | 'cancelled';

/** The client was closed: its pending futures are cancelled with this, and new work is refused. */
export class ClientClosedError extends Error {
  constructor(what = 'the client') {
    super(`${what}: the client was closed (client.close()); create a new one with createClient()`);
    this.name = 'ClientClosedError';
  }
}

/** What a Future holds in the session; released once (by release(), cancel(), or when the Future is collected). */
export class Lease {
  private released = false;
  constructor(
    private readonly session: Session,
    readonly keys: readonly Key[],
    private readonly onRelease?: () => void,
  ) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const k of this.keys) this.session.release(k);
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
    return this.promise;
  }

  /** Resolves (never rejects) once the future has settled. */
  settled(): Promise<this> {
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
    this.rejectNow(new CancelledError(reason));
    this.release();
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
