// Errors that cross a thread or process boundary. Structured clone keeps only built-in error types, so a
// task's error is sent as plain data (class name, message, stack, own fields) and rebuilt on the caller's
// side as an instance of the same class when that class is registered, so `instanceof` and fields survive.

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Constructor name, used to find a registered class. */
  readonly cls?: string;
  /** Own enumerable fields that survived a structured clone (e.g. location, column, value). */
  readonly fields?: Record<string, unknown>;
}

type ErrorClass = abstract new (...args: never[]) => Error;
const classes = new Map<string, ErrorClass>();

/**
 * Let errors of class `cls` thrown inside workers arrive as instances of `cls` (with their fields).
 * Register at module top level of a module every worker imports (src/ops.ts or a workerModules entry).
 */
export function registerErrorClass(cls: ErrorClass): void {
  classes.set(cls.name, cls);
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const fields: Record<string, unknown> = {};
  for (const k of Object.keys(err)) {
    if (k === 'name' || k === 'message' || k === 'stack') continue;
    try {
      fields[k] = structuredClone((err as unknown as Record<string, unknown>)[k]);
    } catch {
      // an unclonable field (a function, a socket) is dropped; message and stack still say what happened
    }
  }
  return { name: err.name, message: err.message, stack: err.stack, cls: err.constructor?.name, fields };
}

/** An Error with the worker's name, message, stack and fields; of the original class if it is registered. */
export function deserializeError(e: SerializedError): Error {
  const cls = e.cls ? classes.get(e.cls) : undefined;
  const err: Error = cls ? Object.create(cls.prototype) : new Error(e.message);
  Object.defineProperty(err, 'message', { value: e.message, writable: true, configurable: true });
  Object.assign(err, e.fields ?? {});
  if (err.name !== e.name) Object.defineProperty(err, 'name', { value: e.name, writable: true, configurable: true });
  if (e.stack) Object.defineProperty(err, 'stack', { value: e.stack, writable: true, configurable: true });
  return err;
}
