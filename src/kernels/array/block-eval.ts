// Float64 element-wise chains a block at a time: the expression becomes a short program over slots of
// SLOT elements in the WebAssembly module's memory (inputs copied in, each operation one SIMD kernel call),
// so a chain costs no full-size temporary and no per-element call. Same bits as the generated JS loop.

import {
  SLOT, SLOTS, WASM_BINARY, WASM_UNARY, elementaryWasm, elementaryWasmEnabled, type WasmBinary, type WasmUnary,
} from './elementary-wasm.ts';
import type { ArrayExpr, BinaryOp, UnaryOp } from './elementwise.ts';

/** One step of a program; slots are indices into the scratch memory (slot s starts at element s * SLOT). */
type Step =
  | { readonly kind: 'load'; readonly input: number; readonly slot: number }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly src: number; readonly dst: number }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly a: number; readonly b: number; readonly dst: number };

export interface BlockProgram {
  readonly steps: readonly Step[];
  /** slot -> scalar value, filled once per run */
  readonly constants: ReadonlyArray<readonly [number, number]>;
  /** slots of the inputs read, by input index */
  readonly inputSlots: ReadonlyMap<number, number>;
  readonly result: number;
}

const UNARY = new Set<UnaryOp>(['neg', 'abs', 'exp', 'log', 'log1p', 'sqrt', 'sin', 'cos', 'tan', 'tanh', 'floor', 'ceil', 'round']);
const BINARY = new Set<BinaryOp>(['add', 'sub', 'mul', 'div', 'pow', 'mod', 'minimum', 'maximum']);
const IN_WASM_UNARY = new Set<string>(WASM_UNARY);
const IN_WASM_BINARY = new Set<string>(WASM_BINARY);

/**
 * The program for `expr` when every value in it is a float64 (inputs float64, scalars plain numbers, only
 * arithmetic and float functions), else null: the generated loop handles the rest. `isFloat64(node)` says
 * whether a node's type is float64 by elementwise.ts's rules.
 */
export function compileBlockProgram(expr: ArrayExpr, isFloat64: (e: ArrayExpr) => boolean): BlockProgram | null {
  const steps: Step[] = [];
  const constants: Array<[number, number]> = [];
  const inputSlots = new Map<number, number>();
  const free: number[] = [];
  let next = 0;
  const fixed = new Set<number>();
  const alloc = (): number => free.pop() ?? next++;
  const release = (slot: number): void => {
    if (!fixed.has(slot)) free.push(slot);
  };
  const visit = (e: ArrayExpr): number | null => {
    switch (e.kind) {
      case 'input': {
        if (!isFloat64(e)) return null;
        let slot = inputSlots.get(e.index);
        if (slot === undefined) {
          slot = next++;
          fixed.add(slot);
          inputSlots.set(e.index, slot);
          steps.push({ kind: 'load', input: e.index, slot });
        }
        return slot;
      }
      case 'scalar': {
        if (typeof e.value !== 'number') return null;
        const slot = next++;
        fixed.add(slot);
        constants.push([slot, e.value]);
        return slot;
      }
      case 'cast':
        return e.dtype === 'float64' && isFloat64(e.arg) ? visit(e.arg) : null;
      case 'unary': {
        if (!UNARY.has(e.op) || !isFloat64(e)) return null;
        const src = visit(e.arg);
        if (src === null) return null;
        release(src);
        const dst = alloc();
        steps.push({ kind: 'unary', op: e.op, src, dst });
        return dst;
      }
      case 'binary': {
        if (!BINARY.has(e.op) || !isFloat64(e)) return null;
        const a = visit(e.left);
        if (a === null) return null;
        const b = visit(e.right);
        if (b === null) return null;
        release(a);
        release(b);
        const dst = alloc();
        steps.push({ kind: 'binary', op: e.op, a, b, dst });
        return dst;
      }
      case 'where':
        return null;
    }
  };
  const result = visit(expr);
  if (result === null || next > SLOTS) return null;
  // loads first, so an input's slot holds its block before any step reads it
  steps.sort((p, q) => (p.kind === 'load' ? 0 : 1) - (q.kind === 'load' ? 0 : 1));
  return { steps, constants, inputSlots, result };
}

export const blockEvalAvailable = (): boolean => elementaryWasmEnabled();

export interface BlockInput {
  readonly data: Float64Array;
  /** where element 0 of the run is */
  readonly offset: number;
  /** a single value broadcast over the run (a 0-d or one-element input) */
  readonly scalar: boolean;
}

/**
 * Runs `program` over n elements: input k's element i is inputs[k].data[offset + i] (or its one value);
 * results go to out[outOffset + i]. `js` has the JavaScript functions for the operations with no kernel.
 */
export function runBlockProgram(
  program: BlockProgram, inputs: readonly BlockInput[], n: number, out: Float64Array, outOffset: number,
  js: { unary: (op: UnaryOp) => (x: number) => number; binary: (op: BinaryOp) => (a: number, b: number) => number },
): void {
  const w = elementaryWasm()!;
  const mem = w.memory;
  for (const [slot, value] of program.constants) mem.fill(value, slot * SLOT, (slot + 1) * SLOT);
  for (const [k, slot] of program.inputSlots) if (inputs[k]!.scalar) mem.fill(inputs[k]!.data[inputs[k]!.offset]!, slot * SLOT, (slot + 1) * SLOT);
  const resultAt = program.result * SLOT;
  for (let at = 0; at < n; at += SLOT) {
    const len = Math.min(SLOT, n - at);
    for (const step of program.steps) {
      switch (step.kind) {
        case 'load': {
          const x = inputs[step.input]!;
          if (!x.scalar) mem.set(x.data.subarray(x.offset + at, x.offset + at + len), step.slot * SLOT);
          break;
        }
        case 'unary':
          if (IN_WASM_UNARY.has(step.op)) w.unary[step.op as WasmUnary](step.src * SLOT * 8, step.dst * SLOT * 8, len);
          else {
            const f = js.unary(step.op);
            for (let i = 0, s = step.src * SLOT, d = step.dst * SLOT; i < len; i++) mem[d + i] = f(mem[s + i]!);
          }
          break;
        case 'binary':
          if (IN_WASM_BINARY.has(step.op)) w.binary[step.op as WasmBinary](step.a * SLOT * 8, step.b * SLOT * 8, step.dst * SLOT * 8, len);
          else {
            const f = js.binary(step.op);
            for (let i = 0, a = step.a * SLOT, b = step.b * SLOT, d = step.dst * SLOT; i < len; i++) mem[d + i] = f(mem[a + i]!, mem[b + i]!);
          }
          break;
      }
    }
    out.set(mem.subarray(resultAt, resultAt + len), outOffset + at);
  }
}
