// Warnings emitted by ops inside a worker (process.emitWarning, e.g. skipped CSV lines) would fire on the
// worker's own `process` and never reach the caller's 'warning' listeners. Workers capture them instead;
// the executor re-emits them in the caller, attached to the task that produced them.

import type { SerializedWarning } from './protocol.ts';

let captured: SerializedWarning[] = [];

/** Replace process.emitWarning in this worker with a recorder. Call once, at worker start. */
export function captureWarnings(): void {
  process.emitWarning = ((warning: string | Error, options?: unknown, code?: unknown) => {
    let type = 'Warning';
    let c: string | undefined;
    if (typeof options === 'string') {
      type = options;
      if (typeof code === 'string') c = code;
    } else if (options && typeof options === 'object') {
      const o = options as { type?: string; code?: string };
      type = o.type ?? type;
      c = o.code;
    }
    if (warning instanceof Error) {
      type = warning.name || type;
      c ??= (warning as { code?: string }).code;
    }
    const message = warning instanceof Error ? warning.message : String(warning);
    captured.push(c === undefined ? { message, type } : { message, type, code: c });
  }) as typeof process.emitWarning;
}

/** Warnings recorded since the last call (undefined when none, keeping results small). */
export function takeWarnings(): SerializedWarning[] | undefined {
  if (captured.length === 0) return undefined;
  const out = captured;
  captured = [];
  return out;
}
