// The scheduler's side of nested tasks (a task that submits tasks, futures/get-client.ts): which run a task
// belongs to (a number that crosses to workers), the Session behind each run, and where the messages a
// worker sends about nested work go. The futures module installs the handler; the scheduler knows no client.

import type { RunContext } from './cancel.ts';
import type { Session } from './session.ts';
import type { WireMode } from './transport.ts';

const ids = new WeakMap<RunContext, number>();
const byId = new Map<number, WeakRef<RunContext>>();
const sessions = new WeakMap<RunContext, Session>();
const forget = new FinalizationRegistry<number>((id) => byId.delete(id));
let nextId = 1;

/** Record that tasks run with `ctx` belong to `session` (the Session does this for its own contexts). */
export function registerRun(ctx: RunContext, session: Session): void {
  sessions.set(ctx, session);
}

/** The number a worker uses to name `ctx` in its nested requests. */
export function runIdOf(ctx: RunContext): number {
  let id = ids.get(ctx);
  if (id === undefined) {
    id = nextId++;
    ids.set(ctx, id);
    byId.set(id, new WeakRef(ctx));
    forget.register(ctx, id);
  }
  return id;
}

export function runById(id: number): RunContext | undefined {
  return byId.get(id)?.deref();
}

export function sessionOf(ctx: RunContext): Session | undefined {
  return sessions.get(ctx);
}

// The run of the task being started right now in this thread: a RunContext on the thread that owns the
// Session (sync and inline tasks), the run's number inside a worker. Read synchronously when a user
// function is called (delayed ops capture it for the whole call, async continuations included).
let current: RunContext | number | null = null;

export function setCurrentRun(run: RunContext | number | null): void {
  current = run;
}

export function currentRun(): RunContext | number | null {
  return current;
}

/** A message from a worker about nested work, and how to answer that worker. */
export type NestedHandler = (msg: NestedMessage, reply: (msg: unknown) => void, mode: WireMode) => void;

export interface NestedMessage {
  readonly tessera: 'nested';
  readonly run: number;
  readonly [field: string]: unknown;
}

let handler: NestedHandler | null = null;

export function setNestedHandler(h: NestedHandler): void {
  handler = h;
}

export function isNestedMessage(msg: unknown): msg is NestedMessage {
  return typeof msg === 'object' && msg !== null && (msg as { tessera?: unknown }).tessera === 'nested';
}

/** Called by the pools with each nested message a worker sent. */
export function handleNested(msg: NestedMessage, reply: (msg: unknown) => void, mode: WireMode): void {
  if (!handler) {
    reply({ tessera: 'nested-reply', seq: msg.seq, ok: false, error: { name: 'Error', message: 'nested tasks need the futures module loaded in the main thread' } });
    return;
  }
  handler(msg, reply, mode);
}
