// How user functions reach workers. JavaScript cannot serialise closures, so a function travels as
// (a) a module reference that each worker imports once, or (b) its own source text, accepted only when
// it is self-contained: free variables are found here, before any work starts. The sync scheduler
// runs any closure as it is.

import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { EMIT_HELPERS, registerLocalFunction, type UdfRef } from '../kernels/groupby/udf-runtime.ts';
import type { SchedulerName } from '../config.ts';

/** A function exported by a module: udf(import.meta.url, 'fitOls'). Works on every scheduler. */
export interface ModuleUdf {
  readonly module: string;
  readonly export: string;
}

export function udf(module: string, exportName: string): ModuleUdf {
  if (typeof module !== 'string' || typeof exportName !== 'string') throw new TypeError('udf(moduleUrl, exportName) takes two strings, e.g. udf(import.meta.url, "fitOls")');
  const url = module.startsWith('file:') || /^[a-z]+:/.test(module) ? module : new URL(module, `file://${process.cwd()}/`).href;
  return { module: url, export: exportName };
}

export type UserFunction<F> = F | ModuleUdf;

export function isModuleUdf(x: unknown): x is ModuleUdf {
  return typeof x === 'object' && x !== null && typeof (x as ModuleUdf).module === 'string' && typeof (x as ModuleUdf).export === 'string';
}

/** Names every JS environment provides; a function may use these freely. */
const GLOBALS = new Set([
  'Math', 'Number', 'String', 'Boolean', 'BigInt', 'Symbol', 'Object', 'Array', 'JSON', 'Date', 'RegExp', 'Error', 'TypeError',
  'RangeError', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'Infinity', 'NaN', 'undefined', 'isNaN', 'isFinite',
  'parseFloat', 'parseInt', 'console', 'globalThis', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Float64Array',
  'Float32Array', 'Int8Array', 'Int16Array', 'Int32Array', 'Uint8Array', 'Uint16Array', 'Uint32Array', 'Uint8ClampedArray',
  'BigInt64Array', 'BigUint64Array', 'Atomics', 'Reflect', 'Proxy', 'Intl', 'TextEncoder', 'TextDecoder', 'structuredClone',
  'arguments', 'this', 'performance', 'queueMicrotask', 'setTimeout', 'clearTimeout', 'URL',
]);

/** Free variables of a function's source: identifiers it reads that it neither declares nor gets from the JS globals. */
export function freeVariables(source: string): string[] {
  let ast: acorn.Node;
  try {
    ast = acorn.parse(`(${source})`, { ecmaVersion: 'latest', sourceType: 'script' });
  } catch {
    // Method shorthand ("fit(g) {...}") is not an expression on its own.
    try {
      ast = acorn.parse(`({${source}})`, { ecmaVersion: 'latest', sourceType: 'script' });
    } catch (e) {
      throw new TypeError(`cannot read this function's source to ship it to workers (${(e as Error).message}); use udf(import.meta.url, 'name') instead`);
    }
  }
  const declared = new Set<string>();
  const declarePattern = (p: any): void => {
    if (!p) return;
    switch (p.type) {
      case 'Identifier':
        declared.add(p.name);
        break;
      case 'ObjectPattern':
        for (const prop of p.properties) declarePattern(prop.type === 'RestElement' ? prop.argument : prop.value);
        break;
      case 'ArrayPattern':
        for (const el of p.elements) declarePattern(el);
        break;
      case 'RestElement':
        declarePattern(p.argument);
        break;
      case 'AssignmentPattern':
        declarePattern(p.left);
        break;
    }
  };
  // Declarations anywhere inside count for the whole function: an over-approximation that can miss a
  // free variable shadowed only in a sibling block, never reports a false one.
  walk.full(ast, (node: any) => {
    switch (node.type) {
      case 'VariableDeclarator':
        declarePattern(node.id);
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.id) declared.add(node.id.name);
        for (const p of node.params) declarePattern(p);
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (node.id) declared.add(node.id.name);
        break;
      case 'CatchClause':
        declarePattern(node.param);
        break;
    }
  });
  const used = new Set<string>();
  walk.ancestor(ast, {
    Identifier(node: any, _state: unknown, ancestors: any[]) {
      const parent = ancestors[ancestors.length - 2];
      if (!parent) return;
      if (parent.type === 'MemberExpression' && parent.property === node && !parent.computed) return;
      if ((parent.type === 'Property' || parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') && parent.key === node && !parent.computed) {
        if (!(parent.type === 'Property' && parent.shorthand)) return;
      }
      if (parent.type === 'LabeledStatement' || parent.type === 'BreakStatement' || parent.type === 'ContinueStatement') return;
      used.add(node.name);
    },
  });
  return [...used].filter((n) => !declared.has(n) && !GLOBALS.has(n)).sort();
}

/**
 * The serialisable reference a task carries for `fn` on `scheduler`. Throws, before any work runs,
 * when a closure with free variables would have to leave this thread.
 */
export function shipFunction(fn: unknown, scheduler: SchedulerName, where: string): UdfRef {
  if (isModuleUdf(fn)) return { kind: 'module', module: fn.module, export: fn.export };
  if (typeof fn !== 'function') throw new TypeError(`${where}: expected a function or udf(moduleUrl, exportName); got ${String(fn)}`);
  if (scheduler === 'sync') return { kind: 'local', id: registerLocalFunction(fn as (...a: unknown[]) => unknown) };
  const source = fn.toString();
  if (/\[native code\]/.test(source)) throw new TypeError(`${where}: a built-in or bound function cannot be shipped to workers; wrap it in a function or use udf(import.meta.url, 'name')`);
  // Helpers a compiler inserted (esbuild under tsx adds __name) are not the user's: they travel with the source.
  const free = freeVariables(source).filter((v) => !Object.hasOwn(EMIT_HELPERS, v));
  const emitted = free.filter((v) => /^__[a-zA-Z]+$/.test(v));
  if (emitted.length > 0) {
    throw new TypeError(
      `${where}: the function's compiled source uses ${emitted.map((v) => `'${v}'`).join(', ')}, a helper your compiler ` +
        `(TypeScript, esbuild, Babel) inserted for an older JavaScript target, which cannot travel to '${scheduler}' workers. ` +
        `Compile for ES2022 or newer (tsconfig "target"), or move the function into a module and use ` +
        `udf(import.meta.url, '${fn.name || 'exportName'}').`,
    );
  }
  if (free.length > 0) {
    throw new TypeError(
      `${where}: the function uses ${free.map((v) => `'${v}'`).join(', ')} from outside itself, which cannot travel to ` +
        `'${scheduler}' workers. Pass such values as {params: {...}} (they arrive as the function's second argument), ` +
        `move the function into a module and use udf(import.meta.url, '${fn.name || 'exportName'}'), or run with {scheduler: 'sync'}.`,
    );
  }
  return { kind: 'source', source };
}
