// The float64 element-wise kernels in WebAssembly SIMD, two lanes at a time over runs in the module's memory:
// exp/log/sin/cos as elementary.ts computes them (same operations, same order, so the same bits), the exact
// IEEE operations, and Box-Muller normals from Philox words. null where WebAssembly SIMD is unavailable.

import { F64, I32, V128, funcBody, instantiateAll, moduleOf, uleb, type ModuleFunction } from './wasm-encode.ts';
import {
  COS_COEFFS, EXP_COEFFS, EXP_INV_STEP, EXP_LIMIT, EXP_LN2_HI, EXP_LN2_LO, EXP_STEPS, EXP_TABLE_HI, EXP_TABLE_TAIL, LN2_HI, LN2_LO, LOG_COEFFS, MAGIC, MIN_NORMAL, PIO2_1, PIO2_2_WIDE, TRIG_NEAR_AXIS,
  SIN_COEFFS, SIN_TAYLOR, COS_TAYLOR, TRIG_LIMIT, TRIG_TINY, TWO_OVER_PI, TWO_PI, estrinTree, treeDepth, type PolyNode,
} from './elementary.ts';

// ---- a few encoders ----
const S = (op: number): number[] => [0xfd, ...uleb(op)];
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
const tee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32c = (v: number): number[] => [0x41, ...sleb32(v)];
function sleb32(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
export const load = (offset = 0): number[] => [...S(0x00), 3, ...uleb(offset)];
export const store = (offset = 0): number[] => [...S(0x0b), 3, ...uleb(offset)];
// Constants live in locals set once before a kernel's loop: V8 builds a v128.const from immediates each
// time it meets one, which cost more than the arithmetic in the polynomials.
let building: Locals | null = null;
function constant(bytes: Uint8Array): number[] {
  if (!building) return [...S(0x0c), ...bytes];
  return get(building.constant(bytes));
}
export const f64x2 = (a: number): number[] => constant(new Uint8Array(new Float64Array([a, a]).buffer));
const i64x2 = (a: bigint): number[] => constant(new Uint8Array(new BigInt64Array([a, a]).buffer));
const shuffle = (lanes: number[]): number[] => [...S(0x0d), ...lanes];
export const op = {
  eq: S(0x47), ne: S(0x48), lt: S(0x49), gt: S(0x4a), le: S(0x4b), ge: S(0x4c),
  not: S(0x4d), and: S(0x4e), andnot: S(0x4f), or: S(0x50), xor: S(0x51), bitselect: S(0x52), anyTrue: S(0x53),
  ceil: S(0x74), floor: S(0x75), nearest: S(0x94),
  i32shrU: S(0xad),
  i64shl: S(0xcb), i64shrU: S(0xcd), i64add: S(0xce), i64sub: S(0xd1), i64eq: S(0xd6),
  abs: S(0xec), neg: S(0xed), sqrt: S(0xef), add: S(0xf0), sub: S(0xf1), mul: S(0xf2), div: S(0xf3),
  convertLowU: S(0xff), splat: S(0x14),
  i32add: [0x6a], i32mul: [0x6c], i32and: [0x71], i32geU: [0x4f], i32shl: [0x74], i32wrap: [0xa7],
  f64extract: (lane: number) => [...S(0x21), lane], f64replace: (lane: number) => [...S(0x22), lane],
  i64extract: (lane: number) => [...S(0x1d), lane],
};
export const call = (fn: number): number[] => [0x10, ...uleb(fn)];

/** Imported Math functions (indices 0..3) answer the lanes outside a kernel's fast range. */
export const IMPORTS = ['exp', 'log', 'sin', 'cos'] as const;
const IMPORT = { exp: 0, log: 1, sin: 2, cos: 3 };

/** Locals of one function: params first, then v128 scratch allocated by name. */
export class Locals {
  private readonly names = new Map<string, number>();
  /**
   * When set, the kernels OR the lanes they leave to Math.* into this local instead of calling it: a loop with
   * a call in it keeps fewer values in registers, so a caller can run a call-free body and redo the rare
   * vector that has such lanes by the calling form.
   */
  deferredMask: number | null = null;
  /**
   * When set, an i32 local holding the byte address of exp's table (a kernel reading another memory keeps its
   * own copy there); null: the table at EXP_TABLE_AT of the elementary module's memory.
   */
  tableBase: number | null = null;
  /** `before`: the non-v128 locals declared between the params and the first v128 local (`next`) */
  constructor(private readonly params: number, private next = params, private readonly before: Array<[number, number]> = [[1, I32]]) {}
  v(name: string): number {
    let i = this.names.get(name);
    if (i === undefined) {
      i = this.next++;
      this.names.set(name, i);
    }
    return i;
  }
  private readonly constants = new Map<string, number>();
  constant(bytes: Uint8Array): number {
    const key = bytes.join();
    let i = this.constants.get(key);
    if (i === undefined) {
      i = this.next++;
      this.constants.set(key, i);
    }
    return i;
  }
  /** Sets the constant locals (code placed before the loop). */
  prologue(): number[] {
    return [...this.constants].flatMap(([key, i]) => [...S(0x0c), ...key.split(',').map(Number), ...set(i)]);
  }
  declared(): Array<[number, number]> {
    const scalars = this.before.reduce((sum, [count]) => sum + count, 0);
    return [...this.before, [this.next - this.params - scalars, V128]];
  }
}

/** Builds a function body with its constants hoisted into locals. */
export function hoisted(L: Locals, build: () => number[]): number[] {
  building = L;
  try {
    const code = build();
    return funcBody(L.declared(), [...L.prologue(), ...code]);
  } finally {
    building = null;
  }
}

/**
 * The polynomial in z (local) by elementary.ts's Estrin tree, into local `acc`; powers in locals named by `tag`
 * (`havePowers`: up to that power they are already set, by an earlier polynomial in the same z and tag).
 */
function poly(L: Locals, coeffs: readonly number[], z: number, acc: number, tag: string, havePowers = 0): number[] {
  const tree = estrinTree(coeffs);
  const powers = [z];
  const code: number[] = [];
  for (let k = 1; k <= treeDepth(tree); k++) {
    const zk = L.v(`${tag}-z${k}`);
    if (k > havePowers) code.push(...get(powers[k - 1]!), ...get(powers[k - 1]!), ...op.mul, ...set(zk));
    powers.push(zk);
  }
  const emit = (t: PolyNode): number[] => ('c' in t ? f64x2(t.c) : [...emit(t.lo), ...emit(t.hi), ...get(powers[t.power]!), ...op.mul, ...op.add]);
  return [...code, ...emit(tree), ...set(acc)];
}

/** For lanes where `mask` is set, res[lane] = import(x[lane]) (or, with L.deferredMask, only note those lanes). */
function fallback(L: Locals, mask: number, x: number, res: number, fn: number): number[] {
  if (L.deferredMask !== null) return [...get(L.deferredMask), ...get(mask), ...op.or, ...set(L.deferredMask)];
  const lane = (l: number) => [
    ...get(mask), ...op.i64extract(l), ...op.i32wrap, 0x04, 0x40,
    ...get(res), ...get(x), ...op.f64extract(l), ...call(fn), ...op.f64replace(l), ...set(res),
    0x0b,
  ];
  return [...get(mask), ...op.anyTrue, 0x04, 0x40, ...lane(0), ...lane(1), 0x0b];
}

// ---- the kernels on one v128 of x (local x) into local res ----

/** The i64 lane `lane` of local v, times 16, as the byte offset of a 16-byte entry of a table of `size` (a power of two). */
const tableEntry = (v: number, lane: number, size: number): number[] => [
  ...get(v), ...op.i64extract(lane), ...op.i32wrap, ...i32c(size - 1), ...op.i32and, ...i32c(4), ...op.i32shl,
];

/** Loads the table entry at the byte offset on the stack. */
const tableLoad = (L: Locals): number[] => (L.tableBase === null ? load(EXP_TABLE_AT) : [...get(L.tableBase), ...op.i32add, ...load(0)]);

function expCode(L: Locals, x: number, res: number): number[] {
  const [m, r, q, e0, e1, s, mask] = ['m', 'r', 'q', 'e0', 'e1', 's', 'mask'].map((k) => L.v(k)) as number[] as [number, number, number, number, number, number, number];
  const shift = 52 - Math.log2(EXP_STEPS);
  return [
    ...get(x), ...op.abs, ...f64x2(EXP_LIMIT), ...op.le, ...op.not, ...set(mask),
    // m = round(x 128/ln2) by the magic constant; q's low bits are 2^51 + m, so j = m mod 128 and n = m >> 7
    ...get(x), ...f64x2(EXP_INV_STEP), ...op.mul, ...f64x2(MAGIC), ...op.add, ...tee(q),
    ...f64x2(MAGIC), ...op.sub, ...set(m),
    ...get(x), ...get(m), ...f64x2(EXP_LN2_HI), ...op.mul, ...op.sub, ...get(m), ...f64x2(EXP_LN2_LO), ...op.mul, ...op.sub, ...set(r),
    // each lane's entry (bits of hi_j less j << 45, tail_j); the two lanes' entries regrouped by shuffles
    ...tableEntry(q, 0, EXP_STEPS), ...tableLoad(L), ...set(e0),
    ...tableEntry(q, 1, EXP_STEPS), ...tableLoad(L), ...set(e1),
    // s = hi_j 2^n: bits(q) << 45 is (n << 52) + (j << 45) (the magic's bits shift out)
    ...get(q), ...i32c(shift), ...op.i64shl, ...get(e0), ...get(e1), ...shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]), ...op.i64add, ...set(s),
    ...poly(L, EXP_COEFFS, r, res, 'exp'),
    // t = tail + (r + r^2 p); s + s t
    ...get(e0), ...get(e1), ...shuffle([8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31]),
    ...get(r), ...get(L.v('exp-z1')), ...get(res), ...op.mul, ...op.add, ...op.add,
    ...get(s), ...op.mul, ...get(s), ...op.add, ...set(res),
    ...fallback(L, mask, x, res, IMPORT.exp),
  ];
}

function logCode(L: Locals, x: number, res: number, inRange = false): number[] {
  const [e, m, f, s, z, t, big, hfsq, mask] = ['e', 'm', 'f', 's', 'z', 't', 'big', 'hfsq', 'mask'].map((k) => L.v(k)) as number[] as [number, number, number, number, number, number, number, number, number];
  return [
    // not (x >= MIN_NORMAL and x < Infinity)
    ...get(x), ...f64x2(MIN_NORMAL), ...op.ge, ...get(x), ...f64x2(Infinity), ...op.lt, ...op.and, ...op.not, ...set(mask),
    // e = biased exponent - 1023 as a double: bits(MAGIC) + e reinterpreted, minus MAGIC
    ...get(x), ...i32c(52), ...op.i64shrU, ...i64x2(0x7ffn), ...op.and, ...i64x2(BigInt.asIntN(64, new BigInt64Array(new Float64Array([MAGIC]).buffer)[0]!) - 1023n), ...op.i64add,
    ...f64x2(MAGIC), ...op.sub, ...set(e),
    ...get(x), ...i64x2(0xfffffffffffffn), ...op.and, ...i64x2(0x3ff0000000000000n), ...op.or, ...set(m),
    ...get(m), ...f64x2(Math.SQRT2), ...op.gt, ...set(big),
    ...get(m), ...f64x2(0.5), ...op.mul, ...get(m), ...get(big), ...op.bitselect, ...set(m),
    ...get(e), ...f64x2(1), ...get(big), ...op.and, ...op.add, ...set(e),
    ...get(m), ...f64x2(1), ...op.sub, ...set(f),
    ...get(f), ...f64x2(2), ...get(f), ...op.add, ...op.div, ...tee(s), ...get(s), ...op.mul, ...set(z),
    ...poly(L, LOG_COEFFS, z, t, 'log'),
    ...f64x2(0.5), ...get(f), ...op.mul, ...get(f), ...op.mul, ...set(hfsq),
    // e ln2_hi + (f - (hfsq - (s (hfsq + z t) + e ln2_lo)))
    ...get(e), ...f64x2(LN2_HI), ...op.mul,
    ...get(f), ...get(hfsq),
    ...get(s), ...get(hfsq), ...get(z), ...get(t), ...op.mul, ...op.add, ...op.mul,
    ...get(e), ...f64x2(LN2_LO), ...op.mul, ...op.add,
    ...op.sub, ...op.sub, ...op.add, ...set(res),
    ...(inRange ? [] : fallback(L, mask, x, res, IMPORT.log)),
  ];
}

/** Reduction of sin/cos: locals rh, rl, quadrant bits (k & 3 in each i64 lane) and the fallback mask. */
function reduceCode(L: Locals, x: number): number[] {
  const [k, kb, y, w, rh, rl, quad, mask] = ['k', 'kb', 'y', 'w', 'rh', 'rl', 'quad', 'mask'].map((n) => L.v(n)) as number[] as [number, number, number, number, number, number, number, number];
  return [
    ...get(x), ...f64x2(TWO_OVER_PI), ...op.mul, ...f64x2(MAGIC), ...op.add, ...tee(kb), ...f64x2(MAGIC), ...op.sub, ...set(k),
    ...get(kb), ...i64x2(3n), ...op.and, ...set(quad),
    ...get(x), ...get(k), ...f64x2(PIO2_1), ...op.mul, ...op.sub, ...set(y),
    ...get(k), ...f64x2(PIO2_2_WIDE), ...op.mul, ...set(w),
    ...get(y), ...get(w), ...op.sub, ...set(rh),
    ...get(y), ...get(rh), ...op.sub, ...get(w), ...op.sub, ...set(rl),
    // not (|x| <= limit), or (|r| < near-axis and k != 0), or |x| < tiny: where k = 0, r is x exactly and
    // |x| < tiny means k = 0, so the last two are |r| < (k != 0 ? near-axis : tiny)
    ...get(x), ...op.abs, ...f64x2(TRIG_LIMIT), ...op.le, ...op.not,
    ...get(rh), ...op.abs, ...f64x2(TRIG_NEAR_AXIS), ...f64x2(TRIG_TINY), ...get(k), ...f64x2(0), ...op.ne, ...op.bitselect, ...op.lt,
    ...op.or, ...set(mask),
  ];
}

/** sin and cos kernels of (rh, rl) into locals sinv, cosv, with the polynomials of elementary.ts's sin64/cos64 or (`taylor`) its Box-Muller forms. */
function kernelsCode(L: Locals, taylor = false): number[] {
  const [rh, rl, z, p, hz, w, sinv, cosv] = ['rh', 'rl', 'z', 'p', 'hz', 'w', 'sinv', 'cosv'].map((n) => L.v(n)) as number[] as [number, number, number, number, number, number, number, number];
  const [sinCoeffs, cosCoeffs] = taylor ? [SIN_TAYLOR, COS_TAYLOR] : [SIN_COEFFS, COS_COEFFS];
  // the cosine's tree reuses the powers of z the sine's computed
  const shared = Math.min(treeDepth(estrinTree(sinCoeffs)), treeDepth(estrinTree(cosCoeffs)));
  return [
    ...get(rh), ...get(rh), ...op.mul, ...set(z),
    ...poly(L, sinCoeffs, z, p, 'trig'),
    // rh + (rh z p + rl (1 - 0.5 z))
    ...get(rh), ...get(rh), ...get(z), ...op.mul, ...get(p), ...op.mul,
    ...get(rl), ...f64x2(1), ...f64x2(0.5), ...get(z), ...op.mul, ...op.sub, ...op.mul, ...op.add, ...op.add, ...set(sinv),
    ...f64x2(0.5), ...get(z), ...op.mul, ...set(hz),
    ...poly(L, cosCoeffs, z, p, 'trig', shared),
    ...f64x2(1), ...get(hz), ...op.sub, ...set(w),
    // w + ((1 - w - hz) + (z z p - rh rl))
    ...get(w), ...f64x2(1), ...get(w), ...op.sub, ...get(hz), ...op.sub,
    ...get(z), ...get(z), ...op.mul, ...get(p), ...op.mul, ...get(rh), ...get(rl), ...op.mul, ...op.sub, ...op.add, ...op.add, ...set(cosv),
  ];
}

/** Picks sin or cos of the reduced argument by quadrant (plus `shift`: 0 for sin, 1 for cos) into res. */
function quadrantCode(L: Locals, shift: number, res: number): number[] {
  const [quad, sinv, cosv, q] = ['quad', 'sinv', 'cosv', 'q'].map((n) => L.v(n)) as number[] as [number, number, number, number];
  return [
    ...get(quad), ...(shift === 0 ? [] : [...i64x2(BigInt(shift)), ...op.i64add]), ...set(q),
    ...get(cosv), ...get(sinv), ...get(q), ...i64x2(1n), ...op.and, ...i64x2(1n), ...op.i64eq, ...op.bitselect,
    ...get(q), ...i64x2(2n), ...op.and, ...i32c(62), ...op.i64shl, ...op.xor, ...set(res),
  ];
}

function sinCode(L: Locals, x: number, res: number): number[] {
  return [...reduceCode(L, x), ...kernelsCode(L), ...quadrantCode(L, 0, res), ...fallback(L, L.v('mask'), x, res, IMPORT.sin)];
}

function cosCode(L: Locals, x: number, res: number): number[] {
  return [...reduceCode(L, x), ...kernelsCode(L), ...quadrantCode(L, 1, res), ...fallback(L, L.v('mask'), x, res, IMPORT.cos)];
}

// ---- loops over runs: byte offsets, n elements (rounded up to pairs; buffers have room for the odd one) ----

const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, VOID = 0x40;

/** (src, dst, n): dst[i] = f(src[i]). */
function unaryKernel(name: string, body: (L: Locals, x: number, res: number) => number[]): ModuleFunction {
  const [SRC, DST, N, I] = [0, 1, 2, 3];
  const L = new Locals(3, 4);
  const [x, res] = [L.v('x'), L.v('res')];
  const code = () => [
    ...get(N), ...i32c(3), ...op.i32shl, ...set(N),
    BLOCK, VOID, LOOP, VOID,
    ...get(I), ...get(N), ...op.i32geU, 0x0d, 1,
    ...get(SRC), ...get(I), ...op.i32add, ...load(), ...set(x),
    ...body(L, x, res),
    ...get(DST), ...get(I), ...op.i32add, ...get(res), ...store(),
    ...get(I), ...i32c(16), ...op.i32add, ...set(I),
    0x0c, 0, END, END, END,
  ];
  return { name, params: [I32, I32, I32], results: [], body: hoisted(L, code) };
}

/** (a, b, dst, n): dst[i] = a[i] op b[i]. */
function binaryKernel(name: string, body: (a: number, b: number) => number[]): ModuleFunction {
  const [A, B, DST, N, I] = [0, 1, 2, 3, 4];
  const L = new Locals(4, 5);
  const [a, b] = [L.v('a'), L.v('b')];
  const code = () => [
    ...get(N), ...i32c(3), ...op.i32shl, ...set(N),
    BLOCK, VOID, LOOP, VOID,
    ...get(I), ...get(N), ...op.i32geU, 0x0d, 1,
    ...get(A), ...get(I), ...op.i32add, ...load(), ...set(a),
    ...get(B), ...get(I), ...op.i32add, ...load(), ...set(b),
    ...get(DST), ...get(I), ...op.i32add, ...body(a, b), ...store(),
    ...get(I), ...i32c(16), ...op.i32add, ...set(I),
    0x0c, 0, END, END, END,
  ];
  return { name, params: [I32, I32, I32, I32], results: [], body: hoisted(L, code) };
}

const simple = (o: number[]) => (_: Locals, x: number, res: number): number[] => [...get(x), ...o, ...set(res)];
const arith = (o: number[]) => (a: number, b: number): number[] => [...get(a), ...get(b), ...o];
// NumPy's minimum/maximum as the JavaScript path computes them: NaN if either is NaN, else a < b ? a : b
function minmax(lt: boolean) {
  return (a: number, b: number): number[] => [
    // (a != a | b != b) ? NaN : (a < b ? a : b)
    ...f64x2(NaN),
    ...get(a), ...get(b), ...get(a), ...get(b), ...(lt ? op.lt : op.gt), ...op.bitselect,
    ...get(a), ...get(a), ...op.ne, ...get(b), ...get(b), ...op.ne, ...op.or,
    ...op.bitselect,
  ];
}

/**
 * Box-Muller normals from Philox words: (words, dst, blocks, loc, scale). Block k's words (a0 a1 a2 a3)
 * give u1 = uniform53(a0, a1), u2 = uniform53(a2, a3); r = scale sqrt(-2 log(1 - u1)), t = 2 pi u2;
 * dst[2k] = loc + r cos t, dst[2k + 1] = loc + r sin t. Two blocks per step (blocks rounded up to even).
 */
function normalKernel(): ModuleFunction {
  const [W, DST, NB, LOC, SCALE, I] = [0, 1, 2, 3, 4, 5];
  const L = new Locals(5, 6);
  const [va, vb, u1, u2, x, lg, r, t, cs, sn, locv, scalev] = ['va', 'vb', 'u1', 'u2', 'x1', 'lg', 'r0', 't0', 'cs', 'sn', 'locv', 'scalev'].map((n) => L.v(n)) as number[] as [number, number, number, number, number, number, number, number, number, number, number, number];
  // lanes of two blocks A = (a0 a1 a2 a3), B = (b0 b1 b2 b3) as i32x4; byte shuffles gather word pairs
  const words = (wa: number, wb: number) => [...[0, 1, 2, 3].map((j) => 4 * wa + j), ...[0, 1, 2, 3].map((j) => 16 + 4 * wb + j), ...new Array(8).fill(0)];
  const uniform = (w0: number, w1: number, out: number) => [
    ...get(va), ...get(vb), ...shuffle(words(w0, w0)), ...i32c(5), ...op.i32shrU, ...op.convertLowU, ...f64x2(67108864), ...op.mul,
    ...get(va), ...get(vb), ...shuffle(words(w1, w1)), ...i32c(6), ...op.i32shrU, ...op.convertLowU, ...op.add,
    ...f64x2(1.1102230246251565e-16), ...op.mul, ...set(out),
  ];
  const code = () => [
    ...get(LOC), ...S(0x14), ...set(locv), ...get(SCALE), ...S(0x14), ...set(scalev),
    ...get(NB), ...i32c(4), ...op.i32shl, ...set(NB),
    BLOCK, VOID, LOOP, VOID,
    ...get(I), ...get(NB), ...op.i32geU, 0x0d, 1,
    ...get(W), ...get(I), ...op.i32add, ...load(0), ...set(va),
    ...get(W), ...get(I), ...op.i32add, ...load(16), ...set(vb),
    ...uniform(0, 1, u1), ...uniform(2, 3, u2),
    ...f64x2(1), ...get(u1), ...op.sub, ...set(x),
    // 1 - u1 is in [2^-53, 1]: always log's fast range
    ...logCode(L, x, lg, true),
    ...get(scalev), ...f64x2(-2), ...get(lg), ...op.mul, ...op.sqrt, ...op.mul, ...set(r),
    // cos/sin(2 pi u2) as elementary.ts's cos2pi/sin2pi: u2 = k/4 + f exactly, r = 2 pi f, quadrant k & 3
    ...get(u2), ...f64x2(4), ...op.mul, ...f64x2(MAGIC), ...op.add, ...tee(t), ...i64x2(3n), ...op.and, ...set(L.v('quad')),
    ...f64x2(TWO_PI), ...get(u2), ...get(t), ...f64x2(MAGIC), ...op.sub, ...f64x2(0.25), ...op.mul, ...op.sub, ...op.mul, ...set(L.v('rh')),
    ...f64x2(0), ...set(L.v('rl')),
    ...kernelsCode(L, true),
    ...quadrantCode(L, 1, cs),
    ...quadrantCode(L, 0, sn),
    ...get(locv), ...get(r), ...get(cs), ...op.mul, ...op.add, ...set(cs),
    ...get(locv), ...get(r), ...get(sn), ...op.mul, ...op.add, ...set(sn),
    // dst: A's (cos, sin), then B's: (cs.0, sn.0), (cs.1, sn.1)
    ...get(DST), ...get(I), ...op.i32add, ...get(cs), ...get(sn), ...shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]), ...store(0),
    ...get(DST), ...get(I), ...op.i32add, ...get(cs), ...get(sn), ...shuffle([8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31]), ...store(16),
    ...get(I), ...i32c(32), ...op.i32add, ...set(I),
    0x0c, 0, END, END, END,
  ];
  return { name: 'normal', params: [I32, I32, I32, F64, F64], results: [], body: hoisted(L, code) };
}

export const WASM_UNARY = ['exp', 'log', 'sin', 'cos', 'neg', 'abs', 'sqrt', 'floor', 'ceil'] as const;
export const WASM_BINARY = ['add', 'sub', 'mul', 'div', 'minimum', 'maximum'] as const;
export type WasmUnary = (typeof WASM_UNARY)[number];
export type WasmBinary = (typeof WASM_BINARY)[number];

/** Elements per slot of the scratch memory, and the slots the element-wise evaluator may use. */
export const SLOT = 1024;
export const SLOTS = 48;
/** Philox words and normal outputs for the random kernels, after the slots (bytes). */
export const NORMAL_BLOCKS = 4096;
export const WORDS_AT = SLOT * SLOTS * 8;
export const NORMALS_AT = WORDS_AT + NORMAL_BLOCKS * 16;
/** Accumulators of the fused reductions (fused-reduce.ts): four f64 pairs, after the normals and their slack. */
export const FUSED_ACC_AT = NORMALS_AT + NORMAL_BLOCKS * 16 + 64;
/** exp's table (elementary.ts): per j, the bits of 2^(j/128)'s hi less j << 45, then its tail; written once at start. */
export const EXP_TABLE_AT = FUSED_ACC_AT + 64;
const BYTES = EXP_TABLE_AT + EXP_STEPS * 16;
export const MEMORY_PAGES = Math.ceil(BYTES / 65536);

export interface ElementaryWasm {
  /** the WebAssembly.Memory, which generated modules (fused-reduce.ts) import to share the slots */
  readonly memoryObject: object;
  readonly memory: Float64Array;
  readonly words: Uint32Array;
  readonly unary: Record<WasmUnary, (src: number, dst: number, n: number) => void>;
  readonly binary: Record<WasmBinary, (a: number, b: number, dst: number, n: number) => void>;
  /** Box-Muller over `blocks` blocks of words at WORDS_AT into NORMALS_AT (byte offsets). */
  normal(blocks: number, loc: number, scale: number): void;
}

let disabled = false;
/** Tests compare both paths: true makes callers use the JavaScript forms. */
export function setElementaryWasmDisabled(off: boolean): boolean {
  const was = disabled;
  disabled = off;
  return was;
}
export const elementaryWasmEnabled = (): boolean => !disabled && elementaryWasm() !== null;

/** Code for one v128 of each operation (x in a local into local res; a, b locals leaving the value on the stack): the kernels here and the fused reductions (fused-reduce.ts) share them. */
export const unaryBodies: Record<WasmUnary, (L: Locals, x: number, res: number) => number[]> = {
  exp: expCode, log: logCode, sin: sinCode, cos: cosCode,
  neg: simple(op.neg), abs: simple(op.abs), sqrt: simple(op.sqrt), floor: simple(op.floor), ceil: simple(op.ceil),
};
export const binaryBodies: Record<WasmBinary, (a: number, b: number) => number[]> = {
  add: arith(op.add), sub: arith(op.sub), mul: arith(op.mul), div: arith(op.div), minimum: minmax(true), maximum: minmax(false),
};

let compiled: ElementaryWasm | null | undefined;

/**
 * The kernels, compiled on first use, or null where WebAssembly SIMD is unavailable. Building and compiling
 * them costs tens of ms, which every worker and every importing process paid at load, used or not.
 */
export function elementaryWasm(): ElementaryWasm | null {
  if (compiled === undefined) compiled = compileElementaryWasm();
  return compiled;
}

function compileElementaryWasm(): ElementaryWasm | null {
  const functions = [
    ...WASM_UNARY.map((n) => unaryKernel(n, unaryBodies[n])),
    ...WASM_BINARY.map((n) => binaryKernel(n, binaryBodies[n])),
    normalKernel(),
  ];
  const bytes = moduleOf(functions, MEMORY_PAGES, IMPORTS);
  const e = instantiateAll(bytes, { m: { exp: Math.exp, log: Math.log, sin: Math.sin, cos: Math.cos } });
  if (!e) return null;
  const buffer = (e.memory as { buffer: ArrayBuffer }).buffer;
  const table = new BigInt64Array(buffer, EXP_TABLE_AT, EXP_STEPS * 2);
  const hiBits = new BigInt64Array(EXP_TABLE_HI.buffer, EXP_TABLE_HI.byteOffset, EXP_STEPS);
  const tailBits = new BigInt64Array(EXP_TABLE_TAIL.buffer, EXP_TABLE_TAIL.byteOffset, EXP_STEPS);
  const shift = BigInt(52 - Math.log2(EXP_STEPS));
  for (let j = 0; j < EXP_STEPS; j++) {
    table[2 * j] = hiBits[j]! - (BigInt(j) << shift);
    table[2 * j + 1] = tailBits[j]!;
  }
  const pick = <K extends string, F>(names: readonly K[]) => Object.fromEntries(names.map((n) => [n, e[n] as F])) as Record<K, F>;
  const normal = e.normal as (w: number, d: number, n: number, loc: number, scale: number) => void;
  return {
    memoryObject: e.memory as object,
    memory: new Float64Array(buffer),
    words: new Uint32Array(buffer, WORDS_AT, NORMAL_BLOCKS * 4),
    unary: pick(WASM_UNARY),
    binary: pick(WASM_BINARY),
    normal: (blocks, loc, scale) => normal(WORDS_AT, NORMALS_AT, blocks, loc, scale),
  };
}
