// Operations by id. Tasks name an op instead of holding a function, which keeps graphs serialisable;
// every process or worker that runs tasks imports the same registrations (src/ops.ts).

export type OpFunction = (...args: any[]) => unknown;

export interface OpInfo {
  readonly id: string;
  readonly fn: OpFunction;
  /**
   * Tiny ops that only index into values the scheduler already holds (picking one result out of a list),
   * or do less work than a round trip to a worker costs (merging small partial reductions): the scheduler
   * core runs them in place instead of shipping them to a worker and back.
   */
  readonly inline: boolean;
}

interface Registered extends OpInfo {
  /** The copy of this module that registered it. */
  readonly copy: symbol;
}

// One table per thread, on globalThis: a worker started from the one-file bundle of the sources
// (executors/worker-bundle.ts) holds a second copy of this module whenever a user module imports tessera's
// sources, and both copies must see every op.
const COPY = Symbol('tessera registry copy');
const g = globalThis as unknown as Record<symbol, Map<string, Registered> | undefined>;
const ops: Map<string, Registered> = (g[Symbol.for('tessera.ops')] ??= new Map());

export function registerOp(id: string, fn: OpFunction, options: { inline?: boolean } = {}): void {
  const existing = ops.get(id);
  if (existing && existing.fn !== fn) {
    // The same registration made by another copy of the same sources (same function name and arity): keep the first.
    if (existing.copy !== COPY && existing.fn.name === fn.name && existing.fn.length === fn.length) return;
    throw new Error(`op '${id}' is already registered with a different function; op ids must be unique`);
  }
  ops.set(id, { id, fn, inline: options.inline === true, copy: COPY });
}

export function isInlineOp(id: string): boolean {
  return ops.get(id)?.inline === true;
}

export function getOp(id: string): OpFunction {
  const info = ops.get(id);
  if (!info) {
    throw new Error(`unknown op '${id}': it was not registered in this process (is src/ops.ts imported?)`);
  }
  return info.fn;
}

export function hasOp(id: string): boolean {
  return ops.has(id);
}
