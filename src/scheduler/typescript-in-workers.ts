// TypeScript user modules inside worker threads. A caller run by tsx (`node --import tsx`, or the `tsx`
// CLI) would pass its loader flags to worker threads, but on Node 20 the ESM hooks those flags register do
// not reach worker threads, so import() of a `.ts` file fails there anyway. Pools therefore start their
// threads, and the worker processes that run the one-file bundle, without tsx's flags (loading tsx cost
// each thread ~0.15 s CPU for nothing, and a process ran every module of the bundle through tsx's hooks),
// and tell them that the caller runs tsx. A worker of such a caller registers tsx itself, once, before its
// first `.ts` import; a caller without tsx gets the error udf() explains.

import { isMainThread, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

export const TS_EXTENSION = /\.(c|m)?tsx?$/;

// Set by whoever registered tsx in this thread (also src/scheduler/worker/*-shim.mjs in a source checkout).
const REGISTERED = Symbol.for('tessera.tsx-registered');

/** A flag value that loads tsx: `tsx`, `tsx/esm`, `file:///.../node_modules/tsx/dist/loader.mjs`, ... */
export const TSX_FLAG_VALUE = /(^|[\\/=])tsx([\\/]|$)/;

/**
 * How a pool tells its workers that the caller runs tsx, now that workers start without tsx's flags
 * (executors/worker-file.ts workerExecArgv), so a worker's own flags no longer say it: a workerData key
 * for a worker thread, an environment variable for a worker process.
 */
export const CALLER_RUNS_TSX = 'tessera.callerRunsTsx';
export const CALLER_RUNS_TSX_ENV = 'TESSERA_CALLER_RUNS_TSX';

/** Did the caller start this process with tsx's loader? (A worker learns it from its pool.) */
export function callerRunsTsx(): boolean {
  if (process.execArgv.some((a) => TSX_FLAG_VALUE.test(a))) return true;
  if (!isMainThread) return (workerData as Record<string, unknown> | null)?.[CALLER_RUNS_TSX] === true;
  return process.env[CALLER_RUNS_TSX_ENV] === '1';
}

/** Does this thread compile `.ts` already? tsx's flags register its hooks for a process's main thread only (Node 20). */
function tsxHooksHere(): boolean {
  return isMainThread && process.execArgv.some((a) => TSX_FLAG_VALUE.test(a));
}

/** Before importing `url`: in a worker (thread, or process started without tsx's flags) of a tsx caller, make `.ts` importable. */
export async function prepareTypeScriptImport(url: string): Promise<void> {
  const g = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (g[REGISTERED] || tsxHooksHere() || !url.startsWith('file:') || !TS_EXTENSION.test(new URL(url).pathname) || !callerRunsTsx()) return;
  // The caller's own tsx: next to the user's module, else in the working directory's project.
  let api: string | null = null;
  for (const from of [url, pathToFileURL(join(process.cwd(), 'noop.js')).href]) {
    try {
      api = createRequire(from).resolve('tsx/esm/api');
      break;
    } catch {
      // try the next place
    }
  }
  if (!api) return; // the import then fails with the explanation of worker-guard.ts
  // require() finds the CommonJS build; its ESM twin beside it is the one that works under import().
  const esm = api.replace(/\.cjs$/, '.mjs');
  const { register } = (await import(pathToFileURL(existsSync(esm) ? esm : api).href)) as { register: () => unknown };
  register();
  g[REGISTERED] = true;
}
