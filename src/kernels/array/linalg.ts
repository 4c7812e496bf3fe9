// Dense linear algebra on one in-memory matrix: Cholesky, triangular solve, LU solve and inverse,
// Householder QR (the in-chunk step of TSQR). Inputs are any 2-D strided views; results are
// contiguous float64 on SharedArrayBuffers.

import { allocate } from './dtypes.ts';
import { view, type Strided } from './strided.ts';
import { GEMM_TILE, gemmWorkspace, packedRowStart, ShapeMismatchError, syrkSubtractUpper } from './gemm.ts';

export class LinAlgError extends RangeError {
  override name = 'LinAlgError';
}

/** A contiguous float64 copy of a 2-D view (kernels below work in place on it). */
function dense(x: Strided, what: string): { d: Float64Array; m: number; n: number } {
  if (x.shape.length !== 2) throw new ShapeMismatchError(`${what} takes a 2-D array, got shape (${x.shape.join(', ')})`);
  const [m, n] = x.shape as [number, number];
  const d = allocate('float64', m * n) as Float64Array;
  const src = x.data as ArrayLike<number | bigint>;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[i * n + j] = Number(src[x.offset + i * x.stride[0]! + j * x.stride[1]!]!);
  return { d, m, n };
}

function square(x: Strided, what: string): { d: Float64Array; n: number } {
  const { d, m, n } = dense(x, what);
  if (m !== n) throw new ShapeMismatchError(`${what} takes a square matrix, got shape (${m}, ${n})`);
  return { d, n };
}

/** Panel width of the blocked Cholesky: the trailing updates (nearly all the flops) run in the gemm kernel. */
const CHOLESKY_BLOCK = 128;
/**
 * Rows factored at a time inside a panel: the rest of the panel's rows get their updates from the gemm
 * kernel too, so the scalar loop does (this / panel width) of the in-panel work it did with one level.
 */
const CHOLESKY_SUB_BLOCK = 32;
/** Tile edge of the transposing copies: a tile's rows and columns both stay in cache. */
const TILE = 32;

/**
 * d[base + i * ld + j] = A[j, i] for j >= i (the lower half of a square A transposed into an upper half).
 * Copied in tiles, since reading A down its columns one at a time misses the cache on every element.
 */
function upperFromLower(a: Strided, n: number, d: Float64Array, base: number, ld: number): void {
  const src = a.data as ArrayLike<number | bigint>;
  const big = a.data instanceof BigInt64Array;
  const [rs, cs] = a.stride as [number, number];
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const iEnd = Math.min(i0 + TILE, n);
    for (let j0 = i0; j0 < n; j0 += TILE) {
      const jEnd = Math.min(j0 + TILE, n);
      for (let j = j0; j < jEnd; j++) {
        // row j of A, columns i0 .. min(iEnd, j + 1): d's column j
        const from = a.offset + j * rs, stop = Math.min(iEnd, j + 1);
        if (big) for (let i = i0; i < stop; i++) d[base + i * ld + j] = Number(src[from + i * cs]!);
        else for (let i = i0; i < stop; i++) d[base + i * ld + j] = src[from + i * cs] as number;
      }
    }
  }
}

/** A new contiguous n x n L = U.T, for U the upper half of d (row stride ld); zeros above the diagonal. In tiles. */
function lowerFromUpper(d: Float64Array, base: number, ld: number, n: number): Float64Array {
  const l = allocate('float64', n * n) as Float64Array;
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const iEnd = Math.min(i0 + TILE, n);
    for (let j0 = 0; j0 <= i0; j0 += TILE) {
      const jEnd = Math.min(j0 + TILE, n);
      for (let j = j0; j < jEnd; j++) {
        // row j of U, columns max(i0, j) .. iEnd: L's column j
        const row = base + j * ld;
        for (let i = Math.max(i0, j); i < iEnd; i++) l[i * n + j] = d[row + i]!;
      }
    }
  }
  return l;
}

/**
 * Lower-triangular L with L @ L.T = A, for symmetric positive definite A (only its lower half is read).
 * Works on U = L.T in row-major order (A's lower half transposed into an upper half), so every step reads
 * rows: a panel of CHOLESKY_BLOCK rows is factored in place, then the rest of the matrix loses U12.T @ U12
 * (a syrk in the blocked gemm, which is where nearly all of the n^3 / 3 multiply-adds go). Inside a panel the
 * same is done again with CHOLESKY_SUB_BLOCK rows, the panel's later rows updated by the kernel.
 * U lives in the gemm kernel's memory when it can (gemmWorkspace), its rows and columns padded to whole
 * tiles, so the kernel subtracts the updates in place rather than through a scratch block.
 */
export function cholesky(a: Strided): Strided<Float64Array> {
  if (a.shape.length !== 2 || a.shape[0] !== a.shape[1]) throw new ShapeMismatchError(a.shape.length === 2 ? `cholesky takes a square matrix, got shape (${a.shape.join(', ')})` : `cholesky takes a 2-D array, got shape (${a.shape.join(', ')})`);
  const n = a.shape[0]!;
  const { d, base, ld } = choleskyWorkspace(n);
  upperFromLower(a, n, d, base, ld);
  factorUpper(d, base, ld, n);
  return view(lowerFromUpper(d, base, ld, n), [n, n]);
}

/**
 * cholesky(G) for the Gram matrix G whose upper triangle is the sum of packed upper triangles (as
 * unpackUpperSum adds them: from zero, in order, so every entry has G's bits and L is the same), read
 * straight into U's rows: no n x n G is made or transposed on the way. (G's own rows are unpacked by
 * another task, in parallel.)
 */
export function choleskyOfPackedSum(parts: readonly Strided[], n: number): Strided<Float64Array> {
  const length = (n * (n + 1)) / 2;
  if (parts.length === 0) throw new RangeError('choleskyOfPackedSum: needs at least one packed triangle');
  for (const p of parts) if (p.shape.length !== 1 || p.shape[0] !== length) throw new ShapeMismatchError(`choleskyOfPackedSum: ${n} x ${n} needs ${length} packed values, got shape (${p.shape.join(', ')})`);
  const { d, base, ld } = choleskyWorkspace(n);
  for (let i = 0; i < n; i++) {
    const row = base + i * ld, start = packedRowStart(i, n);
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k]!;
      const src = p.data as Float64Array, step = p.stride[0]!;
      let from = p.offset + start * step;
      // 0 + x first, as unpackUpperSum adds into zeros (it turns a -0 into +0)
      if (k === 0) for (let j = i; j < n; j++, from += step) d[row + j] = 0 + src[from]!;
      else for (let j = i; j < n; j++, from += step) d[row + j] += src[from]!;
    }
  }
  factorUpper(d, base, ld, n);
  return view(lowerFromUpper(d, base, ld, n), [n, n]);
}

/**
 * Where U is factored: ld = n rounded up to whole gemm tiles; the padding columns of U's rows and the padding
 * rows are zero, so the in-place tile updates subtract zeros there. Below the diagonal is scratch.
 */
function choleskyWorkspace(n: number): { d: Float64Array; base: number; ld: number } {
  const ld = Math.ceil(n / GEMM_TILE) * GEMM_TILE;
  const ws = gemmWorkspace(ld * ld);
  if (!ws) return { d: new Float64Array(ld * ld), base: 0, ld };
  const { memory: d, at: base } = ws;
  // the room holds whatever an earlier product left: clear the padding (the rest is written before it is read)
  if (ld > n) {
    for (let i = 0; i < n; i++) d.fill(0, base + i * ld + n, base + i * ld + ld);
    d.fill(0, base + n * ld, base + ld * ld);
  }
  return { d, base, ld };
}

/** Row j of U (at `row`) takes its pivot: the diagonal becomes its square root, the rest of the row is divided by it. */
function finishRow(d: Float64Array, row: number, j: number, n: number): void {
  const s = d[row + j]!;
  if (!(s > 0)) throw new LinAlgError(`cholesky: the matrix is not positive definite (pivot ${j} is ${s}); check it is symmetric with positive eigenvalues, or add a small multiple of the identity`);
  const ujj = Math.sqrt(s);
  d[row + j] = ujj;
  for (let c = j + 1; c < n; c++) d[row + c] /= ujj;
}

/** The blocked factorisation of U (the upper half of d at base, row stride ld, n real rows) in place. */
function factorUpper(d: Float64Array, base: number, ld: number, n: number): void {
  for (let j0 = 0; j0 < n; j0 += CHOLESKY_BLOCK) {
    const end = Math.min(j0 + CHOLESKY_BLOCK, n);
    // the panel's rows counted to whole tiles (padding rows are zero and stay so)
    const endPad = Math.min(j0 + CHOLESKY_BLOCK, ld);
    for (let s0 = j0; s0 < end; s0 += CHOLESKY_SUB_BLOCK) {
      const sEnd = Math.min(s0 + CHOLESKY_SUB_BLOCK, end);
      // rows two at a time: row j is finished, row j + 1 takes its share and is finished, then each later
      // row of the sub-panel takes both shares in one pass, (v - f0 a) - f1 b: the operations of two passes
      // in their order, so the bits of one row at a time, with half the passes over the later rows
      for (let j = s0; j < sEnd; j += 2) {
        const row = base + j * ld;
        finishRow(d, row, j, n);
        if (j + 1 === sEnd) break;
        const next = row + ld;
        const f = d[row + j + 1]!;
        if (f !== 0) for (let c = j + 1; c < n; c++) d[next + c] -= f * d[row + c]!;
        finishRow(d, next, j + 1, n);
        for (let r = j + 2; r < sEnd; r++) {
          const f0 = d[row + r]!, f1 = d[next + r]!;
          const rr = base + r * ld;
          // a zero share is skipped, not subtracted (0 * Inf would make NaN; -0 - -0 is +0)
          if (f0 !== 0 && f1 !== 0) for (let c = r; c < n; c++) d[rr + c] = d[rr + c]! - f0 * d[row + c]! - f1 * d[next + c]!;
          else if (f0 !== 0) for (let c = r; c < n; c++) d[rr + c] -= f0 * d[row + c]!;
          else if (f1 !== 0) for (let c = r; c < n; c++) d[rr + c] -= f1 * d[next + c]!;
        }
      }
      // the panel's rows after this sub-panel, columns from the diagonal on: minus U[s0:sEnd, sEnd:].T @ U[s0:sEnd, sEnd:]
      if (sEnd < end) syrkSubtractUpper({ data: d, shape: [sEnd - s0, ld - sEnd], stride: [ld, 1], offset: base + s0 * ld + sEnd }, d, base + sEnd * ld + sEnd, ld, endPad - sEnd);
    }
    if (end < n) syrkSubtractUpper({ data: d, shape: [end - j0, ld - end], stride: [ld, 1], offset: base + j0 * ld + end }, d, base + end * ld + end, ld);
  }
}

function rhs(b: Strided, n: number, what: string): { d: Float64Array; cols: number; vector: boolean } {
  const vector = b.shape.length === 1;
  const b2 = vector ? { ...b, shape: [b.shape[0]!, 1], stride: [b.stride[0]!, 0] } : b;
  const { d, m, n: cols } = dense(b2, what);
  if (m !== n) throw new ShapeMismatchError(`${what}: the right-hand side has ${m} rows, the matrix ${n}; they must match`);
  return { d, cols, vector };
}

/**
 * Solves T @ X = B for triangular T (lower by default); B a vector or a matrix. With `rankRows` (lstsq's R
 * from an m-row a; NaN when m is unknown, then n stands for it) T is refused when a diagonal entry is at most
 * max |T[j,j]| * max(m, n) * eps: a's columns are then linearly dependent to working precision.
 */
export function solveTriangular(t: Strided, b: Strided, options: { lower?: boolean; rankRows?: number } = {}): Strided<Float64Array> {
  const lower = options.lower ?? true;
  const { d: T, n } = square(t, 'solveTriangular');
  const { d: X, cols, vector } = rhs(b, n, 'solveTriangular');
  if (options.rankRows !== undefined) checkRank(T, n, options.rankRows);
  for (let c = 0; c < cols; c++) {
    for (let s = 0; s < n; s++) {
      const i = lower ? s : n - 1 - s;
      let v = X[i * cols + c]!;
      if (lower) for (let k = 0; k < i; k++) v -= T[i * n + k]! * X[k * cols + c]!;
      else for (let k = i + 1; k < n; k++) v -= T[i * n + k]! * X[k * cols + c]!;
      const diag = T[i * n + i]!;
      if (diag === 0) throw new LinAlgError(`solveTriangular: the matrix is singular (zero on the diagonal at ${i}); from linalg.lstsq this means a's columns are linearly dependent (rank-deficient), so the least-squares solution is not unique: drop or combine the dependent columns`);
      X[i * cols + c] = v / diag;
    }
  }
  return view(X, vector ? [n] : [n, cols]);
}

function checkRank(R: Float64Array, n: number, rows: number): void {
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(R[i * n + i]!));
  const tolerance = largest * Math.max(Number.isFinite(rows) ? rows : 0, n) * Number.EPSILON;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(R[i * n + i]!);
    // NaN (non-finite data) is not refused here: it reaches the result, as in NumPy
    if (d <= tolerance) {
      throw new LinAlgError(
        `linalg.lstsq: a's columns are linearly dependent${d === 0 ? '' : ' to working precision'} (column ${i} of R from a's QR has |R[${i},${i}]| = ${d.toPrecision(3)}, ` +
          `at most ${tolerance.toPrecision(3)} = max |R[j,j]| * max(m, n) * eps), so the least-squares solution is not determined by the data: drop or combine the dependent columns`,
      );
    }
  }
}

/** LU with partial pivoting, in place; returns the row permutation. */
function lu(d: Float64Array, n: number, what: string): Int32Array {
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(d[i]!));
  for (let j = 0; j < n; j++) {
    let p = j;
    for (let i = j + 1; i < n; i++) if (Math.abs(d[i * n + j]!) > Math.abs(d[p * n + j]!)) p = i;
    if (!(Math.abs(d[p * n + j]!) > scale * n * Number.EPSILON)) throw new LinAlgError(`${what}: the matrix is singular (no usable pivot in column ${j})`);
    if (p !== j) {
      for (let k = 0; k < n; k++) {
        const t = d[j * n + k]!;
        d[j * n + k] = d[p * n + k]!;
        d[p * n + k] = t;
      }
      const t = perm[j]!;
      perm[j] = perm[p]!;
      perm[p] = t;
    }
    const pivot = d[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      const f = (d[i * n + j]! /= pivot);
      if (f === 0) continue;
      for (let k = j + 1; k < n; k++) d[i * n + k] -= f * d[j * n + k]!;
    }
  }
  return perm;
}

function luSolve(d: Float64Array, n: number, perm: Int32Array, b: Float64Array, cols: number): Float64Array {
  const x = allocate('float64', n * cols) as Float64Array;
  for (let i = 0; i < n; i++) for (let c = 0; c < cols; c++) x[i * cols + c] = b[perm[i]! * cols + c]!;
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < n; i++) {
      let v = x[i * cols + c]!;
      for (let k = 0; k < i; k++) v -= d[i * n + k]! * x[k * cols + c]!;
      x[i * cols + c] = v;
    }
    for (let i = n - 1; i >= 0; i--) {
      let v = x[i * cols + c]!;
      for (let k = i + 1; k < n; k++) v -= d[i * n + k]! * x[k * cols + c]!;
      x[i * cols + c] = v / d[i * n + i]!;
    }
  }
  return x;
}

/** Solves A @ X = B (LU with partial pivoting). */
export function solve(a: Strided, b: Strided): Strided<Float64Array> {
  const { d, n } = square(a, 'solve');
  const { d: B, cols, vector } = rhs(b, n, 'solve');
  const perm = lu(d, n, 'solve');
  return view(luSolve(d, n, perm, B, cols), vector ? [n] : [n, cols]);
}

export function inv(a: Strided): Strided<Float64Array> {
  const { d, n } = square(a, 'inv');
  const perm = lu(d, n, 'inv');
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return view(luSolve(d, n, perm, eye, n), [n, n]);
}

/**
 * Thin Householder QR of an m x n matrix with m >= n: Q (m x n, orthonormal columns) and R (n x n,
 * upper triangular, diagonal made non-negative so the factorisation is unique).
 */
export function qr(a: Strided): { q: Strided<Float64Array>; r: Strided<Float64Array> } {
  const { d, m, n } = dense(a, 'qr');
  if (m < n) throw new ShapeMismatchError(`qr: needs at least as many rows as columns (tall-and-skinny), got (${m}, ${n})`);
  const vs: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    // Householder vector for column j below the diagonal
    let norm = 0;
    for (let i = j; i < m; i++) norm += d[i * n + j]! * d[i * n + j]!;
    norm = Math.sqrt(norm);
    const v = new Float64Array(m - j);
    if (norm === 0) {
      vs.push(v);
      continue;
    }
    const x0 = d[j * n + j]!;
    const alpha = x0 >= 0 ? -norm : norm;
    for (let i = j; i < m; i++) v[i - j] = d[i * n + j]!;
    v[0] = x0 - alpha;
    let vnorm2 = 0;
    for (let i = 0; i < v.length; i++) vnorm2 += v[i]! * v[i]!;
    if (vnorm2 > 0) {
      for (let c = j; c < n; c++) {
        let s = 0;
        for (let i = j; i < m; i++) s += v[i - j]! * d[i * n + c]!;
        const f = (2 * s) / vnorm2;
        for (let i = j; i < m; i++) d[i * n + c] -= f * v[i - j]!;
      }
      for (let i = 0; i < v.length; i++) v[i] /= Math.sqrt(vnorm2);
    }
    vs.push(v);
  }
  const r = allocate('float64', n * n) as Float64Array;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r[i * n + j] = d[i * n + j]!;
  // Q = H0 H1 ... H(n-1) applied to the first n columns of the identity
  const q = allocate('float64', m * n) as Float64Array;
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let j = n - 1; j >= 0; j--) {
    const v = vs[j]!;
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i - j]! * q[i * n + c]!;
      if (s === 0) continue;
      for (let i = j; i < m; i++) q[i * n + c] -= 2 * s * v[i - j]!;
    }
  }
  // sign convention: non-negative diagonal of R
  for (let i = 0; i < n; i++) {
    if (r[i * n + i]! < 0) {
      for (let j = i; j < n; j++) r[i * n + j] = -r[i * n + j]!;
      for (let row = 0; row < m; row++) q[row * n + i] = -q[row * n + i]!;
    }
  }
  return { q: view(q, [m, n]), r: view(r, [n, n]) };
}
