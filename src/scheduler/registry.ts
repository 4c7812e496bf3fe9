// Operations by id. Tasks name an op instead of holding a function, which keeps graphs serialisable;
// every process or worker that runs tasks imports the same registrations (src/ops.ts).

export type OpFunction = (...args: any[]) => unknown;

export interface OpInfo {
  readonly id: string;
  readonly fn: OpFunction;
  /**
   * Tiny ops that only index into values the scheduler already holds (picking one result out of a list):
   * the scheduler core runs them in place instead of shipping them to a worker and back.
   */
  readonly inline: boolean;
}

const ops = new Map<string, OpInfo>();

export function registerOp(id: string, fn: OpFunction, options: { inline?: boolean } = {}): void {
  const existing = ops.get(id);
  if (existing && existing.fn !== fn) {
    throw new Error(`op '${id}' is already registered with a different function; op ids must be unique`);
  }
  ops.set(id, { id, fn, inline: options.inline === true });
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
