// The gemm micro-kernel in WebAssembly SIMD: a 4x8 tile of C kept in sixteen f64x2 registers over packed
// panels in the module's memory. Same products, same order and no fused multiply-add, so its results are
// bit-identical to the JavaScript kernel in gemm.ts; null where WebAssembly SIMD is unavailable.

import { F64, I32, V128, funcBody, instantiate, moduleBytes, uleb } from './wasm-encode.ts';

/** Packed B (KC x NC), packed A (MC x KC) and one 4x4 tile live at these element offsets of the memory. */
export const B_AT = 0;
export const B_LEN = 256 * 2048;
export const A_AT = B_LEN;
export const A_LEN = 128 * 256;
export const TILE_AT = A_AT + A_LEN;

const SIMD = 0xfd;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const mem = (align: number, offset: number) => [align, ...uleb(offset)];
const v128Load = (offset: number) => [SIMD, 0x00, ...mem(4, offset)];
const v128Store = (offset: number) => [SIMD, 0x0b, ...mem(4, offset)];
const f64Load = (offset: number) => [0x2b, ...mem(3, offset)];
const f64x2Splat = [SIMD, 0x14];
const f64x2Add = [SIMD, ...uleb(240)];
const f64x2Mul = [SIMD, ...uleb(242)];
const i32Const = (v: number) => [0x41, ...uleb(v)]; // small non-negative values only

// A 4x8 tile: two adjacent 4-column panels of B (b1, b2) against one panel of A, sixteen accumulators
// (row r, quarter q: columns 2q, 2q+1). params kc, a, b1, b2, out (byte offsets); locals p, c.., b.., a.
const [KC, PA, PB1, PB2, OUT, P] = [0, 1, 2, 3, 4, 5];
const C = (row: number, q: number) => 6 + 4 * row + q;
const BV = (q: number) => 22 + q;
const AV = 26;

function body(): number[] {
  const rows: number[] = [];
  for (let r = 0; r < 4; r++) {
    rows.push(...get(PA), ...f64Load(8 * r), ...f64x2Splat, ...set(AV));
    for (let q = 0; q < 4; q++) rows.push(...get(C(r, q)), ...get(AV), ...get(BV(q)), ...f64x2Mul, ...f64x2Add, ...set(C(r, q)));
  }
  const code = [
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...get(P), ...get(KC), 0x4f /* i32.ge_u */, 0x0d, 1,
    ...get(PB1), ...v128Load(0), ...set(BV(0)),
    ...get(PB1), ...v128Load(16), ...set(BV(1)),
    ...get(PB2), ...v128Load(0), ...set(BV(2)),
    ...get(PB2), ...v128Load(16), ...set(BV(3)),
    ...rows,
    ...get(PA), ...i32Const(32), 0x6a, ...set(PA),
    ...get(PB1), ...i32Const(32), 0x6a, ...set(PB1),
    ...get(PB2), ...i32Const(32), 0x6a, ...set(PB2),
    ...get(P), ...i32Const(1), 0x6a, ...set(P),
    0x0c, 0, // br loop
    0x0b, 0x0b,
  ];
  // the tile row-major, 8 wide
  for (let r = 0; r < 4; r++) for (let q = 0; q < 4; q++) code.push(...get(OUT), ...get(C(r, q)), ...v128Store(64 * r + 16 * q));
  code.push(0x0b);
  return funcBody([[1, I32], [21, V128]], code);
}
void F64;

export interface WasmGemm {
  /** the 4x8 tile at TILE_AT (row-major) = Apanel * [Bpanel1 Bpanel2], offsets in elements of `memory` */
  kernel(kc: number, aAt: number, b1At: number, b2At: number): void;
  readonly memory: Float64Array;
}

const pages = Math.ceil(((TILE_AT + 32) * 8) / 65536);

export const wasmGemm: WasmGemm | null = (() => {
  const m = instantiate<(kc: number, a: number, b1: number, b2: number, out: number) => void>(moduleBytes([I32, I32, I32, I32, I32], body(), pages));
  if (!m) return null;
  const memory = new Float64Array(m.memory.buffer);
  const fn = m.fn;
  return { memory, kernel: (kc, aAt, b1At, b2At) => fn(kc, aAt * 8, b1At * 8, b2At * 8, TILE_AT * 8) };
})();
