// TypeScript user modules inside worker threads. A caller run by tsx (`node --import tsx`, or the `tsx`
// CLI) passes its loader flags to workers, but on Node 20 the ESM hooks those flags register do not
// reach worker threads, so import() of a `.ts` file fails there. A worker of such a caller registers
// tsx itself, once, before its first `.ts` import; a caller without tsx gets the error udf() explains.

import { isMainThread } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

export const TS_EXTENSION = /\.(c|m)?tsx?$/;

// Set by whoever registered tsx in this thread (also src/scheduler/worker/*-shim.mjs in a source checkout).
const REGISTERED = Symbol.for('tessera.tsx-registered');

/** Set in the environment of worker threads started without the caller's tsx flags (see withoutTsx). */
export const CALLER_TSX_ENV = 'TESSERA_CALLER_TSX';

const TSX_ARG = /(^|[\\/=])tsx([\\/]|$)/;

/** Did the caller start this process with tsx's loader? (A worker thread inherits its flags, or CALLER_TSX_ENV.) */
export function callerRunsTsx(): boolean {
  return process.execArgv.some((a) => TSX_ARG.test(a)) || process.env[CALLER_TSX_ENV] === '1';
}

const VALUE_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/**
 * `execArgv` without the flags that load tsx. Worker threads running the one-file bundle start without
 * them: under tsx's require hook piscina would load the bundle as CommonJS, with a CommonJS apache-arrow
 * beside the ESM one user modules get (two copies: instanceof and schema encoding break between them).
 * tsx is registered later, only when a `.ts` user module is imported (prepareTypeScriptImport).
 */
export function withoutTsx(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : execArgv[i + 1];
      if (eq < 0) i++;
      if (value !== undefined && !TSX_ARG.test(value)) out.push(name, value);
      continue;
    }
    out.push(a);
  }
  return out;
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
