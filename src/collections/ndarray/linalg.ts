// array.linalg: Cholesky, solve, inverse on arrays that fit in one chunk (rechunked to one here), QR of
// tall-and-skinny arrays by TSQR (a QR per row block, then one QR of the stacked R factors), and lstsq.

import { tokenize } from '../../scheduler/tokenize.ts';
import { ShapeMismatchError } from '../../kernels/array/gemm.ts';
import type { ArrayNode, LinalgOp } from './node.ts';
import { NDArray, isNDArray, rechunkNode } from './ndarray.ts';
import { hasUnknownChunks } from './unknown-chunks.ts';

function oneChunk(x: NDArray): ArrayNode {
  return rechunkNode(x.node, x.node.shape.map((n) => [n]));
}

function checkMatrix(x: unknown, what: string, square: boolean): NDArray {
  if (!isNDArray(x)) throw new TypeError(`linalg.${what} takes an NDArray`);
  if (x.ndim !== 2) throw new ShapeMismatchError(`linalg.${what} takes a 2-D array, got shape (${x.shape.join(', ')})`);
  if (square && x.shape[0] !== x.shape[1]) throw new ShapeMismatchError(`linalg.${what} takes a square matrix, got shape (${x.shape.join(', ')})`);
  return x;
}

function single(op: LinalgOp, inputs: ArrayNode[], shape: number[], rows?: number): NDArray {
  const token = tokenize('array-linalg', op, inputs.map((x) => x.token), ...(rows === undefined ? [] : [rows]));
  return new NDArray({ kind: 'linalg', op, inputs, token, shape, chunks: shape.map((n) => [n]), dtype: 'float64', ...(rows === undefined ? {} : { rows }) });
}

/** Lower-triangular L with L @ L.T = a (a symmetric positive definite). */
export function cholesky(a: NDArray): NDArray {
  const x = checkMatrix(a, 'cholesky', true);
  return single('cholesky', [oneChunk(x)], x.shape);
}

export function inv(a: NDArray): NDArray {
  const x = checkMatrix(a, 'inv', true);
  return single('inv', [oneChunk(x)], x.shape);
}

/** x with a @ x = b; b a vector or a matrix. */
export function solve(a: NDArray, b: NDArray): NDArray {
  const x = checkMatrix(a, 'solve', true);
  if (!isNDArray(b) || (b.ndim !== 1 && b.ndim !== 2)) throw new TypeError('linalg.solve: b must be a 1-D or 2-D NDArray');
  if (b.shape[0] !== x.shape[0]) throw new ShapeMismatchError(`linalg.solve: b has ${b.shape[0]} rows, a has ${x.shape[0]}; they must match`);
  return single('solve', [oneChunk(x), oneChunk(b)], b.shape);
}

/** Solves a triangular system (lower by default). */
export function solveTriangular(a: NDArray, b: NDArray, options: { lower?: boolean } = {}): NDArray {
  const x = checkMatrix(a, 'solveTriangular', true);
  if (!isNDArray(b) || b.shape[0] !== x.shape[0]) throw new ShapeMismatchError('linalg.solveTriangular: b must have as many rows as a');
  return single(options.lower === false ? 'solve-upper' : 'solve-lower', [oneChunk(x), oneChunk(b)], b.shape);
}

/**
 * QR of a tall-and-skinny m x n array (TSQR, as dask.array): the array is chunked along rows only and
 * each row block needs at least n rows. Q is m x n with the input's row chunks, R is n x n.
 */
export function qr(a: NDArray): { q: NDArray; r: NDArray } {
  const x = checkMatrix(a, 'qr', false);
  const [m, n] = x.shape as [number, number];
  if (m < n) throw new ShapeMismatchError(`linalg.qr: needs at least as many rows as columns (tall-and-skinny), got (${m}, ${n})`);
  const input = rechunkNode(x.node, [x.node.chunks[0]!, [n]]);
  const short = input.chunks[0]!.find((rows) => rows < n);
  if (short !== undefined) throw new ShapeMismatchError(`linalg.qr: every row chunk needs at least ${n} rows (the column count) for TSQR, one has ${short}; rechunk the rows, e.g. x.rechunk([${Math.max(n, 1024)}, null])`);
  const make = (part: 'q' | 'r', shape: number[], chunks: number[][]): NDArray =>
    new NDArray({ kind: 'tsqr', input, part, token: tokenize('array-tsqr', input.token, part), shape, chunks, dtype: 'float64' });
  return { q: make('q', [m, n], [[...input.chunks[0]!], [n]]), r: make('r', [n, n], [[n], [n]]) };
}

/**
 * Least squares: x minimising |a @ x - b|, by TSQR (x = R^-1 Q.T b). It refuses (LinAlgError) when a's columns
 * are linearly dependent to working precision: some |R[i,i]| <= max |R[j,j]| * max(m, n) * eps (NumPy's
 * matrix_rank tolerance, with R's diagonal in place of the singular values). Dividing by such an R[i,i] gave a
 * huge solution made of rounding noise, where NumPy's SVD drops that direction (its rcond). A refusal here
 * always means NumPy's matrix_rank(a) < n too (the smallest |R[i,i]| bounds the smallest singular value from
 * above, the largest bounds the largest from below); without column pivoting R can miss some dependencies.
 */
export function lstsq(a: NDArray, b: NDArray): NDArray {
  const { q, r } = qr(a);
  if (!isNDArray(b) || !Object.is(b.shape[0], a.shape[0])) throw new ShapeMismatchError(`linalg.lstsq: b must have ${a.shape[0]} rows like a`);
  const b2 = b.ndim === 1 ? b.expandDims(1) : b;
  // rows of unknown length (df.toArray) stay as they are: matmul pairs block p of q with block p of b
  const qtb = q.T.matmul(hasUnknownChunks(b2.node) ? b2 : b2.rechunk([q.chunks[0]!, b2.shape[1]!]));
  const x = single('lstsq-solve', [oneChunk(r), oneChunk(qtb)], qtb.shape, a.shape[0]);
  return b.ndim === 1 ? x.slice(null, 0) : x;
}
