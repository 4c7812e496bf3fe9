// The gemm micro-kernel in WebAssembly SIMD: a 4x4 tile of C kept in eight f64x2 registers over packed
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

// params kc, a, b, out (byte offsets); locals p; c00 c01 c10 c11 c20 c21 c30 c31; b01 b23 a
const [KC, PA, PB, OUT, P] = [0, 1, 2, 3, 4];
const C = (row: number, half: number) => 5 + 2 * row + half;
const [B01, B23, AV] = [13, 14, 15];

function body(): number[] {
  const rows: number[] = [];
  for (let r = 0; r < 4; r++) {
    rows.push(...get(PA), ...f64Load(8 * r), ...f64x2Splat, ...set(AV));
    for (let h = 0; h < 2; h++) rows.push(...get(C(r, h)), ...get(AV), ...get(h === 0 ? B01 : B23), ...f64x2Mul, ...f64x2Add, ...set(C(r, h)));
  }
  const code = [
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...get(P), ...get(KC), 0x4f /* i32.ge_u */, 0x0d, 1,
    ...get(PB), ...v128Load(0), ...set(B01),
    ...get(PB), ...v128Load(16), ...set(B23),
    ...rows,
    ...get(PA), ...i32Const(32), 0x6a, ...set(PA),
    ...get(PB), ...i32Const(32), 0x6a, ...set(PB),
    ...get(P), ...i32Const(1), 0x6a, ...set(P),
    0x0c, 0, // br loop
    0x0b, 0x0b,
  ];
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) code.push(...get(OUT), ...get(C(r, h)), ...v128Store(32 * r + 16 * h));
  code.push(0x0b);
  return funcBody([[1, I32], [11, V128]], code);
}
void F64;

export interface WasmGemm {
  /** tile = Apanel(kc) * Bpanel(kc), offsets in elements of `memory` */
  kernel(kc: number, aAt: number, bAt: number): void;
  readonly memory: Float64Array;
}

const pages = Math.ceil(((TILE_AT + 16) * 8) / 65536);

export const wasmGemm: WasmGemm | null = (() => {
  const m = instantiate<(kc: number, a: number, b: number, out: number) => void>(moduleBytes([I32, I32, I32, I32], body(), pages));
  if (!m) return null;
  const memory = new Float64Array(m.memory.buffer);
  const fn = m.fn;
  return { memory, kernel: (kc, aAt, bAt) => fn(kc, aAt * 8, bAt * 8, TILE_AT * 8) };
})();
