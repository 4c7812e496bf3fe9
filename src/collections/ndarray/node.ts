// Array plan nodes: plain data that knows its shape, chunks and dtype when built. Each node has a
// deterministic token, so the same array built twice lowers to the same task keys and work is shared.

import type { DType } from '../../kernels/array/dtypes.ts';
import type { ArrayExpr } from '../../kernels/array/elementwise.ts';
import type { ReductionName } from '../../kernels/array/reduce.ts';
import type { ScanName } from '../../kernels/array/scan.ts';
import type { StreamStart } from '../../random/stream.ts';
import type { Chunks } from './chunks.ts';
import type { FrameNode } from '../plan.ts';

export interface ArrayMeta {
  readonly token: string;
  readonly shape: readonly number[];
  readonly chunks: Chunks;
  readonly dtype: DType;
}

export type FillSpec =
  | { readonly kind: 'full'; readonly value: number | bigint | boolean }
  | { readonly kind: 'arange'; readonly start: number; readonly step: number }
  | { readonly kind: 'eye'; readonly k: number };

export type RandomSpec = {
  readonly dist: 'uniform' | 'normal' | 'exponential' | 'gamma' | 'poisson' | 'binomial' | 'integers' | 'choice' | 'permutation';
  readonly start: StreamStart;
  readonly params: Readonly<Record<string, number>>;
  /** weighted choice: cumulative weights */
  readonly cumulative?: readonly number[];
};

/** Per-axis selection of a slice: a kept range (possibly reversed) or an integer that drops the axis. */
export type AxisSelection =
  | { readonly kind: 'range'; readonly start: number; readonly step: number; readonly count: number }
  | { readonly kind: 'index'; readonly index: number };

export type BlockwiseArg = { readonly input: number; readonly index: readonly string[] } | { readonly value: unknown };

/** 'lstsq-solve': R^-1 (Q.T b) of lstsq, refusing an R whose diagonal says a's columns are dependent to working precision. */
export type LinalgOp = 'cholesky' | 'inv' | 'solve' | 'solve-lower' | 'solve-upper' | 'lstsq-solve' | 'qr-q' | 'qr-r';

export type ArrayNode = ArrayMeta & (
  | { readonly kind: 'data'; readonly data: ArrayLike<number | bigint> }
  | { readonly kind: 'fill'; readonly fill: FillSpec }
  | { readonly kind: 'random'; readonly random: RandomSpec }
  | { readonly kind: 'elementwise'; readonly expr: ArrayExpr; readonly inputs: readonly ArrayNode[] }
  | { readonly kind: 'rechunk'; readonly input: ArrayNode }
  | { readonly kind: 'transpose'; readonly input: ArrayNode; readonly axes: readonly number[] }
  | { readonly kind: 'slice'; readonly input: ArrayNode; readonly selection: readonly AxisSelection[] }
  | { readonly kind: 'reshape'; readonly input: ArrayNode }
  | { readonly kind: 'expand'; readonly input: ArrayNode; readonly axis: number }
  | { readonly kind: 'reduce'; readonly input: ArrayNode; readonly name: ReductionName; readonly axes: readonly number[]; readonly keepdims: boolean; readonly ddof: number; readonly splitEvery: number | null }
  | { readonly kind: 'scan'; readonly input: ArrayNode; readonly name: ScanName; readonly axis: number }
  | { readonly kind: 'matmul'; readonly a: ArrayNode; readonly b: ArrayNode; readonly splitEvery: number | null }
  | { readonly kind: 'concatenate'; readonly inputs: readonly ArrayNode[]; readonly axis: number }
  /** rows: lstsq-solve's m (the rank tolerance scales with max(m, n)), NaN when unknown */
  | { readonly kind: 'linalg'; readonly op: LinalgOp; readonly inputs: readonly ArrayNode[]; readonly rows?: number }
  | { readonly kind: 'tsqr'; readonly input: ArrayNode; readonly part: 'q' | 'r' }
  /** numeric columns of a DataFrame: one row block per partition, rows unknown until read */
  | { readonly kind: 'frame'; readonly frame: FrameNode; readonly columns: readonly string[] }
  /** the input with chunk lengths now known (computeChunkSizes): the same blocks, nothing recomputed differently */
  | { readonly kind: 'known-chunks'; readonly input: ArrayNode }
  /** 1-D boolean-mask selection: each block keeps its elements where the mask's block is true */
  | { readonly kind: 'mask'; readonly input: ArrayNode; readonly mask: ArrayNode }
  /** array.blockwise: fn over aligned blocks; `args` are arrays (by input number, with one index letter per axis) or plain values */
  | { readonly kind: 'blockwise'; readonly fn: unknown; readonly inputs: readonly ArrayNode[]; readonly outIndex: readonly string[]; readonly args: readonly BlockwiseArg[]; readonly params: unknown; readonly fnToken: string }
  | { readonly kind: 'map-blocks'; readonly fn: unknown; readonly inputs: readonly ArrayNode[]; readonly params: unknown; readonly fnToken: string }
);

/** The nodes a node reads. */
export function childrenOf(n: ArrayNode): readonly ArrayNode[] {
  switch (n.kind) {
    case 'matmul': return [n.a, n.b];
    case 'mask': return [n.input, n.mask];
    default: return 'inputs' in n ? n.inputs : 'input' in n ? [n.input] : [];
  }
}
