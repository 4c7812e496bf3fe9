// The gemm macro-kernel in WebAssembly SIMD: one call runs every MR x NR tile of a packed mc x kc block of
// A against a packed kc x nc panel of B, each tile in f64x2 registers, and stores the block of C products
// into the module's memory. Same products, same order and no fused multiply-add as the JavaScript kernel in
// gemm.ts, so results are bit-identical; null where WebAssembly SIMD is unavailable.

import { I32, V128, funcBody, instantiate, moduleBytes, sleb, uleb } from './wasm-encode.ts';

/**
 * Tile shape: 4 x 4 is 8 f64x2 accumulators, 2 of B, 1 of A, which V8 keeps in x64's 16 vector registers.
 * Measured per thread (a packed block in cache, as in bench/gemm.ts): 4x4 ~20 GFLOP/s, 2x6 and 3x4 alike,
 * 4x8 ~14 (its 21 live vectors spill), 6x4 ~13, 8x4 ~11. Unrolling the k loop 2 or 4 times was no faster.
 */
export const WASM_MR: number = 4;
export const WASM_NR: number = 4;

const SIMD = 0xfd;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const i32 = (v: number) => [0x41, ...sleb(BigInt(v))];
const [ADD, SUB, MUL, AND, GE_S, GE_U, EQZ, EQ] = [0x6a, 0x6b, 0x6c, 0x71, 0x4e, 0x4f, 0x45, 0x46];
const mem = (align: number, offset: number) => [align, ...uleb(offset)];
const v128Load = (offset: number) => [SIMD, 0x00, ...mem(4, offset)];
const v128Store = (offset: number) => [SIMD, 0x0b, ...mem(4, offset)];
const load64Splat = (offset: number) => [SIMD, 0x0a, ...mem(3, offset)];
const v128Zero = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
const f64x2Add = [SIMD, ...uleb(240)];
const f64x2Sub = [SIMD, ...uleb(241)];
const f64x2Mul = [SIMD, ...uleb(242)];
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], IF = [0x04, 0x40], ELSE = 0x05, END = 0x0b;
const brIf = (depth: number) => [0x0d, depth];
const br = (depth: number) => [0x0c, depth];

// params (all i32, pointers in bytes): kc, column panels, row panels, A, B, C, C's row stride,
// diag (first row minus first column of this block, for the symmetric case), sym (1: skip tiles below the
// diagonal), acc (ACC_* below: overwrite C with the tile, add it to C, or subtract it from C)
const [KC, NRP, MRP, PA0, PB0, PC0, LDC, DIAG, SYM, ACC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
/** What the kernel does with each finished tile (the `acc` param). */
export const ACC_STORE = 0, ACC_ADD = 1, ACC_SUBTRACT = 2;
export type TileUpdate = typeof ACC_STORE | typeof ACC_ADD | typeof ACC_SUBTRACT;
const [JP, IP, P, PA, PB, PC] = [10, 11, 12, 13, 14, 15];
const FIRST_V128 = 16;

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
  // C + tile (C - tile), in that order: the JavaScript kernel's c += tile (c -= tile)
  const update = (op: number[]): number[] => {
    const out: number[] = [];
    for (let r = 0; r < mr; r++) {
      for (let q = 0; q < quarters; q++) out.push(...get(PC), ...get(PC), ...v128Load(16 * q), ...get(acc(r, q)), ...op, ...v128Store(16 * q));
      out.push(...get(PC), ...get(LDC), ADD, ...set(PC));
    }
    return out;
  };
  const store: number[] = [...get(ACC), ...i32(ACC_ADD), EQ, ...IF, ...update(f64x2Add), ELSE, ...get(ACC), ...i32(ACC_SUBTRACT), EQ, ...IF, ...update(f64x2Sub), ELSE];
  for (let r = 0; r < mr; r++) {
    for (let q = 0; q < quarters; q++) store.push(...get(PC), ...get(acc(r, q)), ...v128Store(16 * q));
    store.push(...get(PC), ...get(LDC), ADD, ...set(PC));
  }
  store.push(END, END);
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

export interface WasmGemm {
  readonly mr: number;
  readonly nr: number;
  /** element offsets in `memory` of the packed B panel, the packed A block and a scratch block of C */
  readonly bAt: number;
  readonly aAt: number;
  readonly cAt: number;
  /**
   * The C block at element offset cAt (row stride ldc elements) = (C + | C - | nothing, by `update`) packed A (mrPanels
   * panels of mr rows, k-major) x packed B (nrPanels panels of nr columns, k-major) over kc; whole tiles, so
   * C needs room for the padding. With `sym`, tiles with diag + first row - last column >= 1 are skipped.
   * The packed A is read at element offset packedAAt (default aAt: e.g. inside the B panel, for x.T @ x).
   */
  run(kc: number, nrPanels: number, mrPanels: number, cAt: number, ldc: number, diag: number, sym: boolean, update: TileUpdate, packedAAt?: number): void;
  /** Room for `elements` more float64 after the scratch block (grows the memory); their offset, or -1 if it cannot grow. */
  reserve(elements: number): number;
  /** The module's memory (a new view after `reserve` grew it). */
  readonly memory: Float64Array;
}

/** A macro-kernel for mr x nr tiles over blocks of at most mcMax x kcMax (A) and kcMax x ncMax (B). */
export function buildWasmGemm(mr: number, nr: number, mcMax: number, kcMax: number, ncMax: number): WasmGemm | null {
  if (nr % 2 !== 0) throw new RangeError('buildWasmGemm: nr must be even (f64x2 columns)');
  const mcPad = Math.ceil(mcMax / mr) * mr, ncPad = Math.ceil(ncMax / nr) * nr;
  const bAt = 0, aAt = bAt + kcMax * ncPad, cAt = aAt + kcMax * mcPad, extraAt = cAt + mcPad * ncPad;
  const pages = Math.ceil((extraAt * 8) / 65536);
  const m = instantiate<(...args: number[]) => void>(moduleBytes(new Array<number>(10).fill(I32), body(mr, nr), pages));
  if (!m) return null;
  const wasmMemory = m.memory as { buffer: ArrayBuffer; grow(pages: number): number };
  let memory = new Float64Array(wasmMemory.buffer);
  const fn = m.fn;
  return {
    mr, nr, bAt, aAt, cAt,
    get memory() {
      return memory;
    },
    reserve(elements) {
      const need = Math.ceil(((extraAt + elements) * 8) / 65536) - wasmMemory.buffer.byteLength / 65536;
      if (need > 0) {
        try {
          wasmMemory.grow(need);
        } catch {
          return -1; // past the engine's limit: the caller keeps C outside
        }
        memory = new Float64Array(wasmMemory.buffer);
      }
      return extraAt;
    },
    run: (kc, nrPanels, mrPanels, at, ldc, diag, sym, update, packedAAt = aAt) => fn(kc, nrPanels, mrPanels, packedAAt * 8, bAt * 8, at * 8, ldc * 8, diag, sym ? 1 : 0, update),
  };
}
