// Locating a worker entry both from the TypeScript sources (run under tsx) and from the built package:
// built code sits next to `<name>.js`; a source checkout starts the one-file bundle of the current sources
// (worker-bundle.ts), or else loads `<name>.ts` through a `.mjs` shim that registers tsx, because worker
// threads and child processes do not inherit the parent's tsx loader.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workerBundle } from './worker-bundle.ts';
import { TSX_FLAG_VALUE } from '../typescript-in-workers.ts';

export interface WorkerFile {
  /** The file to start (a .js entry, a bundle of the sources, or the .mjs shim in front of a .ts entry). */
  readonly url: URL;
  readonly fromSources: boolean;
  /** True when `url` is a bundle built from the sources. */
  readonly bundled: boolean;
}

export function workerFile(name: string): WorkerFile {
  const js = new URL(`../worker/${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js, fromSources: false, bundled: false };
  const shim = new URL(`../worker/${name}-shim.mjs`, import.meta.url);
  if (existsSync(fileURLToPath(shim))) {
    const bundle = workerBundle(name);
    return bundle ? { url: bundle, fromSources: true, bundled: true } : { url: shim, fromSources: true, bundled: false };
  }
  throw new Error(`tessera worker entry not found: neither ${fileURLToPath(js)} nor ${fileURLToPath(shim)} exists`);
}

// Flags that decide how modules load: a worker process must resolve and compile exactly as its parent,
// so that a TypeScript user module works under tsx (`node --import tsx`, or the `tsx` CLI, which adds
// `--require` and `--import` of its own loader). Debugger and memory flags stay with the parent.
const LOADING_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
const LOADING_SWITCHES = /^--(experimental-[a-z-]+|no-experimental-[a-z-]+|enable-source-maps|no-warnings|disable-warning=.*|input-type=.*)$/;

/** The parent's module-loading flags (of `process.execArgv`), to start a worker process with. */
export function loaderExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (LOADING_FLAGS.has(name)) {
      if (eq > 0) out.push(a);
      else if (i + 1 < execArgv.length) out.push(a, execArgv[++i]!);
    } else if (LOADING_SWITCHES.test(a)) out.push(a);
  }
  return out;
}

// Flags a worker thread accepts and that act per thread (loading, diagnostics). Node refuses V8 and
// process-wide flags in a Worker's execArgv (--max-old-space-size, --expose-gc, --stack-size, --title, and the
// V8 or process-wide --trace-gc, --trace-opt, --trace-deopt, --trace-sigint, --trace-event-*: checked on Node 20);
// those act on the whole process, threads included, so leaving them out of the list loses nothing.
const THREAD_SWITCHES = /^--(inspect[a-z-]*|cpu-prof[a-z-]*|heap-prof[a-z-]*|heapsnapshot-[a-z-]+|trace-(?:warnings|deprecation|uncaught|exit|sync-io|tls|atomics-wait)|unhandled-rejections|no-deprecation|throw-deprecation|pending-deprecation|preserve-symlinks[a-z-]*)(=.*)?$/;

/**
 * The execArgv of a worker thread: none given (the thread inherits the parent's flags, as Node does by
 * default) unless the parent loads tsx; then the parent's loading and diagnostic flags less tsx's.
 */
export function threadExecArgv(execArgv: readonly string[] = process.execArgv): string[] | undefined {
  const kept = withoutTsx(execArgv);
  if (kept.length === execArgv.length) return undefined;
  const loading = new Set(loaderExecArgv(kept));
  // loaderExecArgv keeps each loading flag with its value; a thread switch keeps the value that follows it
  // when it takes one (`--cpu-prof-interval 200`): alone, Node refuses the thread.
  const out: string[] = [];
  for (let i = 0; i < kept.length; i++) {
    const a = kept[i]!;
    if (loading.has(a)) out.push(a);
    else if (THREAD_SWITCHES.test(a)) {
      out.push(a);
      if (THREAD_VALUE_FLAGS.has(a) && i + 1 < kept.length) out.push(kept[++i]!);
    }
  }
  return out;
}

/** Thread switches whose value may come as the next argument. */
const THREAD_VALUE_FLAGS = new Set([
  '--cpu-prof-dir', '--cpu-prof-name', '--cpu-prof-interval', '--heap-prof-dir', '--heap-prof-name', '--heap-prof-interval',
  '--heapsnapshot-signal', '--heapsnapshot-near-heap-limit', '--inspect-port', '--unhandled-rejections',
]);

/**
 * `execArgv` less the flags that load tsx: for a worker thread (the parent's flags), and for a worker
 * process that runs the bundle (loaderExecArgv). tsx's ESM hooks do not work in a worker thread on Node 20,
 * so loading tsx there only costs its start-up (~0.15 s CPU per thread); in a process they would run every
 * module of the bundle and of apache-arrow through tsx's hooks. Workers load tsx themselves when a `.ts`
 * module needs it (typescript-in-workers.ts; the -shim.mjs entries of a source checkout).
 */
export function withoutTsx(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (LOADING_FLAGS.has(name) && name !== '--conditions' && name !== '-C') {
      const value = eq > 0 ? a.slice(eq + 1) : execArgv[i + 1];
      if (eq < 0) i++; // the value is the next argument
      if (value !== undefined && TSX_FLAG_VALUE.test(value)) continue;
      out.push(a);
      if (eq < 0 && value !== undefined) out.push(value);
    } else out.push(a);
  }
  return out;
}
