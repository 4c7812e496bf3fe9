// TypeScript user modules inside worker threads. A caller run by tsx (`node --import tsx`, or the `tsx`
// CLI) would pass its loader flags to worker threads, but on Node 20 the ESM hooks those flags register do
// not reach worker threads, so import() of a `.ts` file fails there anyway; thread pools therefore start
// their threads without tsx's flags (loading tsx in each thread cost ~0.15 s CPU for nothing) and tell them
// in workerData that the caller runs tsx. A worker of such a caller registers tsx itself, once, before its
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
 * The workerData key by which a thread pool tells its threads that the caller runs tsx: pools start
 * threads without tsx's flags (executors/worker-file.ts threadExecArgv), so a thread's own flags no
 * longer say it.
 */
export const CALLER_RUNS_TSX = 'tessera.callerRunsTsx';

/** Did the caller start this process with tsx's loader? (A worker thread learns it from its flags or workerData.) */
export function callerRunsTsx(): boolean {
  if (process.execArgv.some((a) => TSX_FLAG_VALUE.test(a))) return true;
  return !isMainThread && (workerData as Record<string, unknown> | null)?.[CALLER_RUNS_TSX] === true;
}

/** Before importing `url`: in a worker thread of a tsx caller, make `.ts` importable. */
export async function prepareTypeScriptImport(url: string): Promise<void> {
  const g = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (isMainThread || g[REGISTERED] || !url.startsWith('file:') || !TS_EXTENSION.test(new URL(url).pathname) || !callerRunsTsx()) return;
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
