// Turning a shipped function reference back into a callable, in whichever thread runs the task.
// Modules are imported once per worker and cached; source texts are compiled once and cached.

export type UdfRef =
  | { readonly kind: 'module'; readonly module: string; readonly export: string }
  | { readonly kind: 'source'; readonly source: string }
  | { readonly kind: 'local'; readonly id: number };

type Fn = (...args: unknown[]) => unknown;

const local = new Map<number, Fn>();
const localIds = new WeakMap<Fn, number>();
let nextLocal = 1;

/** Closures for the sync scheduler stay in this thread; the task carries only an id. */
export function registerLocalFunction(fn: Fn): number {
  let id = localIds.get(fn);
  if (id === undefined) {
    id = nextLocal++;
    localIds.set(fn, id);
    local.set(id, fn);
  }
  return id;
}

const modules = new Map<string, Promise<Fn>>();
const compiled = new Map<string, Fn>();

export function loadUdf(ref: UdfRef): Fn | Promise<Fn> {
  switch (ref.kind) {
    case 'local': {
      const fn = local.get(ref.id);
      if (!fn) throw new Error('a closure registered for the sync scheduler was asked for in another thread; ship it with udf(import.meta.url, name) or as a self-contained function');
      return fn;
    }
    case 'source': {
      let fn = compiled.get(ref.source);
      if (!fn) {
        // The source was checked for free variables before shipping; it sees only JS globals here.
        fn = new Function(`"use strict"; return (${ref.source});`)() as Fn;
        if (typeof fn !== 'function') throw new TypeError('shipped function source did not evaluate to a function');
        compiled.set(ref.source, fn);
      }
      return fn;
    }
    case 'module': {
      const key = `${ref.module}#${ref.export}`;
      let p = modules.get(key);
      if (!p) {
        p = import(ref.module).then((m: Record<string, unknown>) => {
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
