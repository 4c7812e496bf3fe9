// Philox4x32 blocks in WebAssembly: its i64.mul gives the 32x32 -> 64-bit products a round needs in one
// instruction, where JavaScript builds each high word from double products. Same bits as philox.ts.

/** Blocks one call writes at most (its memory is one 64 KiB page, 16 bytes a block). */
export const WASM_MAX_BLOCKS = 4096;

import { I32, I64, V128, funcBody, instantiateAll, moduleOf, sleb, uleb } from '../kernels/array/wasm-encode.ts';

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

// ---- four blocks at a time in SIMD: lane j of x0..x3 is block j's word; extmul gives the 64-bit products ----

const simd = (o: number): number[] => [0xfd, ...uleb(o)];
const shuffle = (words: number[]): number[] => [...simd(0x0d), ...words.flatMap((w) => [4 * w, 4 * w + 1, 4 * w + 2, 4 * w + 3])];
const v = {
  splat: simd(0x11), add: simd(0xae), xor: simd(0x51),
  mulLo: simd(0xde), mulHi: simd(0xdf), // i64x2.extmul_low/high_i32x4_u
  store: (offset: number) => [...simd(0x0b), 2, ...uleb(offset)],
};

function simdBody(): number[] {
  // params as the scalar kernel; locals: i r (i32), then v128s
  const [I, RR] = [8, 9];
  const [V0, V1, V2, V3, VK0, VK1, CTR, M0v, M1v, W0v, W1v, PL, PH, QL, QH, N0, T0, T1, T2, T3] = Array.from({ length: 20 }, (_, i) => 10 + i);
  const round = [
    ...get(V0), ...get(M0v), ...v.mulLo, ...set(PL), ...get(V0), ...get(M0v), ...v.mulHi, ...set(PH),
    ...get(V2), ...get(M1v), ...v.mulLo, ...set(QL), ...get(V2), ...get(M1v), ...v.mulHi, ...set(QH),
    // x0 = hi(q) ^ x1 ^ key0; x2 = hi(p) ^ x3 ^ key1; x1 = lo(q); x3 = lo(p)
    ...get(QL), ...get(QH), ...shuffle([1, 3, 5, 7]), ...get(V1), ...v.xor, ...get(VK0), ...v.xor, ...set(N0),
    ...get(PL), ...get(PH), ...shuffle([1, 3, 5, 7]), ...get(V3), ...v.xor, ...get(VK1), ...v.xor, ...set(V2),
    ...get(QL), ...get(QH), ...shuffle([0, 2, 4, 6]), ...set(V1),
    ...get(PL), ...get(PH), ...shuffle([0, 2, 4, 6]), ...set(V3),
    ...get(N0), ...set(V0),
    ...get(VK0), ...get(W0v), ...v.add, ...set(VK0),
    ...get(VK1), ...get(W1v), ...v.add, ...set(VK1),
    ...get(RR), ...i32c(1), op.i32Add, ...set(RR),
  ];
  const splat = (x: number[], into: number) => [...x, ...v.splat, ...set(into)];
  const code = [
    ...splat(i32c(0xd2511f53), M0v), ...splat(i32c(0xcd9e8d57), M1v), ...splat(i32c(0x9e3779b9), W0v), ...splat(i32c(0xbb67ae85), W1v),
    // counters c0 + 0..3
    ...get(C0), ...v.splat, 0xfd, 0x0c, ...[0, 1, 2, 3].flatMap((j) => [j, 0, 0, 0]), ...v.add, ...set(CTR),
    ...get(COUNT), ...i32c(4), op.i32Shl, ...set(COUNT),
    op.block, op.void, op.loop, op.void,
    ...get(I), ...get(COUNT), op.i32GeU, op.brIf, 1,
    ...get(CTR), ...set(V0), ...splat(get(C1), V1), ...splat(get(C2), V2), ...splat(get(C3), V3),
    ...splat(get(K0), VK0), ...splat(get(K1), VK1), ...i32c(0), ...set(RR),
    op.loop, op.void, ...round, ...get(RR), ...get(ROUNDS), op.i32LtU, op.brIf, 0, op.end,
    // 4x4 transpose: block j = (x0[j], x1[j], x2[j], x3[j])
    ...get(V0), ...get(V1), ...shuffle([0, 4, 1, 5]), ...set(T0),
    ...get(V2), ...get(V3), ...shuffle([0, 4, 1, 5]), ...set(T1),
    ...get(V0), ...get(V1), ...shuffle([2, 6, 3, 7]), ...set(T2),
    ...get(V2), ...get(V3), ...shuffle([2, 6, 3, 7]), ...set(T3),
    ...get(I), ...get(T0), ...get(T1), ...shuffle([0, 1, 4, 5]), ...v.store(0),
    ...get(I), ...get(T0), ...get(T1), ...shuffle([2, 3, 6, 7]), ...v.store(16),
    ...get(I), ...get(T2), ...get(T3), ...shuffle([0, 1, 4, 5]), ...v.store(32),
    ...get(I), ...get(T2), ...get(T3), ...shuffle([2, 3, 6, 7]), ...v.store(48),
    ...get(CTR), ...i32c(4), ...v.splat, ...v.add, ...set(CTR),
    ...get(I), ...i32c(64), op.i32Add, ...set(I),
    op.br, 0,
    op.end, op.end,
    op.end,
  ];
  return funcBody([[2, I32], [20, V128]], code);
}

/** Where the uniform kernel writes its doubles (bytes): after the words, 16 bytes a block as they take. */
const UNIFORMS_AT = 16 * WASM_MAX_BLOCKS;
const F64 = 0x7c;

/**
 * (blocks, low, span): uniforms from the words the last call left at byte 0, into UNIFORMS_AT. Element 2k
 * is low + span * uniform53(w0, w1) of block k, element 2k + 1 the same of (w2, w3): the top 27 and 26
 * bits, exact conversions and the power-of-two scale, then one multiply and one add, as stream.ts computes
 * them in JavaScript (the same two roundings, so the same bits). Two blocks per step (blocks rounded up
 * to even; the memory has room).
 */
function uniformBody(): number[] {
  const [NB, LOW, SPAN, I, VA, VB, A, B, LOWV, SPANV] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const f64 = { splat: simd(0x14), add: simd(0xf0), mul: simd(0xf2), fromLowU32: simd(0xff) };
  const load = (offset: number) => [...simd(0x00), 4, ...uleb(offset)];
  const shrU = simd(0xad);
  const f64c = (x: number) => [...simd(0x0c), ...new Uint8Array(new Float64Array([x, x]).buffer)];
  // two elements from lanes 0, 1 (upper: lanes 2, 3) of A and B: low + span * ((a * 2^26 + b) * 2^-53)
  const lanes = (x: number, upper: boolean) => [...get(x), ...(upper ? [...get(x), ...shuffle([2, 3, 2, 3])] : [])];
  const pair = (upper: boolean) => [
    ...lanes(A, upper), ...f64.fromLowU32, ...f64c(67108864), ...f64.mul,
    ...lanes(B, upper), ...f64.fromLowU32, ...f64.add, ...f64c(1.1102230246251565e-16), ...f64.mul,
    ...get(SPANV), ...f64.mul, ...get(LOWV), ...f64.add,
  ];
  const code = [
    ...get(LOW), ...f64.splat, ...set(LOWV), ...get(SPAN), ...f64.splat, ...set(SPANV),
    ...get(NB), ...i32c(4), op.i32Shl, ...set(NB),
    op.block, op.void, op.loop, op.void,
    ...get(I), ...get(NB), op.i32GeU, op.brIf, 1,
    ...get(I), ...load(0), ...set(VA), ...get(I), ...load(16), ...set(VB),
    // elements in order: block A's (w0, w1), A's (w2, w3), B's (w0, w1), B's (w2, w3)
    ...get(VA), ...get(VB), ...shuffle([0, 2, 4, 6]), ...i32c(5), ...shrU, ...set(A),
    ...get(VA), ...get(VB), ...shuffle([1, 3, 5, 7]), ...i32c(6), ...shrU, ...set(B),
    ...get(I), ...pair(false), ...v.store(UNIFORMS_AT),
    ...get(I), ...pair(true), ...v.store(UNIFORMS_AT + 16),
    ...get(I), ...i32c(32), op.i32Add, ...set(I),
    op.br, 0,
    op.end, op.end,
    op.end,
  ];
  return funcBody([[1, I32], [6, V128]], code);
}

export interface WasmPhilox {
  blocks(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, count: number, rounds: number): void;
  /**
   * The same blocks four at a time (SIMD); the caller keeps c0 + count from passing 2^32 (no carry into
   * c1 here) and reads only `count` blocks, though up to 3 more are written. null without WebAssembly SIMD.
   */
  readonly blocks4: WasmPhilox['blocks'] | null;
  /** the words the last call wrote: 4 per block */
  readonly words: Uint32Array;
  /**
   * Uniforms on [low, low + span) from the first `blocks` blocks of `words` into `uniformsOut` (2 per block;
   * up to one more block written). null without WebAssembly SIMD.
   */
  readonly uniforms: ((blocks: number, low: number, span: number) => void) | null;
  readonly uniformsOut: Float64Array;
}

const PARAMS = Array.from({ length: 8 }, () => I32);

let compiled: WasmPhilox | null | undefined;

/**
 * The kernels, compiled on first use (not at load: a process or worker that draws no random numbers never
 * pays for them), or null where WebAssembly is unavailable (the JavaScript rounds are used then).
 */
export function wasmPhilox(): WasmPhilox | null {
  if (compiled === undefined) compiled = compileWasmPhilox();
  return compiled;
}

function compileWasmPhilox(): WasmPhilox | null {
  const scalar = { name: 'fn', params: PARAMS, results: [], body: body() };
  // words in the first page, uniforms in the second
  const both = instantiateAll(moduleOf([
    scalar,
    { name: 'simd', params: PARAMS, results: [], body: simdBody() },
    { name: 'uniform', params: [I32, F64, F64], results: [], body: uniformBody() },
  ], 2));
  const e = both ?? instantiateAll(moduleOf([scalar], 2));
  if (!e) return null;
  const buffer = (e.memory as { buffer: ArrayBuffer }).buffer;
  const words = new Uint32Array(buffer, 0, 4 * WASM_MAX_BLOCKS);
  return {
    blocks: e.fn as WasmPhilox['blocks'],
    blocks4: both ? (e.simd as WasmPhilox['blocks']) : null,
    words,
    uniforms: both ? (e.uniform as (blocks: number, low: number, span: number) => void) : null,
    uniformsOut: new Float64Array(buffer, UNIFORMS_AT, 2 * WASM_MAX_BLOCKS),
  };
}
