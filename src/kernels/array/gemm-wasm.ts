// The gemm macro-kernel in WebAssembly SIMD: one call runs every MR x NR tile of a packed mc x kc block of
// A against a packed kc x nc panel of B, each tile in f64x2 registers, and stores the block of C products
// into the module's memory. Same products, same order and no fused multiply-add as the JavaScript kernel in
// gemm.ts, so results are bit-identical; null where WebAssembly SIMD is unavailable.

import { I32, V128, funcBody, instantiate, moduleBytes, sleb, uleb } from './wasm-encode.ts';

/**
 * Tile shape: 4 x 4 is 8 f64x2 accumulators, 2 of B, 1 of A, which V8 keeps in x64's 16 vector registers.
 * Measured per thread (bench/gemm.ts, packed block in cache): 4x4 ~20 GFLOP/s, 2x6 and 3x4 alike, 4x8
 * ~14 (its 21 live vectors spill), 6x4 ~13, 8x4 ~11.
 */
export const WASM_MR: number = 4;
export const WASM_NR: number = 4;

const SIMD = 0xfd;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const i32 = (v: number) => [0x41, ...sleb(BigInt(v))];
const [ADD, SUB, MUL, AND, GE_S, GE_U, EQZ] = [0x6a, 0x6b, 0x6c, 0x71, 0x4e, 0x4f, 0x45];
const mem = (align: number, offset: number) => [align, ...uleb(offset)];
const v128Load = (offset: number) => [SIMD, 0x00, ...mem(4, offset)];
const v128Store = (offset: number) => [SIMD, 0x0b, ...mem(4, offset)];
const load64Splat = (offset: number) => [SIMD, 0x0a, ...mem(3, offset)];
const v128Zero = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
const f64x2Add = [SIMD, ...uleb(240)];
const f64x2Mul = [SIMD, ...uleb(242)];
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END = 0x0b;
const brIf = (depth: number) => [0x0d, depth];
const br = (depth: number) => [0x0c, depth];

// params (all i32, pointers in bytes): kc, column panels, row panels, A, B, C, C's row stride,
// diag (first row minus first column of this block, for the symmetric case), sym (1: skip tiles below the diagonal)
const [KC, NRP, MRP, PA0, PB0, PC0, LDC, DIAG, SYM] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [JP, IP, P, PA, PB, PC] = [9, 10, 11, 12, 13, 14];
const FIRST_V128 = 15;

function body(mr: number, nr: number): number[] {
  const quarters = nr / 2;
  const acc = (r: number, q: number) => FIRST_V128 + r * quarters + q;
  const bv = (q: number) => FIRST_V128 + mr * quarters + q;
  const av = FIRST_V128 + mr * quarters + quarters;
  const tile: number[] = [];
  for (let r = 0; r < mr; r++) for (let q = 0; q < quarters; q++) tile.push(...v128Zero, ...set(acc(r, q)));
  const step: number[] = [];
  for (let q = 0; q < quarters; q++) step.push(...get(PB), ...v128Load(16 * q), ...set(bv(q)));
  for (let r = 0; r < mr; r++) {
    step.push(...get(PA), ...load64Splat(8 * r), ...set(av));
    for (let q = 0; q < quarters; q++) step.push(...get(acc(r, q)), ...get(av), ...get(bv(q)), ...f64x2Mul, ...f64x2Add, ...set(acc(r, q)));
  }
  const store: number[] = [];
  for (let r = 0; r < mr; r++) {
    for (let q = 0; q < quarters; q++) store.push(...get(PC), ...get(acc(r, q)), ...v128Store(16 * q));
    store.push(...get(PC), ...get(LDC), ADD, ...set(PC));
  }
  const code = [
    ...i32(0), ...set(JP),
    ...BLOCK, ...LOOP,
    ...get(JP), ...get(NRP), GE_U, ...brIf(1),
    ...i32(0), ...set(IP),
    ...BLOCK, ...LOOP,
    ...get(IP), ...get(MRP), GE_U, ...brIf(1),
    // symmetric: this tile and every later one in the column lie strictly below the diagonal
    ...get(SYM), ...get(DIAG), ...get(IP), ...i32(mr), MUL, ADD, ...get(JP), ...i32(1), ADD, ...i32(nr), MUL, GE_S, AND, ...brIf(1),
    ...get(PA0), ...get(IP), ...get(KC), MUL, ...i32(mr * 8), MUL, ADD, ...set(PA),
    ...get(PB0), ...get(JP), ...get(KC), MUL, ...i32(nr * 8), MUL, ADD, ...set(PB),
    ...tile,
    ...get(KC), ...set(P),
    ...BLOCK, ...LOOP,
    ...get(P), EQZ, ...brIf(1),
    ...step,
    ...get(PA), ...i32(mr * 8), ADD, ...set(PA),
    ...get(PB), ...i32(nr * 8), ADD, ...set(PB),
    ...get(P), ...i32(1), SUB, ...set(P),
    ...br(0),
    END, END,
    ...get(PC0), ...get(IP), ...i32(mr), MUL, ...get(LDC), MUL, ADD, ...get(JP), ...i32(nr * 8), MUL, ADD, ...set(PC),
    ...store,
    ...get(IP), ...i32(1), ADD, ...set(IP),
    ...br(0),
    END, END,
    ...get(JP), ...i32(1), ADD, ...set(JP),
    ...br(0),
    END, END,
    END,
  ];
  return funcBody([[6, I32], [mr * quarters + quarters + 1, V128]], code);
}

export interface WasmGemmLayout {
  readonly mr: number;
  readonly nr: number;
  /** element offsets in `memory` of the packed B panel, the packed A block and the C block */
  readonly bAt: number;
  readonly aAt: number;
  readonly cAt: number;
}

export interface WasmGemm extends WasmGemmLayout {
  /**
   * C block (row stride ldc elements) = packed A (mrPanels panels of mr rows, k-major) x packed B
   * (nrPanels panels of nr columns, k-major) over kc; with `sym`, tiles whose first row exceeds the last
   * column by diag + row - column >= nr are left untouched.
   */
  run(kc: number, nrPanels: number, mrPanels: number, ldc: number, diag: number, sym: boolean): void;
  readonly memory: Float64Array;
}

/** A macro-kernel for mr x nr tiles over blocks of at most mcMax x kcMax (A) and kcMax x ncMax (B). */
export function buildWasmGemm(mr: number, nr: number, mcMax: number, kcMax: number, ncMax: number): WasmGemm | null {
  if (nr % 2 !== 0) throw new RangeError('buildWasmGemm: nr must be even (f64x2 columns)');
  const mcPad = Math.ceil(mcMax / mr) * mr, ncPad = Math.ceil(ncMax / nr) * nr;
  const bAt = 0, aAt = bAt + kcMax * ncPad, cAt = aAt + kcMax * mcPad;
  const pages = Math.ceil(((cAt + mcPad * ncPad) * 8) / 65536);
  const m = instantiate<(...args: number[]) => void>(moduleBytes(new Array<number>(9).fill(I32), body(mr, nr), pages));
  if (!m) return null;
  const memory = new Float64Array(m.memory.buffer);
  const fn = m.fn;
  return {
    mr, nr, bAt, aAt, cAt, memory,
    run: (kc, nrPanels, mrPanels, ldc, diag, sym) => fn(kc, nrPanels, mrPanels, aAt * 8, bAt * 8, cAt * 8, ldc * 8, diag, sym ? 1 : 0),
  };
}
