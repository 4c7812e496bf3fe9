// NDArray: a lazy, chunked n-dimensional array. It holds one plan node and knows its shape, chunks and
// dtype when built; operations build bigger nodes (element-wise chains fuse into one node), and
// compute() lowers them to one task per block and returns an `ndarray` over shared memory.

import ndarray from 'ndarray';
import { tokenize } from '../../scheduler/tokenize.ts';
import { BYTES_PER_ELEMENT, checkDType, type DType } from '../../kernels/array/dtypes.ts';
import { resultDType, type ArrayExpr, type BinaryOp, type UnaryOp } from '../../kernels/array/elementwise.ts';
import { normalizeAxes, reductionDType, type ReductionName } from '../../kernels/array/reduce.ts';
import { scanDType, type ScanName } from '../../kernels/array/scan.ts';
import { ShapeMismatchError } from '../../kernels/array/gemm.ts';
import { normalizeChunks, sameChunks, type Chunks, type ChunksSpec } from './chunks.ts';
import { broadcastWithUnknown, fmtLength, isUnknown, requireKnownChunks, unifyAxis } from './unknown-chunks.ts';
import type { ArrayNode, AxisSelection } from './node.ts';
import { parseSelection, slicedChunks } from './slicing.ts';
import type { UserFunction } from '../udf.ts';
import { arrayOutput, computeArray, computeChunks, explainArray, type ArrayComputeOptions } from './run.ts';
import { COLLECTION, type Output } from '../output.ts';
import { registerLocalFunction } from '../../kernels/groupby/udf-runtime.ts';

export type Operand = NDArray | number | bigint | boolean;

export interface ReduceOptions {
  /** An axis, a list of axes, or null/undefined for all. Negative counts from the end. */
  axis?: number | readonly number[] | null;
  keepdims?: boolean;
  /** Width of the combine tree (default: config.splitEvery). */
  splitEvery?: number;
}

export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is n - ddof (default 0, as NumPy). */
  ddof?: number;
}

const BRAND = Symbol.for('tessera.ndarray');

export function isNDArray(x: unknown): x is NDArray {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
}

function meta(kind: string, parts: unknown[], shape: readonly number[], chunks: Chunks, dtype: DType) {
  return { token: tokenize(`array-${kind}`, ...parts, shape, chunks, dtype), shape: [...shape], chunks, dtype };
}

/** Rechunks `node` to `chunks` (a no-op when they already match). */
export function rechunkNode(node: ArrayNode, chunks: Chunks): ArrayNode {
  if (sameChunks(node.chunks, chunks)) return node;
  requireKnownChunks(node, 'rechunking (to line up operands, or to one chunk for linalg)');
  return { kind: 'rechunk', input: node, ...meta('rechunk', [node.token], node.shape, chunks, node.dtype) };
}

/** Chunks that every operand can use along each output axis (broadcast axes of length 1 excepted). */
function unifiedChunks(nodes: readonly ArrayNode[], shape: readonly number[]): Chunks {
  return shape.map((n, axis) => {
    const lists = nodes
      .map((x) => ({ x, i: axis - (shape.length - x.shape.length) }))
      .filter(({ x, i }) => i >= 0 && Object.is(x.shape[i], n))
      .map(({ x, i }) => x.chunks[i]!);
    return lists.length === 0 ? [n] : unifyAxis(lists, axis, 'element-wise operation');
  });
}

function alignTo(node: ArrayNode, chunks: Chunks, shape: readonly number[]): ArrayNode {
  const extra = shape.length - node.shape.length;
  const target = node.shape.map((n, i) => (Object.is(n, shape[i + extra]) ? chunks[i + extra]! : [n]));
  return rechunkNode(node, target);
}

/** Builds one element-wise node over operands, inlining element-wise operands of the same layout. */
export function elementwiseOf(operands: readonly Operand[], build: (args: ArrayExpr[]) => ArrayExpr, outDType?: DType): NDArray {
  const arrays = operands.filter(isNDArray).map((a) => a.node);
  if (arrays.length === 0) throw new TypeError('an element-wise operation needs at least one array operand');
  const shape = broadcastWithUnknown(arrays.map((a) => a.shape));
  const chunks = unifiedChunks(arrays, shape);
  const inputs: ArrayNode[] = [];
  const inputIndex = (node: ArrayNode): number => {
    const at = inputs.findIndex((x) => x.token === node.token);
    if (at >= 0) return at;
    inputs.push(node);
    return inputs.length - 1;
  };
  const remap = (e: ArrayExpr, from: readonly ArrayNode[]): ArrayExpr => {
    switch (e.kind) {
      case 'input': return { kind: 'input', index: inputIndex(from[e.index]!) };
      case 'scalar': return e;
      case 'cast': return { ...e, arg: remap(e.arg, from) };
      case 'unary': return { ...e, arg: remap(e.arg, from) };
      case 'binary': return { ...e, left: remap(e.left, from), right: remap(e.right, from) };
      case 'where': return { ...e, cond: remap(e.cond, from), a: remap(e.a, from), b: remap(e.b, from) };
    }
  };
  const args = operands.map((op): ArrayExpr => {
    if (!isNDArray(op)) {
      if (typeof op !== 'number' && typeof op !== 'bigint' && typeof op !== 'boolean') throw new TypeError(`an array operand must be an NDArray, a number, a bigint or a boolean, got ${String(op)}`);
      return { kind: 'scalar', value: op };
    }
    const aligned = alignTo(op.node, chunks, shape);
    // fuse: an element-wise operand with the output's own layout contributes its expression, not a chunk
    if (aligned === op.node && op.node.kind === 'elementwise' && op.node.shape.join() === shape.join()) {
      return remap(op.node.expr, op.node.inputs);
    }
    return { kind: 'input', index: inputIndex(aligned) };
  });
  const expr = build(args);
  const dtype = outDType ?? resultDType(expr, inputs.map((x) => x.dtype));
  return new NDArray({ kind: 'elementwise', expr, inputs, ...meta('elementwise', [expr, inputs.map((x) => x.token)], shape, chunks, dtype) });
}

const un = (op: UnaryOp) => (args: ArrayExpr[]): ArrayExpr => ({ kind: 'unary', op, arg: args[0]! });
const bin = (op: BinaryOp) => (args: ArrayExpr[]): ArrayExpr => ({ kind: 'binary', op, left: args[0]!, right: args[1]! });

export class NDArray {
  declare readonly [BRAND]: true;

  constructor(readonly node: ArrayNode) {
    Object.defineProperty(this, BRAND, { value: true });
  }

  get shape(): number[] { return [...this.node.shape]; }
  get dtype(): DType { return this.node.dtype; }
  get ndim(): number { return this.node.shape.length; }
  /** Per axis, the lengths of its chunks (as Dask). */
  get chunks(): number[][] { return this.node.chunks.map((c) => [...c]); }
  get numblocks(): number[] { return this.node.chunks.map((c) => c.length); }
  get size(): number { return this.node.shape.reduce((a, b) => a * b, 1); }
  get nbytes(): number { return this.size * BYTES_PER_ELEMENT[this.dtype]; }

  // ---- element-wise ----
  add(other: Operand): NDArray { return elementwiseOf([this, other], bin('add')); }
  sub(other: Operand): NDArray { return elementwiseOf([this, other], bin('sub')); }
  mul(other: Operand): NDArray { return elementwiseOf([this, other], bin('mul')); }
  div(other: Operand): NDArray { return elementwiseOf([this, other], bin('div')); }
  pow(other: Operand): NDArray { return elementwiseOf([this, other], bin('pow')); }
  mod(other: Operand): NDArray { return elementwiseOf([this, other], bin('mod')); }
  minimum(other: Operand): NDArray { return elementwiseOf([this, other], bin('minimum')); }
  maximum(other: Operand): NDArray { return elementwiseOf([this, other], bin('maximum')); }
  eq(other: Operand): NDArray { return elementwiseOf([this, other], bin('eq')); }
  ne(other: Operand): NDArray { return elementwiseOf([this, other], bin('ne')); }
  lt(other: Operand): NDArray { return elementwiseOf([this, other], bin('lt')); }
  le(other: Operand): NDArray { return elementwiseOf([this, other], bin('le')); }
  gt(other: Operand): NDArray { return elementwiseOf([this, other], bin('gt')); }
  ge(other: Operand): NDArray { return elementwiseOf([this, other], bin('ge')); }
  and(other: Operand): NDArray { return elementwiseOf([this, other], bin('and')); }
  or(other: Operand): NDArray { return elementwiseOf([this, other], bin('or')); }
  neg(): NDArray { return elementwiseOf([this], un('neg')); }
  abs(): NDArray { return elementwiseOf([this], un('abs')); }
  exp(): NDArray { return elementwiseOf([this], un('exp')); }
  log(): NDArray { return elementwiseOf([this], un('log')); }
  log1p(): NDArray { return elementwiseOf([this], un('log1p')); }
  sqrt(): NDArray { return elementwiseOf([this], un('sqrt')); }
  sin(): NDArray { return elementwiseOf([this], un('sin')); }
  cos(): NDArray { return elementwiseOf([this], un('cos')); }
  tan(): NDArray { return elementwiseOf([this], un('tan')); }
  tanh(): NDArray { return elementwiseOf([this], un('tanh')); }
  floor(): NDArray { return elementwiseOf([this], un('floor')); }
  ceil(): NDArray { return elementwiseOf([this], un('ceil')); }
  round(): NDArray { return elementwiseOf([this], un('round')); }
  isnan(): NDArray { return elementwiseOf([this], un('isnan')); }
  not(): NDArray { return elementwiseOf([this], un('not')); }
  /** Limits values to [min, max] (either may be null); NaN stays NaN. */
  clip(min: Operand | null, max: Operand | null): NDArray {
    let out: NDArray = this;
    if (min !== null && min !== undefined) out = out.maximum(min);
    if (max !== null && max !== undefined) out = out.minimum(max);
    return out;
  }
  astype(dtype: DType): NDArray {
    const d = checkDType(dtype, 'astype');
    if (d === this.dtype) return this;
    return elementwiseOf([this], (a) => ({ kind: 'cast', dtype: d, arg: a[0]! }), d);
  }

  // ---- reductions ----
  private reduction(name: ReductionName, options: VarOptions = {}): NDArray {
    const axes = normalizeAxes(options.axis, this.ndim);
    if ((name === 'argmin' || name === 'argmax') && axes.length !== 1 && axes.length !== this.ndim) {
      throw new RangeError(`${name} takes one axis or none (all axes, flattened), got axis ${JSON.stringify(options.axis)}`);
    }
    // the index it reports is counted from each block's start
    if (name === 'argmin' || name === 'argmax') requireKnownChunks(this.node, name, axes);
    const ddof = options.ddof ?? 0;
    if (!Number.isInteger(ddof) || ddof < 0) throw new RangeError(`${name}: ddof must be a non-negative integer, got ${ddof}`);
    const splitEvery = options.splitEvery ?? null;
    if (splitEvery !== null && !(Number.isInteger(splitEvery) && splitEvery >= 2)) throw new RangeError(`${name}: splitEvery must be an integer >= 2, got ${splitEvery}`);
    const keepdims = options.keepdims === true;
    const shape = keepdims ? this.node.shape.map((n, i) => (axes.includes(i) ? 1 : n)) : this.node.shape.filter((_, i) => !axes.includes(i));
    const chunks = keepdims ? this.node.chunks.map((c, i) => (axes.includes(i) ? [1] : [...c])) : this.node.chunks.filter((_, i) => !axes.includes(i)).map((c) => [...c]);
    const dtype = reductionDType(name, this.dtype);
    return new NDArray({ kind: 'reduce', input: this.node, name, axes, keepdims, ddof, splitEvery, ...meta('reduce', [this.node.token, name, axes, keepdims, ddof, splitEvery], shape, chunks, dtype) });
  }
  sum(o?: ReduceOptions): NDArray { return this.reduction('sum', o); }
  prod(o?: ReduceOptions): NDArray { return this.reduction('prod', o); }
  mean(o?: ReduceOptions): NDArray { return this.reduction('mean', o); }
  var(o?: VarOptions): NDArray { return this.reduction('var', o); }
  std(o?: VarOptions): NDArray { return this.reduction('std', o); }
  min(o?: ReduceOptions): NDArray { return this.reduction('min', o); }
  max(o?: ReduceOptions): NDArray { return this.reduction('max', o); }
  argmin(o?: ReduceOptions): NDArray { return this.reduction('argmin', o); }
  argmax(o?: ReduceOptions): NDArray { return this.reduction('argmax', o); }
  any(o?: ReduceOptions): NDArray { return this.reduction('any', o); }
  all(o?: ReduceOptions): NDArray { return this.reduction('all', o); }
  nansum(o?: ReduceOptions): NDArray { return this.reduction('nansum', o); }
  nanmean(o?: ReduceOptions): NDArray { return this.reduction('nanmean', o); }
  nanvar(o?: VarOptions): NDArray { return this.reduction('nanvar', o); }
  nanstd(o?: VarOptions): NDArray { return this.reduction('nanstd', o); }
  nanmin(o?: ReduceOptions): NDArray { return this.reduction('nanmin', o); }
  nanmax(o?: ReduceOptions): NDArray { return this.reduction('nanmax', o); }

  private scanAlong(name: ScanName, axis: number): NDArray {
    const [a] = normalizeAxes(axis, this.ndim);
    return new NDArray({ kind: 'scan', input: this.node, name, axis: a!, ...meta('scan', [this.node.token, name, a], this.node.shape, this.node.chunks, scanDType(this.dtype)) });
  }
  /** Running sum along `axis`; values carry across chunk boundaries. */
  cumsum(axis: number): NDArray { return this.scanAlong('cumsum', axis); }
  cumprod(axis: number): NDArray { return this.scanAlong('cumprod', axis); }

  // ---- shape and layout ----
  transpose(axes?: readonly number[]): NDArray {
    const nd = this.ndim;
    const perm = axes ? [...axes] : Array.from({ length: nd }, (_, i) => nd - 1 - i);
    if (perm.length !== nd || [...perm].sort((a, b) => a - b).some((a, i) => a !== i)) throw new RangeError(`transpose: axes ${JSON.stringify(axes)} must be a permutation of 0..${nd - 1}`);
    if (perm.every((a, i) => a === i)) return this;
    return new NDArray({ kind: 'transpose', input: this.node, axes: perm, ...meta('transpose', [this.node.token, perm], perm.map((a) => this.node.shape[a]!), perm.map((a) => [...this.node.chunks[a]!]), this.dtype) });
  }
  get T(): NDArray { return this.transpose(); }

  /**
   * Basic indexing: per axis an integer (drops the axis), [start, stop, step] (negative allowed) or null.
   * Or, on a 1-D array, one bool NDArray of the same length: the elements where it is true. How many
   * that is is known only once computed, so the result's chunks are unknown (NaN), as in Dask.
   */
  slice(...specs: Array<number | ReadonlyArray<number | null> | null | NDArray>): NDArray {
    if (specs.some(isNDArray)) {
      if (specs.length !== 1) throw new TypeError('slice: a boolean mask is the only index (mask selection works on 1-D arrays)');
      return this.maskSelect(specs[0] as NDArray);
    }
    if (specs.length > this.ndim) throw new RangeError(`slice: ${specs.length} indices for an array of ${this.ndim} dimensions`);
    this.node.shape.forEach((n, axis) => {
      if (isUnknown(n) && specs[axis] !== null && specs[axis] !== undefined) requireKnownChunks(this.node, `slice with ${JSON.stringify(specs[axis])} on axis ${axis}`, [axis]);
    });
    const selection: AxisSelection[] = this.node.shape.map((n, axis) => parseSelection(specs[axis] ?? null, n, axis));
    const shape = selection.filter((s) => s.kind === 'range').map((s) => (s as { count: number }).count);
    return new NDArray({ kind: 'slice', input: this.node, selection, ...meta('slice', [this.node.token, selection], shape, slicedChunks(this.node.chunks, selection), this.dtype) });
  }

  private maskSelect(mask: NDArray): NDArray {
    if (this.ndim !== 1 || mask.ndim !== 1) throw new RangeError(`slice: boolean-mask selection takes a 1-D array and a 1-D mask, got shapes (${this.shape.map(fmtLength).join(', ')}) and (${mask.shape.map(fmtLength).join(', ')})`);
    if (mask.dtype !== 'bool') throw new TypeError(`slice: a mask must be a bool array (e.g. x.gt(0)), got dtype ${mask.dtype}`);
    if (!Object.is(mask.node.shape[0], this.node.shape[0])) throw new RangeError(`slice: the mask has length ${fmtLength(mask.node.shape[0]!)} and the array ${fmtLength(this.node.shape[0]!)}; they must match`);
    const chunks = [unifyAxis([this.node.chunks[0]!, mask.node.chunks[0]!], 0, 'boolean-mask selection')];
    const input = rechunkNode(this.node, chunks);
    const m = rechunkNode(mask.node, chunks);
    const out = chunks[0]!.map(() => NaN);
    return new NDArray({ kind: 'mask', input, mask: m, ...meta('mask', [input.token, m.token], [NaN], [out], this.dtype) });
  }

  /**
   * The same array with every chunk length known (Dask's compute_chunk_sizes): computes the blocks once to
   * read their shapes. Arrays from df.toArray() or a mask need it before rechunk, reshape, integer slicing.
   */
  async computeChunkSizes(options: ArrayComputeOptions = {}): Promise<NDArray> {
    if (!this.node.chunks.some((c) => c.some(isUnknown))) return this;
    const chunks = await computeChunks(this.node, options);
    const shape = chunks.map((c) => c.reduce((a, b) => a + b, 0));
    return new NDArray({ kind: 'known-chunks', input: this.node, ...meta('known-chunks', [this.node.token], shape, chunks, this.dtype) });
  }

  rechunk(chunks: ChunksSpec): NDArray {
    requireKnownChunks(this.node, 'rechunk');
    return new NDArray(rechunkNode(this.node, normalizeChunks(chunks, this.node.shape, this.dtype, 'rechunk')));
  }

  /**
   * A new shape with the same number of elements. Works when the array is one chunk, or when only the
   * leading axis is chunked and it is kept (e.g. (n, a, b) -> (n, a*b)); otherwise rechunk first (as Dask).
   */
  reshape(shape: readonly number[]): NDArray {
    requireKnownChunks(this.node, 'reshape');
    const known = shape.filter((n) => n !== -1).reduce((a, b) => a * b, 1);
    const target = shape.map((n) => (n === -1 ? this.size / known : n));
    if (shape.filter((n) => n === -1).length > 1 || target.some((n) => !Number.isInteger(n) || n < 0) || target.reduce((a, b) => a * b, 1) !== this.size) {
      throw new RangeError(`reshape: cannot reshape an array of shape (${this.shape.join(', ')}) into (${shape.join(', ')})`);
    }
    if (target.join() === this.node.shape.join()) return this;
    const oneChunk = this.node.chunks.every((c) => c.length === 1);
    if (oneChunk) {
      return new NDArray({ kind: 'reshape', input: this.node, ...meta('reshape', [this.node.token], target, target.map((n) => [n]), this.dtype) });
    }
    // leading axis kept and chunked, the rest whole in every block: each block reshapes on its own
    const restWhole = this.node.chunks.slice(1).every((c) => c.length === 1);
    if (restWhole && this.ndim >= 1 && target.length >= 1 && target[0] === this.node.shape[0]) {
      const chunks = [[...this.node.chunks[0]!], ...target.slice(1).map((n) => [n])];
      return new NDArray({ kind: 'reshape', input: this.node, ...meta('reshape', [this.node.token], target, chunks, this.dtype) });
    }
    throw new RangeError(`reshape from (${this.shape.join(', ')}) to (${target.join(', ')}) needs the array in one chunk here (it has ${this.numblocks.join(' x ')} blocks); call .rechunk(-1) first, or reshape before chunking`);
  }

  squeeze(axis?: number | readonly number[]): NDArray {
    const axes = axis === undefined ? this.node.shape.flatMap((n, i) => (n === 1 ? [i] : [])) : normalizeAxes(axis, this.ndim);
    for (const a of axes) if (this.node.shape[a] !== 1) throw new RangeError(`squeeze: axis ${a} has length ${this.node.shape[a]}, not 1`);
    return this.slice(...this.node.shape.map((_, i) => (axes.includes(i) ? 0 : null)));
  }

  expandDims(axis: number): NDArray {
    const nd = this.ndim + 1;
    const a = axis < 0 ? axis + nd : axis;
    if (!Number.isInteger(a) || a < 0 || a >= nd) throw new RangeError(`expandDims: axis ${axis} is out of bounds for the result's ${nd} dimensions`);
    const shape = [...this.node.shape];
    shape.splice(a, 0, 1);
    const chunks = this.node.chunks.map((c) => [...c]);
    chunks.splice(a, 0, [1]);
    return new NDArray({ kind: 'expand', input: this.node, axis: a, ...meta('expand', [this.node.token, a], shape, chunks, this.dtype) });
  }

  // ---- linear algebra ----
  /** Matrix product of 2-D arrays, blockwise: each output block sums a_ip @ b_pj in a tree. */
  matmul(other: NDArray, options: { splitEvery?: number } = {}): NDArray {
    if (!isNDArray(other)) throw new TypeError('matmul takes an NDArray');
    if (this.ndim !== 2 || other.ndim !== 2) throw new ShapeMismatchError(`matmul takes 2-D arrays, got shapes (${this.shape.join(', ')}) and (${other.shape.join(', ')})`);
    const [m, k] = this.node.shape as [number, number];
    const [k2, n] = other.node.shape as [number, number];
    if (!Object.is(k, k2)) throw new ShapeMismatchError(`matmul: inner dimensions differ: (${fmtLength(m)}, ${fmtLength(k)}) @ (${fmtLength(k2)}, ${fmtLength(n)}); the first's columns must equal the second's rows`);
    // unknown inner chunks (x.T @ x of df.toArray()) pair block p with block p; each task checks they match
    const inner = unifyAxis([this.node.chunks[1]!, other.node.chunks[0]!], 1, 'matmul');
    const a = rechunkNode(this.node, [this.node.chunks[0]!, inner]);
    const b = rechunkNode(other.node, [inner, other.node.chunks[1]!]);
    const splitEvery = options.splitEvery ?? null;
    return new NDArray({ kind: 'matmul', a, b, splitEvery, ...meta('matmul', [a.token, b.token, splitEvery], [m, n], [[...a.chunks[0]!], [...b.chunks[1]!]], 'float64') });
  }
  dot(other: NDArray): NDArray {
    if (this.ndim === 1 && other.ndim === 1) return this.mul(other).sum();
    return this.matmul(other);
  }

  /** Applies `fn(block, ...otherBlocks, params)` to each block (ndarrays); it returns an ndarray or a typed array. */
  mapBlocks(fn: UserFunction<(...args: any[]) => unknown>, options: { dtype?: DType; chunks?: ChunksSpec; params?: unknown; with?: readonly NDArray[] } = {}): NDArray {
    const dtype = options.dtype ? checkDType(options.dtype, 'mapBlocks') : this.dtype;
    const others = options.with ?? [];
    const chunks = options.chunks === undefined ? this.node.chunks : normalizeBlockChunks(options.chunks, this.node.chunks);
    const shape = chunks.map((c) => c.reduce((s, x) => s + x, 0));
    const inputs = [this.node, ...others.map((o) => alignTo(o.node, this.node.chunks, this.node.shape))];
    // a closure counts by identity: two with the same source may capture different values
    const fnToken = typeof fn === 'function' ? `fn${registerLocalFunction(fn as (...a: unknown[]) => unknown)}` : JSON.stringify(fn);
    return new NDArray({ kind: 'map-blocks', fn, inputs, params: options.params, fnToken, ...meta('map-blocks', [inputs.map((x) => x.token), fnToken, options.params ?? null], shape, chunks, dtype) });
  }

  /** The values as an `ndarray` over a SharedArrayBuffer (its `.data` a typed array). compute(a, df, ...) takes arrays too. */
  compute(options: ArrayComputeOptions = {}): Promise<ndarray.NdArray<any>> {
    return computeArray(this.node, options);
  }

  /** The plan and the size of the graph that would run. */
  explain(options: ArrayComputeOptions = {}): string {
    return explainArray(this.node, options);
  }

  /** The collection protocol: compute() and explain() drive arrays through this. */
  [COLLECTION](): Output<ndarray.NdArray<any>> {
    return arrayOutput(this.node);
  }
}

/** mapBlocks' {chunks}: the block grid must stay the same; per axis the new lengths of each block. */
function normalizeBlockChunks(spec: ChunksSpec, input: Chunks): Chunks {
  if (!Array.isArray(spec) || spec.length !== input.length) throw new TypeError(`mapBlocks: chunks must give, per axis, the output length of each block (${input.length} axes)`);
  return spec.map((c, axis) => {
    const n = input[axis]!.length;
    if (typeof c === 'number') return new Array<number>(n).fill(c);
    if (Array.isArray(c) && c.length === n) return [...c] as number[];
    throw new TypeError(`mapBlocks: chunks along axis ${axis} must be one length or ${n} lengths (one per block)`);
  });
}
