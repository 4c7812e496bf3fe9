// Cache-blocked matrix multiply (the GotoBLAS layout): B is packed into kc x nc panels of NR columns,
// A into mc x kc panels of MR rows, and a 4x4 register-blocked kernel (WebAssembly SIMD, or its JavaScript
// twin) runs over the packed panels. Strided inputs (transposed views) are read once while packing, so
// x.T @ x needs no transposed copy; syrk computes only the upper triangle of x.T @ x and mirrors it.

import { allocate } from './dtypes.ts';
import { view, type Strided } from './strided.ts';
import { ACC_ADD, ACC_STORE, ACC_SUBTRACT, buildWasmGemm, WASM_MR, WASM_NR } from './gemm-wasm.ts';

const MR = 4;
const NR = 4;
// 512 rather than 256: a product summed in the module's memory is read and written once per kc step, and
// case (b)'s 2000-row Gram partials took ~5% less CPU (22 ms of ~410, paired runs); 768 was no better.
// The A block (MC x KC, 512 KiB) still fits a 1 MiB L2.
const KC = 512;
const MC = 128;
const NC = 2048;

// the WebAssembly kernel packs panels exactly as the JavaScript one, so both share packA / packB. Built on
// first use rather than at load (it and its ~11 MB memory): most processes and workers never multiply matrices.
let built: ReturnType<typeof buildWasmGemm> | undefined;
function wasmGemm(): ReturnType<typeof buildWasmGemm> {
  if (built === undefined) built = WASM_MR === MR && WASM_NR === NR ? buildWasmGemm(MR, NR, MC, KC, NC) : null;
  return built;
}

export class ShapeMismatchError extends RangeError {
  override name = 'ShapeMismatchError';
}

/** Packs rows [i0, i0 + mc) x cols [p0, p0 + kc) of A into MR-row panels, k-major, zero-padded. */
function packA(a: Strided, i0: number, mc: number, p0: number, kc: number, out: Float64Array): void {
  const d = a.data as ArrayLike<number | bigint>;
  const big = a.data instanceof BigInt64Array;
  const [rs, cs] = a.stride as [number, number];
  let at = 0;
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = Math.min(MR, mc - ip);
    for (let p = 0; p < kc; p++) {
      const base = a.offset + (p0 + p) * cs + (i0 + ip) * rs;
      for (let r = 0; r < MR; r++) out[at++] = r < rows ? (big ? Number(d[base + r * rs]!) : (d[base + r * rs] as number)) : 0;
    }
  }
}

/** Packs rows [p0, p0 + kc) x cols [j0, j0 + nc) of B into NR-column panels, k-major, zero-padded. */
function packB(b: Strided, p0: number, kc: number, j0: number, nc: number, out: Float64Array): void {
  const d = b.data as ArrayLike<number | bigint>;
  const big = b.data instanceof BigInt64Array;
  const [rs, cs] = b.stride as [number, number];
  let at = 0;
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = Math.min(NR, nc - jp);
    for (let p = 0; p < kc; p++) {
      const base = b.offset + (p0 + p) * rs + (j0 + jp) * cs;
      for (let c = 0; c < NR; c++) out[at++] = c < cols ? (big ? Number(d[base + c * cs]!) : (d[base + c * cs] as number)) : 0;
    }
  }
}

/** C[i0.., j0..] += sign * (Apanel * Bpanel) for one MR x NR tile (only `rows` x `cols` of it are real). */
function microKernel(kc: number, ap: Float64Array, aAt: number, bp: Float64Array, bAt: number, c: Float64Array, cAt: number, ldc: number, rows: number, cols: number, sign: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++, aAt += MR, bAt += NR) {
    const a0 = ap[aAt]!, a1 = ap[aAt + 1]!, a2 = ap[aAt + 2]!, a3 = ap[aAt + 3]!;
    const b0 = bp[bAt]!, b1 = bp[bAt + 1]!, b2 = bp[bAt + 2]!, b3 = bp[bAt + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  // (sign * x is exact, so subtracting gives the same bits as the WebAssembly path's c - x)
  if (rows === MR && cols === NR) {
    let r = cAt;
    c[r] += sign * c00; c[r + 1] += sign * c01; c[r + 2] += sign * c02; c[r + 3] += sign * c03; r += ldc;
    c[r] += sign * c10; c[r + 1] += sign * c11; c[r + 2] += sign * c12; c[r + 3] += sign * c13; r += ldc;
    c[r] += sign * c20; c[r + 1] += sign * c21; c[r + 2] += sign * c22; c[r + 3] += sign * c23; r += ldc;
    c[r] += sign * c30; c[r + 1] += sign * c31; c[r + 2] += sign * c32; c[r + 3] += sign * c33;
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) c[cAt + i * ldc + j] += sign * tile[i * NR + j]!;
}

let useWasm = true;
/** Tests compare both kernels: false uses the JavaScript micro-kernel even where WebAssembly SIMD works. */
export function setGemmWasm(on: boolean): boolean {
  const was = useWasm && wasmGemm() !== null;
  useWasm = on;
  return was;
}

function checkShapes(a: Strided, b: Strided): [number, number, number] {
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new ShapeMismatchError(`gemm takes 2-D arrays, got shapes (${a.shape.join(', ')}) and (${b.shape.join(', ')})`);
  const [m, k] = a.shape as [number, number];
  const [k2, n] = b.shape as [number, number];
  if (k !== k2) throw new ShapeMismatchError(`matmul: inner dimensions differ: (${m}, ${k}) @ (${k2}, ${n}); the first's columns must equal the second's rows`);
  return [m, k, n];
}

/**
 * C = A @ B for 2-D strided A (m x k) and B (k x n), any numeric dtype, into a new contiguous float64
 * array on a SharedArrayBuffer; `into` accumulates into an existing contiguous m x n Float64Array instead.
 */
export function gemm(a: Strided, b: Strided, into?: Float64Array): Strided<Float64Array> {
  const [m, k, n] = checkShapes(a, b);
  if (into && into.length < m * n) throw new RangeError(`gemm: the output holds ${into.length} values, needs ${m * n}`);
  // A is B transposed over the same memory (x.T @ x): the symmetric kernel does half the work
  const symmetric = !into && a.data === b.data && m === n && a.offset === b.offset && a.stride[0] === b.stride[1] && a.stride[1] === b.stride[0];
  const c = into ?? (allocate('float64', m * n) as Float64Array);
  blocked(a, b, m, k, n, symmetric, { c, at: 0, ldc: n, sign: 1, fresh: !into });
  if (symmetric) mirrorUpper(c, 0, n, n);
  return view(c, [m, n]);
}

/**
 * x.T @ x for a 2-D x (k x n) as n x n float64 (BLAS's syrk): only tiles touching the upper triangle are
 * computed and the lower triangle mirrored from it, so the result is exactly symmetric at half the flops.
 */
export function syrk(x: Strided): Strided<Float64Array> {
  if (x.shape.length !== 2) throw new ShapeMismatchError(`syrk takes a 2-D array, got shape (${x.shape.join(', ')})`);
  const [k, n] = x.shape as [number, number];
  const xt: Strided = { data: x.data, shape: [n, k], stride: [x.stride[1]!, x.stride[0]!], offset: x.offset };
  const c = allocate('float64', n * n) as Float64Array;
  blocked(xt, x, n, k, n, true, { c, at: 0, ldc: n, sign: 1, fresh: true });
  mirrorUpper(c, 0, n, n);
  return view(c, [n, n]);
}

/**
 * Room for `elements` float64 in the WebAssembly kernel's memory, for a caller that updates one matrix many
 * times (Cholesky): syrkSubtractUpper on a C there subtracts each tile in the kernel, with no scratch block
 * added back in JavaScript, when C's block is whole tiles (rows and columns multiples of 4). The memory
 * view and the element offset; they stay valid until the next gemm / syrk that makes a new product (it
 * sums in the same room). Null without WebAssembly SIMD (or with it switched off) or past the memory's limit.
 */
export function gemmWorkspace(elements: number): { memory: Float64Array; at: number } | null {
  const w = useWasm ? wasmGemm() : null;
  if (!w) return null;
  const at = w.reserve(elements);
  return at < 0 ? null : { memory: w.memory, at };
}

/** Rows and columns of a C block that gemmWorkspace updates in place come in multiples of this. */
export const GEMM_TILE = MR;

/**
 * The upper triangle of the rows x n block of `c` at `at` (row stride ldc) minus the first `rows` rows of
 * x.T @ x, for a 2-D x (k x n) and rows <= n (default n): the updates of a blocked Cholesky. Entries below
 * the diagonal may be overwritten with partial sums.
 */
export function syrkSubtractUpper(x: Strided, c: Float64Array, at: number, ldc: number, rows = x.shape[1]!): void {
  const [k, n] = x.shape as [number, number];
  if (!(rows >= 0 && rows <= n)) throw new RangeError(`syrkSubtractUpper: rows must be in [0, ${n}], got ${rows}`);
  const xt: Strided = { data: x.data, shape: [rows, k], stride: [x.stride[1]!, x.stride[0]!], offset: x.offset };
  blocked(xt, x, rows, k, n, true, { c, at, ldc, sign: -1, fresh: false });
}

/** Where row i of an n x n upper triangle packed by rows starts (row i holds columns i .. n-1). */
export const packedRowStart = (i: number, n: number): number => i * n - (i * (i - 1)) / 2;

/**
 * The upper triangle of x.T @ x packed by rows (length n (n + 1) / 2), for a 2-D x (k x n): the partial
 * sums of a chunked Gram matrix, half the memory of the full product with the same bits in every entry
 * (the full product's lower half mirrors them). `unpackUpperSum` adds them into the n x n matrix.
 */
export function syrkPacked(x: Strided): Strided<Float64Array> {
  if (x.shape.length !== 2) throw new ShapeMismatchError(`syrkPacked takes a 2-D array, got shape (${x.shape.join(', ')})`);
  const [k, n] = x.shape as [number, number];
  const xt: Strided = { data: x.data, shape: [n, k], stride: [x.stride[1]!, x.stride[0]!], offset: x.offset };
  const out = allocate('float64', (n * (n + 1)) / 2) as Float64Array;
  if (!blocked(xt, x, n, k, n, true, { c: out, at: 0, ldc: n, sign: 1, fresh: true, packed: true })) {
    // not summed in the module's memory (no WebAssembly SIMD, too large, k = 0): the full product, then its rows
    const full = new Float64Array(n * n);
    blocked(xt, x, n, k, n, true, { c: full, at: 0, ldc: n, sign: 1, fresh: true });
    for (let i = 0; i < n; i++) out.set(full.subarray(i * n + i, i * n + n), packedRowStart(i, n));
  }
  return view(out, [out.length]);
}

/**
 * The symmetric n x n matrix whose upper triangle is the sum of packed upper triangles (as syrkPacked lays
 * them out), added in order from zero like the tree's other adds, so it has the bits of adding the full
 * matrices: a Gram block's last add and its unpacking in one pass and one new array.
 */
export function unpackUpperSum(parts: readonly Strided[], n: number): Strided<Float64Array> {
  const length = (n * (n + 1)) / 2;
  for (const p of parts) if (p.shape.length !== 1 || p.shape[0] !== length) throw new ShapeMismatchError(`unpackUpperSum: ${n} x ${n} needs ${length} packed values, got shape (${p.shape.join(', ')})`);
  const c = allocate('float64', n * n) as Float64Array;
  for (let i = 0; i < n; i++) {
    const row = i * n, start = packedRowStart(i, n);
    for (const p of parts) {
      const src = p.data as Float64Array, step = p.stride[0]!;
      let from = p.offset + start * step;
      for (let j = i; j < n; j++, from += step) c[row + j] += src[from]!;
    }
  }
  mirrorUpper(c, 0, n, n);
  return view(c, [n, n]);
}

/** Copies the upper triangle onto the lower one, in tiles (reading down a column misses the cache each row). */
function mirrorUpper(c: Float64Array, at: number, ldc: number, n: number): void {
  const T = 32;
  for (let i0 = 0; i0 < n; i0 += T) {
    const iEnd = Math.min(i0 + T, n);
    for (let j0 = 0; j0 <= i0; j0 += T) {
      const jEnd = Math.min(j0 + T, n);
      for (let j = j0; j < jEnd; j++) {
        const col = at + j * ldc;
        for (let i = Math.max(i0, j + 1); i < iEnd; i++) c[at + i * ldc + j] = c[col + i]!;
      }
    }
  }
}

/** Where products go: C[i, j] is c[at + i * ldc + j], and sign * (A @ B) is added to it; `fresh`: c is all zeros. */
interface Target {
  readonly c: Float64Array;
  readonly at: number;
  readonly ldc: number;
  readonly sign: 1 | -1;
  readonly fresh: boolean;
  /** c is the upper triangle packed by rows (packedRowStart); only a product summed in the module's memory can be */
  readonly packed?: boolean;
}

/**
 * Up to this many float64 of a new product are summed inside the WebAssembly memory (the kernel adds each
 * tile into them) and copied out once; larger ones, and updates of existing arrays, go through a scratch
 * block added into C after every kc step. 2^23 is 64 MiB, which each thread's memory keeps once grown.
 */
const RESIDENT_MAX = 2 ** 23;

/**
 * The blocked loops; with `symmetric` (C's rows and columns both start on its diagonal, m <= n) only tiles
 * touching the upper triangle are computed.
 */
function blocked(a: Strided, b: Strided, m: number, k: number, n: number, symmetric: boolean, out: Target): boolean {
  const { c, at, ldc: ldC, sign } = out;
  // with WebAssembly SIMD the panels are packed straight into the kernel's memory
  const w = useWasm ? wasmGemm() : null;
  // a new product lives in the module's memory while it is summed: whole tiles, so rows and columns padded
  const mPad = Math.ceil(m / MR) * MR, nPad = Math.ceil(n / NR) * NR;
  const residentAt = w && out.fresh && mPad * nPad <= RESIDENT_MAX && k > 0 ? w.reserve(mPad * nPad) : -1;
  if (out.packed && residentAt < 0) return false;
  // an update of C inside the module's memory (gemmWorkspace) in whole tiles needs no scratch block
  const inPlace = w !== null && !out.fresh && sign < 0 && c.buffer === w.memory.buffer && m % MR === 0 && n % NR === 0;
  const bPack = w ? w.memory.subarray(w.bAt, w.aAt) : new Float64Array(KC * (Math.ceil(Math.min(NC, n) / NR) * NR));
  const aPack = w ? w.memory.subarray(w.aAt, w.cAt) : new Float64Array(KC * (Math.ceil(Math.min(MC, m) / MR) * MR));
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packB(b, p0, kc, j0, nc, bPack);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        if (symmetric && i0 >= j0 + nc) break; // every later row block is below the diagonal too
        // symmetric: A is B transposed over the same memory, so A's rows i0.. are B's columns i0.., and with
        // MR = NR the packed B panel holds A's block already, laid out as packA would lay it (zero padding too)
        const aInB = w !== null && symmetric && MR === NR && i0 >= j0 && i0 + mc <= j0 + nc;
        const aAt = aInB ? w.bAt + ((i0 - j0) / NR) * kc * NR : w?.aAt;
        if (!aInB) packA(a, i0, mc, p0, kc, aPack);
        if (w && residentAt >= 0) {
          // the first kc step stores its tiles (C starts at zero, and 0 + t is t: a tile sum is never -0)
          w.run(kc, Math.ceil(nc / NR), Math.ceil(mc / MR), residentAt + i0 * nPad + j0, nPad, i0 - j0, symmetric, p0 > 0 ? ACC_ADD : ACC_STORE, aAt);
          continue;
        }
        if (inPlace) {
          // C is in the module's memory and whole tiles: the kernel subtracts each tile from it (C - t, the
          // scratch path's c -= t below, same bits)
          w!.run(kc, nc / NR, mc / MR, at + i0 * ldC + j0, ldC, i0 - j0, symmetric, ACC_SUBTRACT, aAt);
          continue;
        }
        if (w) {
          // the module computes the whole mc x nc block of products; they are added into C here
          const ldc = Math.ceil(nc / NR) * NR;
          w.run(kc, ldc / NR, Math.ceil(mc / MR), w.cAt, ldc, i0 - j0, symmetric, ACC_STORE, aAt);
          const t = w.memory;
          for (let i = 0; i < mc; i++) {
            const from = symmetric ? Math.max(0, i0 + i - j0) : 0; // skipped tiles hold stale products
            const cRow = at + (i0 + i) * ldC + j0, tRow = w.cAt + i * ldc;
            if (sign > 0) for (let j = from; j < nc; j++) c[cRow + j] += t[tRow + j]!;
            else for (let j = from; j < nc; j++) c[cRow + j] -= t[tRow + j]!;
          }
          continue;
        }
        for (let jp = 0; jp < nc; jp += NR) {
          const cols = Math.min(NR, nc - jp);
          const bAt = (jp / NR) * kc * NR;
          for (let ip = 0; ip < mc; ip += MR) {
            const rows = Math.min(MR, mc - ip);
            if (symmetric && i0 + ip >= j0 + jp + cols) break; // strictly below the diagonal
            microKernel(kc, aPack, (ip / MR) * kc * MR, bPack, bAt, c, at + (i0 + ip) * ldC + j0 + jp, ldC, rows, cols, sign);
          }
        }
      }
    }
  }
  if (w && residentAt >= 0) {
    // C was all zeros and these sums started from zero with the same tiles in the same order: they are C
    // (tiles skipped below the diagonal hold stale values: the symmetric callers mirror or leave that half)
    const r = w.memory;
    for (let i = 0; i < m; i++) {
      const from = residentAt + i * nPad;
      if (out.packed) c.set(r.subarray(from + i, from + n), packedRowStart(i, n));
      else c.set(r.subarray(from, from + n), at + i * ldC);
    }
  }
  return true;
}

/** The naive triple loop, kept as the reference the tests compare gemm with. */
export function naiveMatmul(a: Strided, b: Strided): Float64Array {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const out = new Float64Array(m * n);
  const ad = a.data as ArrayLike<number>, bd = b.data as ArrayLike<number>;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += Number(ad[a.offset + i * a.stride[0]! + p * a.stride[1]!]) * Number(bd[b.offset + p * b.stride[0]! + j * b.stride[1]!]);
      out[i * n + j] = s;
    }
  }
  return out;
}
