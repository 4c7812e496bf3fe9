// Philox4x32 blocks in WebAssembly: its i64.mul gives the 32x32 -> 64-bit products a round needs in one
// instruction, where JavaScript builds each high word from double products. Same bits as philox.ts.

/** Blocks one call writes at most (its memory is one 64 KiB page, 16 bytes a block). */
export const WASM_MAX_BLOCKS = 4096;

import { I32, I64, funcBody, instantiate, moduleBytes, sleb } from '../kernels/array/wasm-encode.ts';

const op = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, void: 0x40,
  get: 0x20, set: 0x21,
  i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32GeU: 0x4f, i32LtU: 0x49,
  i32Add: 0x6a, i32Xor: 0x73, i32Shl: 0x74,
  i64Mul: 0x7e, i64ShrU: 0x88, i32WrapI64: 0xa7, i64ExtendI32U: 0xad,
  i32Store: 0x36,
};

const i32c = (v: number): number[] => [op.i32Const, ...sleb(BigInt(v | 0))];
const i64c = (v: number): number[] => [op.i64Const, ...sleb(BigInt(v))];

// params: c0 c1 c2 c3 k0 k1 count rounds; locals: x0..x3 key0 key1 r b (i32), p q (i64)
const [C0, C1, C2, C3, K0, K1, COUNT, ROUNDS, X0, X1, X2, X3, KEY0, KEY1, R, B, P, Q] = Array.from({ length: 18 }, (_, i) => i);
const get = (i: number) => [op.get, i];
const set = (i: number) => [op.set, i];
const store = (offset: number) => [op.i32Store, 2, offset];

function body(): number[] {
  const round = [
    ...get(X0), op.i64ExtendI32U, ...i64c(0xd2511f53), op.i64Mul, ...set(P),
    ...get(X2), op.i64ExtendI32U, ...i64c(0xcd9e8d57), op.i64Mul, ...set(Q),
    // x0 = hi(q) ^ x1 ^ key0; x2 = hi(p) ^ x3 ^ key1; x1 = lo(q); x3 = lo(p)
    ...get(Q), ...i64c(32), op.i64ShrU, op.i32WrapI64, ...get(X1), op.i32Xor, ...get(KEY0), op.i32Xor, ...set(X0),
    ...get(P), ...i64c(32), op.i64ShrU, op.i32WrapI64, ...get(X3), op.i32Xor, ...get(KEY1), op.i32Xor, ...set(X2),
    ...get(Q), op.i32WrapI64, ...set(X1),
    ...get(P), op.i32WrapI64, ...set(X3),
    ...get(KEY0), ...i32c(0x9e3779b9), op.i32Add, ...set(KEY0),
    ...get(KEY1), ...i32c(0xbb67ae85), op.i32Add, ...set(KEY1),
    ...get(R), ...i32c(1), op.i32Add, ...set(R),
  ];
  const code = [
    op.block, op.void,
    op.loop, op.void,
    ...get(B), ...get(COUNT), op.i32GeU, op.brIf, 1,
    ...get(C0), ...set(X0), ...get(C1), ...set(X1), ...get(C2), ...set(X2), ...get(C3), ...set(X3),
    ...get(K0), ...set(KEY0), ...get(K1), ...set(KEY1), ...i32c(0), ...set(R),
    // at least one round, as the JS loop runs `rounds` times (rounds >= 1 is checked by the caller)
    op.loop, op.void, ...round, ...get(R), ...get(ROUNDS), op.i32LtU, op.brIf, 0, op.end,
    ...get(B), ...i32c(4), op.i32Shl, ...get(X0), ...store(0),
    ...get(B), ...i32c(4), op.i32Shl, ...get(X1), ...store(4),
    ...get(B), ...i32c(4), op.i32Shl, ...get(X2), ...store(8),
    ...get(B), ...i32c(4), op.i32Shl, ...get(X3), ...store(12),
    // the 96-bit counter (c0, c1, c2) steps by one
    ...get(C0), ...i32c(1), op.i32Add, ...set(C0),
    ...get(C0), op.i32Eqz, op.if, op.void,
    ...get(C1), ...i32c(1), op.i32Add, ...set(C1),
    ...get(C1), op.i32Eqz, op.if, op.void, ...get(C2), ...i32c(1), op.i32Add, ...set(C2), op.end,
    op.end,
    ...get(B), ...i32c(1), op.i32Add, ...set(B),
    op.br, 0,
    op.end,
    op.end,
    op.end, // function
  ];
  return funcBody([[8, I32], [2, I64]], code);
}

export interface WasmPhilox {
  blocks(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, count: number, rounds: number): void;
  /** the words the last call wrote: 4 per block */
  readonly words: Uint32Array;
}

/** The compiled kernel, or null where WebAssembly is unavailable (the JavaScript rounds are used then). */
export const wasmPhilox: WasmPhilox | null = (() => {
  const m = instantiate<WasmPhilox['blocks']>(moduleBytes(Array.from({ length: 8 }, () => I32), body(), 1));
  return m && { blocks: m.fn, words: new Uint32Array(m.memory.buffer, 0, 4 * WASM_MAX_BLOCKS) };
})();
