// Turning a shipped function reference back into a callable, in whichever thread runs the task.
// Modules are imported once per worker; source texts are compiled once, keyed by their text. Both caches
// are bounded, and closures registered for the sync scheduler are held weakly: nothing a user ships
// stays alive because it was shipped once (apply() in a loop must not grow the process).

import { importUserModule } from '../../scheduler/worker-guard.ts';

export type UdfRef =
  | { readonly kind: 'module'; readonly module: string; readonly export: string }
  | { readonly kind: 'source'; readonly source: string }
  | { readonly kind: 'local'; readonly id: number };

type Fn = (...args: unknown[]) => unknown;

// The plan node that captured a closure holds it strongly for as long as anyone can compute that plan;
// this registry only maps ids to it, so a closure the user dropped is collected with its captures.
const local = new Map<number, WeakRef<Fn>>();
const localIds = new WeakMap<Fn, number>();
const forget = new FinalizationRegistry<number>((id) => local.delete(id));
let nextLocal = 1;

/** Closures for the sync scheduler stay in this thread; the task carries only an id. */
export function registerLocalFunction(fn: Fn): number {
  let id = localIds.get(fn);
  if (id === undefined) {
    id = nextLocal++;
    localIds.set(fn, id);
    local.set(id, new WeakRef(fn));
    forget.register(fn, id);
  }
  return id;
}

/** Least-recently-used cache of at most `limit` entries (a Map keeps insertion order: re-insert on use). */
class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
}

/** How many compiled sources and imported module functions each thread keeps. */
export const UDF_CACHE_LIMIT = 256;
const modules = new BoundedCache<Promise<Fn>>(UDF_CACHE_LIMIT);
const compiled = new BoundedCache<Fn>(UDF_CACHE_LIMIT);

/** Entries held by this thread's caches (for tests of the bounds). */
export function udfCacheSizes(): { local: number; compiled: number; modules: number } {
  return { local: local.size, compiled: compiled.size, modules: modules.size };
}

/**
 * Definitions of the helpers compilers insert into function bodies: esbuild (tsx) wraps named inner
 * functions in `__name(fn, "name")` to keep `.name` after minifying. udf.ts lets them through as free
 * variables; here each shipped source gets them back.
 */
export const EMIT_HELPERS: Readonly<Record<string, string>> = {
  __name: 'const __name = (target, value) => Object.defineProperty(target, "name", { value, configurable: true });',
};

export function loadUdf(ref: UdfRef): Fn | Promise<Fn> {
  switch (ref.kind) {
    case 'local': {
      const fn = local.get(ref.id)?.deref();
      if (!fn) throw new Error('a closure registered for the sync scheduler was asked for in another thread; ship it with udf(import.meta.url, name) or as a self-contained function');
      return fn;
    }
    case 'source': {
      let fn = compiled.get(ref.source);
      if (!fn) {
        // The source was checked for free variables before shipping; it sees only JS globals and the
        // compiler helpers it uses.
        const helpers = Object.keys(EMIT_HELPERS).filter((h) => ref.source.includes(h)).map((h) => EMIT_HELPERS[h]).join('\n');
        fn = new Function(`"use strict"; ${helpers}\nreturn (${ref.source});`)() as Fn;
        if (typeof fn !== 'function') throw new TypeError('shipped function source did not evaluate to a function');
        compiled.set(ref.source, fn);
      }
      return fn;
    }
    case 'module': {
      const key = `${ref.module}#${ref.export}`;
      let p = modules.get(key);
      if (!p) {
        p = importUserModule(ref.module).then((m) => {
          const fn = m[ref.export];
          if (typeof fn !== 'function') {
            throw new TypeError(`module ${ref.module} has no exported function '${ref.export}' (exports: ${Object.keys(m).join(', ') || 'none'})`);
          }
          return fn as Fn;
        });
        modules.set(key, p);
        p.catch(() => modules.delete(key));
      }
      return p;
    }
  }
}
