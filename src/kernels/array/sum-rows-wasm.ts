// sum(axis=0) of row chunks in WebAssembly SIMD: acc[j] += the sum of eight rows' column j, as
// reduce.ts's sumLeadingRows adds them (the same pairwise tree, then into acc), two columns per v128.
// The JavaScript loop is bound by instructions (an index add, overflow and bounds checks and a load per
// value); this one reads two values per instruction, straight from the chunk's memory when the chunk's
// buffer is a shared WebAssembly memory (wasm-chunks.ts). The accumulator tile goes to a scratch slot at
// the end of that memory (a module addresses one memory), claimed for the call.

import { get, i32c, load, op, set, store } from './elementary-wasm.ts';
import { I32, funcBody, moduleOf, uleb, type ModuleFunction } from './wasm-encode.ts';
import { SLOT_BYTES, claimSlot, memoryOf, releaseSlot, slotAt } from './wasm-chunks.ts';

const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, VOID = 0x40, BR_IF = 0x0d, BR = 0x0c;
const I32_ADD = [0x6a], I32_GE_U = [0x4f], I32_EQZ = [0x45], I32_SUB = [0x6b];
const F64_ADD = [0xa0];
const f64load = (offset = 0): number[] => [0x2b, 3, ...uleb(offset)];
const f64store = (offset = 0): number[] => [0x39, 3, ...uleb(offset)];

/**
 * add8(acc, src, stride, n, groups): for each of `groups` groups of eight rows, the g-th starting at byte
 * src + g * 8 * stride (rows `stride` bytes apart), acc[j] += ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
 * for j < n: pairs of columns by f64x2, an odd last column by f64.
 */
function add8(): ModuleFunction {
  const ACC = 0, SRC = 1, STRIDE = 2, N = 3, GROUPS = 4;
  // locals: p (row 0 of the current columns), a (acc), end (acc end of the pairs), s1..s7 (k * stride), g
  const P = 5, A = 6, END_A = 7, S = [-1, 8, 9, 10, 11, 12, 13, 14], G = 15;
  const rowsSum = (ld: (o?: number) => number[], add: number[]): number[] => {
    const row = (k: number): number[] => (k === 0 ? [...get(P), ...ld()] : [...get(P), ...get(S[k]!), ...I32_ADD, ...ld()]);
    return [
      ...row(0), ...row(1), ...add, ...row(2), ...row(3), ...add, ...add,
      ...row(4), ...row(5), ...add, ...row(6), ...row(7), ...add, ...add,
      ...add,
    ];
  };
  const code = [
    // s_k = k * stride
    ...get(STRIDE), ...set(S[1]!),
    ...[2, 3, 4, 5, 6, 7].flatMap((k) => [...get(S[k - 1]!), ...get(STRIDE), ...I32_ADD, ...set(S[k]!)]),
    // end of the pairs: acc + (n & ~1) * 8
    ...get(ACC), ...get(N), ...i32c(-2), 0x71 /* i32.and */, ...i32c(3), 0x74 /* i32.shl */, ...I32_ADD, ...set(END_A),
    ...get(GROUPS), ...set(G),
    BLOCK, VOID, LOOP, VOID,
    ...get(G), ...I32_EQZ, BR_IF, 1,
    ...get(SRC), ...set(P), ...get(ACC), ...set(A),
    BLOCK, VOID, LOOP, VOID,
    ...get(A), ...get(END_A), ...I32_GE_U, BR_IF, 1,
    ...get(A), ...get(A), ...load(0), ...rowsSum(load, op.add), ...op.add, ...store(0),
    ...get(A), ...i32c(16), ...I32_ADD, ...set(A),
    ...get(P), ...i32c(16), ...I32_ADD, ...set(P),
    BR, 0, END, END,
    // an odd last column
    ...get(N), ...i32c(1), 0x71 /* i32.and */, 0x04 /* if */, VOID,
    ...get(A), ...get(A), ...f64load(), ...rowsSum(f64load, F64_ADD), ...F64_ADD, ...f64store(),
    END,
    // next group: src += 8 * stride
    ...get(SRC), ...get(S[7]!), ...I32_ADD, ...get(STRIDE), ...I32_ADD, ...set(SRC),
    ...get(G), ...i32c(1), ...I32_SUB, ...set(G),
    BR, 0, END, END,
    END,
  ];
  return { name: 'add8', params: [I32, I32, I32, I32, I32], results: [], body: funcBody([[11, I32]], code) };
}

type Add8 = (acc: number, src: number, stride: number, n: number, groups: number) => void;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * The compiled module (it imports any shared memory of up to 65536 pages), or null without WebAssembly SIMD.
 * Compiled on first use, as the other kernels: every worker and importing process would pay for it otherwise.
 */
let compiledModule: object | null | undefined;
function compiled(): object | null {
  if (compiledModule === undefined) {
    try {
      const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      compiledModule = wasm ? new wasm.Module(moduleOf([add8()], 1, [], { sharedMaximum: 65536 })) : null;
    } catch {
      compiledModule = null;
    }
  }
  return compiledModule;
}

/** One instance per memory object (a memory received in a task message is a new object: a few microseconds). */
const instances = new WeakMap<object, Add8>();

function kernelFor(memory: object): Add8 | null {
  let k = instances.get(memory);
  if (k === undefined) {
    try {
      const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
      k = new wasm.Instance(compiled()!, { m: { memory } }).exports.add8 as Add8;
    } catch {
      return null;
    }
    instances.set(memory, k);
  }
  return k;
}

let disabled = false;
/** Tests compare both paths: true makes sumLeadingRows use the JavaScript loop. */
export function setSumRowsWasmDisabled(off: boolean): boolean {
  const was = disabled;
  disabled = off;
  return was;
}

/**
 * acc[j] += the sum over `groups` eight-row groups of d's rows from `offset` (rows of `cols` values), each
 * group added as one pairwise tree: sumLeadingRows' arithmetic and order. False, with nothing done, where
 * d's buffer is no WebAssembly memory, SIMD is unavailable (or disabled) or every scratch slot is taken.
 */
export function addRowGroupsWasm(acc: Float64Array, d: Float64Array, offset: number, groups: number, cols: number): boolean {
  if (disabled || groups <= 0 || cols <= 0 || compiled() === null) return false;
  const memory = memoryOf(d.buffer);
  if (memory === undefined) return false;
  const add = kernelFor(memory);
  if (add === null) return false;
  const buffer = d.buffer as SharedArrayBuffer;
  const slot = claimSlot(buffer);
  if (slot < 0) return false;
  try {
    const at = slotAt(buffer, slot);
    const tile = new Float64Array(buffer, at, SLOT_BYTES / 8);
    const width = SLOT_BYTES / 8;
    const base = d.byteOffset + offset * 8;
    for (let j0 = 0; j0 < cols; j0 += width) {
      const n = Math.min(width, cols - j0);
      for (let j = 0; j < n; j++) tile[j] = acc[j0 + j]!;
      add(at, base + j0 * 8, cols * 8, n, groups);
      for (let j = 0; j < n; j++) acc[j0 + j] = tile[j]!;
    }
  } finally {
    releaseSlot(buffer, slot);
  }
  return true;
}
