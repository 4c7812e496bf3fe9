// Lazy random arrays: a generating call reserves its counter blocks when the array is built, and each
// chunk task fills its own region from (key, start, element index), so chunking never changes a value.

import { tokenize } from '../../scheduler/tokenize.ts';
import type { DType } from '../../kernels/array/dtypes.ts';
import { blocksFor } from '../../random/distributions.ts';
import type { StreamStart } from '../../random/stream.ts';
import { normalizeChunks, type ChunksSpec } from './chunks.ts';
import type { RandomSpec } from './node.ts';
import { NDArray } from './ndarray.ts';

export interface Reserver {
  reserve(blocks: number): StreamStart;
}

export function randomArray(
  gen: Reserver, dist: RandomSpec['dist'], params: Record<string, number>, shape: number | readonly number[], chunks: ChunksSpec | undefined, dtype: DType,
  options: { cumulative?: Float64Array } = {},
): NDArray {
  const s = typeof shape === 'number' ? [shape] : [...shape];
  if (!s.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new TypeError(`random: shape must be a non-negative integer or a list of them, got ${JSON.stringify(shape)}`);
  const size = s.reduce((a, b) => a * b, 1);
  const layout = dist === 'uniform' || dist === 'normal' || dist === 'exponential' || dist === 'choice' ? 'pairs' : 'elements';
  const start = gen.reserve(dist === 'permutation' ? 1 : blocksFor(layout, size));
  const spec: RandomSpec = { dist, start, params, ...(options.cumulative ? { cumulative: [...options.cumulative] } : {}) };
  const c = normalizeChunks(chunks, s, dtype, `random.${dist}`);
  return new NDArray({ kind: 'random', random: spec, token: tokenize('array-random', spec, s, c, dtype), shape: s, chunks: c, dtype });
}
