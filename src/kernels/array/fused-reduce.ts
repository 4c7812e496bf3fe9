// A float64 element-wise chain and the all-axes sum (or mean/var/std moments) of its values in one
// WebAssembly function generated per chain shape: each input is read once, where it lies when every input is
// in one shared WebAssembly memory (large chunks), else from a piece staged into the elementary module's
// memory, and every intermediate stays in SIMD registers, where the block evaluator (block-eval.ts) writes each operation's
// result to memory and JavaScript then reduces the final block. The partial sums are accumulated in the
// same lanes and order as reduce.ts's row loops (rowSum's and rowMoments' four accumulators),
// so a fused step's partial has the same bits as evaluating the chain and reducing it.

import {
  EXP_TABLE_AT, FUSED_ACC_AT, IMPORTS, Locals, MEMORY_PAGES, SLOT, SLOTS, WASM_BINARY, WASM_UNARY, binaryBodies, elementaryWasm, elementaryWasmEnabled,
  f64x2, get, hoisted, i32c, load, op, set, store, unaryBodies, type WasmBinary, type WasmUnary,
} from './elementary-wasm.ts';
import { F64, I32, moduleOf, type ModuleFunction } from './wasm-encode.ts';
import { claimSlot, memoryOf, releaseSlot, slotAt } from './wasm-chunks.ts';
import { EXP_STEPS } from './elementary.ts';
import type { ArrayExpr } from './elementwise.ts';

/** Elements of each input staged per call; input k sits at byte k * PIECE * 8 of the shared slots. */
const PIECE = 4096;
const MAX_INPUTS = Math.floor((SLOT * SLOTS) / PIECE) - 1;

/**
 * sum: four accumulators (element j into j mod 4, the elements after the last whole group of four into the
 * first); moments: four so of v - shift and four of its square; mean: moments' sums of v - shift alone (a
 * mean reads no squares).
 */
export type FusedKind = 'sum' | 'moments' | 'mean';

interface FusedModule {
  /** (main, tail, shift, ...scalars): accumulates `main` elements (a multiple of 4 or 2) by vectors, then `tail` one at a time */
  readonly run: (main: number, tail: number, shift: number, ...scalars: number[]) => void;
  /** the chain's value at element 0 of the staged piece */
  readonly first: (main: number, tail: number, shift: number, ...scalars: number[]) => number;
}

const F64_ADD = 0xa0, F64_SUB = 0xa1, F64_MUL = 0xa2;
const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, VOID = 0x40, BR_IF = 0x0d, BR = 0x0c;

/** The chain's shape (input indices, operations) and its scalars in visiting order, or null when a node has no SIMD form. */
function describe(expr: ArrayExpr, isFloat64: (e: ArrayExpr) => boolean): { key: string; scalars: number[]; inputs: number[] } | null {
  const scalars: number[] = [];
  const inputs = new Set<number>();
  const visit = (e: ArrayExpr): string | null => {
    // a scalar takes the type of the operation it meets (a weak 3 times a float64 is a float64 3)
    if (e.kind !== 'scalar' && !isFloat64(e)) return null;
    switch (e.kind) {
      case 'input':
        inputs.add(e.index);
        return `i${e.index}`;
      case 'scalar':
        if (typeof e.value !== 'number') return null;
        scalars.push(e.value);
        return 's';
      case 'cast': {
        const a = visit(e.arg);
        return a;
      }
      case 'unary': {
        if (!(WASM_UNARY as readonly string[]).includes(e.op)) return null;
        const a = visit(e.arg);
        return a === null ? null : `${e.op}(${a})`;
      }
      case 'binary': {
        if (!(WASM_BINARY as readonly string[]).includes(e.op)) return null;
        const a = visit(e.left);
        if (a === null) return null;
        const b = visit(e.right);
        return b === null ? null : `${e.op}(${a},${b})`;
      }
      case 'where':
        return null;
    }
  };
  const key = visit(expr);
  if (key === null) return null;
  return { key, scalars, inputs: [...inputs].sort((a, b) => a - b) };
}

/**
 * Where a module reads its inputs and keeps its accumulators (and exp's table): 'staged' reads pieces copied
 * into the elementary module's memory at fixed offsets; 'inPlace' reads the inputs where they lie in a
 * shared WebAssembly memory (wasm-chunks.ts), with the accumulators and a copy of exp's table in one of that
 * memory's scratch slots. Copying out of a SharedArrayBuffer (every chunk under threads) costs V8 ~0.55 ns
 * per float64, a tenth of case (a)'s whole chain.
 */
type Layout = 'staged' | 'inPlace';

/**
 * Vectors of two lanes the main loop evaluates per pass. Case (a)'s mean, CPU ns/element (one process, load
 * ~16): 1 vector 5.6-6.1, 2 vectors 4.8-4.9, 3 vectors 6.4, 4 vectors 7.3 (more spill registers in V8).
 */
const VECTORS_PER_PASS = 2;

/** inPlace: the scratch slot holds the accumulators (64 bytes), then exp's table. */
const SCRATCH_TABLE_AT = 64;

/** Builds the module for one chain shape, reduction kind and layout. */
function build(expr: ArrayExpr, kind: FusedKind, inputs: readonly number[], scalarCount: number, layout: Layout): Uint8Array {
  const inPlace = layout === 'inPlace';
  const MAIN = 0, TAIL = 1, SHIFT = 2, FIRST_SCALAR = 3;
  // inPlace: (..., scratch, table, address of each input) after the scalars
  const SCRATCH = FIRST_SCALAR + scalarCount, TABLE = SCRATCH + 1, FIRST_ADDRESS = SCRATCH + 2;
  const params = 3 + scalarCount + (inPlace ? 2 + inputs.length : 0);
  const I = params, E = params + 1, W = params + 2;
  const signature = [I32, I32, F64, ...new Array<number>(scalarCount).fill(F64), ...(inPlace ? new Array<number>(2 + inputs.length).fill(I32) : [])];
  const accLoad = (at: number): number[] => (inPlace ? [...get(SCRATCH), ...load(at)] : [...i32c(0), ...load(FUSED_ACC_AT + at)]);
  const accStore = (at: number, value: number): number[] => (inPlace ? [...get(SCRATCH), ...get(value), ...store(at)] : [...i32c(0), ...get(value), ...store(FUSED_ACC_AT + at)]);

  /**
   * Code evaluating the chain on the two elements at byte I + `delta` of each input, into the returned local;
   * `tag` names the locals holding its intermediates apart from another vector's in the same iteration.
   */
  const evaluate = (L: Locals, scalarLocals: readonly number[], delta = 0, tag = ''): { code: number[]; value: number } => {
    const code: number[] = [];
    inputs.forEach((k, slot) => {
      const address = inPlace ? [...get(I), ...get(FIRST_ADDRESS + slot), ...op.i32add, ...load(delta)] : [...get(I), ...load(slot * PIECE * 8 + delta)];
      code.push(...address, ...set(L.v(`fused-in${k}${tag}`)));
    });
    let scalarAt = 0;
    let id = 0;
    const visit = (e: ArrayExpr): number => {
      switch (e.kind) {
        case 'input':
          return L.v(`fused-in${e.index}${tag}`);
        case 'scalar':
          return scalarLocals[scalarAt++]!;
        case 'cast':
          return visit(e.arg);
        case 'unary': {
          const src = visit(e.arg);
          const dst = L.v(`fused-v${id++}${tag}`);
          code.push(...unaryBodies[e.op as WasmUnary](L, src, dst));
          return dst;
        }
        case 'binary': {
          const a = visit(e.left);
          const b = visit(e.right);
          const dst = L.v(`fused-v${id++}${tag}`);
          code.push(...binaryBodies[e.op as WasmBinary](a, b), ...set(dst));
          return dst;
        }
        case 'where':
          throw new Error('where has no fused form');
      }
    };
    const value = visit(expr);
    return { code, value };
  };

  const makeLocals = () => {
    const L = new Locals(params, params + 3, [[2, I32], [1, F64]]);
    if (inPlace) L.tableBase = TABLE;
    return L;
  };
  const scalarPrologue = (L: Locals): { code: number[]; locals: number[] } => {
    const locals = Array.from({ length: scalarCount }, (_, j) => L.v(`fused-s${j}`));
    return { code: locals.flatMap((l, j) => [...get(FIRST_SCALAR + j), ...op.splat, ...set(l)]), locals };
  };

  const runFn = (): ModuleFunction => {
    const L = makeLocals();
    const code = () => {
      const scalars = scalarPrologue(L);
      const [P, Q, T, SH] = ['fused-P', 'fused-Q', 'fused-T', 'fused-shift'].map((n) => L.v(n)) as [number, number, number, number];
      // the main loop runs the chain without calls, noting lanes left to Math.*; a vector with any is redone by `slow`
      const any = L.v('fused-any');
      L.deferredMask = any;
      // VECTORS_PER_PASS vectors per pass: the loop's own work is paid once for them, and their chains interleave
      const fast = Array.from({ length: VECTORS_PER_PASS }, (_, v) => evaluate(L, scalars.locals, 16 * v, v === 0 ? '' : `-${v}`));
      L.deferredMask = null;
      const slow = evaluate(L, scalars.locals);
      const tail = evaluate(L, scalars.locals);
      const [R, U, D] = ['fused-R', 'fused-U', 'fused-D'].map((n) => L.v(n)) as [number, number, number];
      // P receives this vector and Q the next (and so R, U the squares): after an even number of vectors P is
      // (a0, a1) again, rowSum's and rowMoments' four accumulators (element j into j mod 4)
      const rotate = (into: number, next: number, add: number[]) => [...get(into), ...add, ...op.add, ...set(T), ...get(next), ...set(into), ...get(T), ...set(next)];
      const accumulate = (value: number) => {
        switch (kind) {
          case 'sum': return rotate(P, Q, get(value));
          // the sums of v - shift (and of its square)
          case 'mean': return rotate(P, Q, [...get(value), ...get(SH), ...op.sub]);
          case 'moments': return [...get(value), ...get(SH), ...op.sub, ...set(D), ...rotate(P, Q, get(D)), ...rotate(R, U, [...get(D), ...get(D), ...op.mul])];
        }
      };
      // one element (lane 0 of the vector at I), after the last whole group of four: into a0 (and q0)
      const accumulateOne = kind === 'sum'
        ? [...get(P), ...get(P), ...op.f64extract(0), ...get(tail.value), ...op.f64extract(0), F64_ADD, ...op.f64replace(0), ...set(P)]
        : [...get(tail.value), ...op.f64extract(0), ...get(SHIFT), F64_SUB, ...set(W),
          ...get(P), ...get(P), ...op.f64extract(0), ...get(W), F64_ADD, ...op.f64replace(0), ...set(P),
          ...(kind === 'moments' ? [...get(R), ...get(R), ...op.f64extract(0), ...get(W), ...get(W), F64_MUL, F64_ADD, ...op.f64replace(0), ...set(R)] : [])];
      return [
        ...scalars.code,
        ...get(SHIFT), ...op.splat, ...set(SH),
        ...accLoad(0), ...set(P),
        ...accLoad(16), ...set(Q),
        ...accLoad(32), ...set(R),
        ...accLoad(48), ...set(U),
        ...get(MAIN), ...i32c(3), ...op.i32shl, ...set(MAIN),
        // block done { loop outer { block redo { loop fast { VECTORS_PER_PASS vectors } } one vector by the slow form; } }:
        // a pass with a lane left to Math.* goes to the slow form one vector (the next pass starts after it),
        // as do the last vectors when fewer than a pass remain; either way the vectors are accumulated in order
        BLOCK, VOID, LOOP, VOID, BLOCK, VOID, LOOP, VOID,
        ...get(I), ...i32c(16 * (VECTORS_PER_PASS - 1)), ...op.i32add, ...get(MAIN), ...op.i32geU, BR_IF, 1,
        ...f64x2(0), ...set(any),
        ...fast.flatMap((f) => f.code),
        ...get(any), ...op.anyTrue, BR_IF, 1,
        ...fast.flatMap((f) => accumulate(f.value)),
        ...get(I), ...i32c(16 * VECTORS_PER_PASS), ...op.i32add, ...set(I),
        BR, 0, END, END,
        ...get(I), ...get(MAIN), ...op.i32geU, BR_IF, 1,
        ...slow.code,
        ...accumulate(slow.value),
        ...get(I), ...i32c(16), ...op.i32add, ...set(I),
        BR, 0, END, END,
        BLOCK, VOID, LOOP, VOID,
        ...get(E), ...get(TAIL), ...op.i32geU, BR_IF, 1,
        ...tail.code,
        ...accumulateOne,
        ...get(I), ...i32c(8), ...op.i32add, ...set(I),
        ...get(E), ...i32c(1), ...op.i32add, ...set(E),
        BR, 0, END, END,
        ...accStore(0, P),
        ...accStore(16, Q),
        ...accStore(32, R),
        ...accStore(48, U),
        END,
      ];
    };
    return { name: 'run', params: signature, results: [], body: hoisted(L, code) };
  };

  const firstFn = (): ModuleFunction => {
    const L = makeLocals();
    const code = () => {
      const scalars = scalarPrologue(L);
      const one = evaluate(L, scalars.locals);
      return [...scalars.code, ...one.code, ...get(one.value), ...op.f64extract(0), END];
    };
    return { name: 'first', params: signature, results: [F64], body: hoisted(L, code) };
  };

  // inPlace: any shared memory (up to the 65536 pages i32 addresses reach), as sum-rows-wasm.ts's module
  return moduleOf([runFn(), firstFn()], inPlace ? 1 : MEMORY_PAGES, IMPORTS, inPlace ? { sharedMaximum: 65536 } : true);
}

// The compiler's lib here has no WebAssembly types: the little used, declared.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (): WasmApi | undefined => (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

function instanceOver(compiled: object, memory: object): FusedModule | null {
  try {
    const e = new (wasmApi()!).Instance(compiled, { m: { exp: Math.exp, log: Math.log, sin: Math.sin, cos: Math.cos, memory } }).exports;
    return { run: e.run as FusedModule['run'], first: e.first as FusedModule['first'] };
  } catch {
    return null;
  }
}

/** Per chain shape: the staged instance (over the elementary memory) and the compiled in-place module, each null if it failed. */
interface Compiled {
  readonly staged: FusedModule | null;
  readonly inPlace: object | null;
}
const modules = new Map<string, Compiled>();
/** In-place instances per memory object, per chain shape (a memory arriving in a task message is a new object). */
const inPlaceInstances = new WeakMap<object, Map<string, FusedModule | null>>();

function compiledFor(expr: ArrayExpr, kind: FusedKind, isFloat64: (e: ArrayExpr) => boolean): { key: string; compiled: Compiled; scalars: number[]; inputs: number[] } | null {
  const d = describe(expr, isFloat64);
  if (!d || d.inputs.length === 0 || d.inputs.length > MAX_INPUTS) return null;
  const key = `${kind}|${d.key}`;
  let m = modules.get(key);
  if (m === undefined) {
    if (modules.size > 200) modules.clear(); // bounded: programs rarely build this many chain shapes
    const compile = (layout: Layout): object | null => {
      try {
        return new (wasmApi()!).Module(build(expr, kind, d.inputs, d.scalars.length, layout));
      } catch {
        return null;
      }
    };
    const staged = compile('staged');
    m = { staged: staged && instanceOver(staged, elementaryWasm()!.memoryObject), inPlace: compile('inPlace') };
    modules.set(key, m);
  }
  return { key, compiled: m, scalars: d.scalars, inputs: d.inputs };
}

function inPlaceInstance(key: string, compiled: object, memory: object): FusedModule | null {
  let byKey = inPlaceInstances.get(memory);
  if (byKey === undefined) inPlaceInstances.set(memory, (byKey = new Map()));
  let m = byKey.get(key);
  if (m === undefined) {
    if (byKey.size > 200) byKey.clear();
    m = instanceOver(compiled, memory);
    byKey.set(key, m);
  }
  return m;
}

export interface FusedInput {
  readonly data: Float64Array;
  readonly offset: number;
}

/**
 * One step's raw sums: sum: a0..a3 of rowSum; moments: the shift (value at element 0), sum of v - shift, sum of
 * squares; mean: the same without the squares (sq absent).
 */
export type StepSums = { kind: 'sum'; a: [number, number, number, number] } | { kind: 'moments' | 'mean'; shift: number; s1: number; sq?: number };

let inPlaceSteps = 0;
/** Steps run in place so far in this thread (tests check the path they mean to cover was taken). */
export const fusedInPlaceSteps = (): number => inPlaceSteps;

/**
 * A fused reducer for `expr` over `inputs` (input k's element i is inputs[k].data[offset + i]), or null
 * when WebAssembly SIMD is off or the chain has a node without a SIMD form. step(at, len) returns the
 * sums of elements at..at+len-1 in reduce.ts's order.
 */
export function fusedReducer(expr: ArrayExpr, inputs: readonly FusedInput[], kind: FusedKind, isFloat64: (e: ArrayExpr) => boolean): ((at: number, len: number) => StepSums) | null {
  if (!elementaryWasmEnabled()) return null;
  const found = compiledFor(expr, kind, isFloat64);
  if (!found) return null;
  const { key, compiled, scalars, inputs: used } = found;
  const group = 4;
  const result = (acc: Float64Array, o: number, shift: number): StepSums => {
    if (kind === 'sum') return { kind, a: [acc[o]!, acc[o + 1]!, acc[o + 2]!, acc[o + 3]!] };
    // (a0 + a1) + (a2 + a3), as rowMoments adds its four accumulators
    const s1 = (acc[o]! + acc[o + 1]!) + (acc[o + 2]! + acc[o + 3]!);
    return kind === 'mean' ? { kind, shift, s1 } : { kind, shift, s1, sq: (acc[o + 4]! + acc[o + 5]!) + (acc[o + 6]! + acc[o + 7]!) };
  };

  // in place when every input lies in one shared WebAssembly memory
  const memory = inPlaceMemory(used.map((k) => inputs[k]!.data));
  const module = memory && compiled.inPlace ? inPlaceInstance(key, compiled.inPlace, memory) : null;
  const inPlaceStep = module === null ? null : (at: number, len: number): StepSums | null => {
    const buffer = inputs[used[0]!]!.data.buffer as SharedArrayBuffer;
    const slot = claimSlot(buffer);
    if (slot < 0) return null;
    try {
      const scratch = slotAt(buffer, slot);
      const acc = new Float64Array(buffer, scratch, 8);
      acc.fill(0);
      new Float64Array(buffer, scratch + SCRATCH_TABLE_AT, EXP_STEPS * 2).set(elementaryWasm()!.memory.subarray(EXP_TABLE_AT / 8, EXP_TABLE_AT / 8 + EXP_STEPS * 2));
      const addresses = used.map((k) => inputs[k]!.data.byteOffset + (inputs[k]!.offset + at) * 8);
      const tables = [scratch, scratch + SCRATCH_TABLE_AT];
      const shift = kind === 'sum' ? 0 : module.first(0, 0, 0, ...scalars, ...tables, ...addresses);
      const main = len - (len % group);
      module.run(main, len - main, shift, ...scalars, ...tables, ...addresses);
      inPlaceSteps++;
      return result(acc, 0, shift);
    } finally {
      releaseSlot(buffer, slot);
    }
  };

  const staged = compiled.staged;
  const mem = elementaryWasm()!.memory;
  const accAt = FUSED_ACC_AT / 8;
  const stage = (at: number, len: number): void => {
    used.forEach((k, slot) => {
      const x = inputs[k]!;
      mem.set(x.data.subarray(x.offset + at, x.offset + at + len), slot * PIECE);
    });
  };
  const stagedStep = staged === null ? null : (at: number, len: number): StepSums => {
    mem.fill(0, accAt, accAt + 8);
    let shift = 0;
    for (let done = 0; done < len; done += PIECE) {
      const n = Math.min(PIECE, len - done);
      stage(at + done, n);
      if (done === 0 && kind !== 'sum') shift = staged.first(0, 0, 0, ...scalars);
      const main = n - (n % group);
      staged.run(main, n - main, shift, ...scalars);
    }
    return result(mem, accAt, shift);
  };
  if (stagedStep === null) return null;
  return inPlaceStep === null ? stagedStep : (at, len) => inPlaceStep(at, len) ?? stagedStep(at, len);
}

/**
 * The shared WebAssembly memory all of `arrays` lie in (with the 8 bytes after each, which a kernel's last
 * odd element reads as its vector's other lane), or null.
 */
function inPlaceMemory(arrays: readonly Float64Array[]): object | null {
  const memory = memoryOf(arrays[0]!.buffer);
  if (memory === undefined) return null;
  for (const a of arrays) {
    if (memoryOf(a.buffer) !== memory || a.byteOffset + a.byteLength + 8 > a.buffer.byteLength) return null;
  }
  return memory;
}
