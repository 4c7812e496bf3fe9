// A few WebAssembly binary encoders, enough to assemble the small kernels tessera writes by hand (Philox
// rounds, the gemm micro-kernel), and a loader that returns null where WebAssembly is unavailable.

export const I32 = 0x7f, I64 = 0x7e, F64 = 0x7c, V128 = 0x7b;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/** A function body: local declarations (count, type) and code, prefixed by its size. */
export function funcBody(locals: Array<[number, number]>, code: number[]): number[] {
  const fn = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...code];
  return [...uleb(fn.length), ...fn];
}

/**
 * A module of one function of type (params) -> () exported as `fn`, and one memory of `pages` 64 KiB pages
 * exported as `memory`.
 */
export function moduleBytes(params: number[], body: number[], pages: number): Uint8Array {
  const type = section(1, vec([[0x60, ...vec(params.map((p) => [p])), 0]]));
  const funcs = section(3, vec([[0]]));
  const memory = section(5, vec([[0x00, ...uleb(pages)]]));
  const exports = section(7, vec([[...name('fn'), 0x00, 0], [...name('memory'), 0x02, 0]]));
  const code = section(10, vec([body]));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...funcs, ...memory, ...exports, ...code]);
}

// The compiler's lib here has no WebAssembly types: the little used, declared.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** The module's function and memory, or null where WebAssembly (or, for SIMD kernels, its SIMD) is unavailable. */
export function instantiate<F>(bytes: Uint8Array): { fn: F; memory: { buffer: ArrayBuffer } } | null {
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) return null;
    const e = new wasm.Instance(new wasm.Module(bytes), {}).exports as { fn: F; memory: { buffer: ArrayBuffer } };
    return { fn: e.fn, memory: e.memory };
  } catch {
    return null;
  }
}

export interface ModuleFunction {
  /** exported under this name */
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** funcBody(...) bytes */
  readonly body: number[];
}

/**
 * A module of several exported functions over one exported `memory` of `pages` pages, importing
 * `imports` (module 'm', type (f64) -> f64 each, e.g. Math.exp for rare lanes). Imported functions take
 * indices 0..imports.length-1, so the module's own functions start after them.
 */
export function moduleOf(functions: readonly ModuleFunction[], pages: number, imports: readonly string[] = [], importMemory: boolean | { sharedMaximum: number } = false): Uint8Array {
  const sig = (params: readonly number[], results: readonly number[]) => [0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))];
  const types = [sig([F64], [F64]), ...functions.map((f) => sig(f.params, f.results))];
  const typeSec = section(1, vec(types));
  // importMemory: the memory is another module's ('m' 'memory', at least `pages` pages), not made or exported
  // here; { sharedMaximum }: a shared memory of at most that many pages (limits flag 3: shared, with maximum)
  const limits = typeof importMemory === 'object' ? [0x03, ...uleb(pages), ...uleb(importMemory.sharedMaximum)] : [0x00, ...uleb(pages)];
  const importItems = [...imports.map((n) => [...name('m'), ...name(n), 0x00, 0]), ...(importMemory ? [[...name('m'), ...name('memory'), 0x02, ...limits]] : [])];
  const importSec = importItems.length > 0 ? section(2, vec(importItems)) : [];
  const funcs = section(3, vec(functions.map((_, i) => uleb(i + 1))));
  const memory = importMemory ? [] : section(5, vec([[0x00, ...uleb(pages)]]));
  const exports = section(7, vec([
    ...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(imports.length + i)]),
    ...(importMemory ? [] : [[...name('memory'), 0x02, 0]]),
  ]));
  const code = section(10, vec(functions.map((f) => f.body)));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...typeSec, ...importSec, ...funcs, ...memory, ...exports, ...code]);
}

/** All exports of a module instantiated with `imports` (object of module -> name -> value), or null where WebAssembly or its SIMD is unavailable. */
export function instantiateAll(bytes: Uint8Array, imports: object = {}): Record<string, unknown> | null {
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) return null;
    return new wasm.Instance(new wasm.Module(bytes), imports).exports;
  } catch {
    return null;
  }
}
