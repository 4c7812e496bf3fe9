// The static types of computed results: compute(a, b, c) resolves to a tuple whose every element has the
// type of that argument's own .compute() (Table for frames, Vector for series, Scalar<T>'s T), and
// non-collections pass through, as they do at run time. A trailing options object is not a result.

import type { Collection, ComputeOptions } from './compute.ts';

/** What one compute() argument becomes: a collection's result, anything else as given. */
export type Computed<C> = C extends Collection & { compute(options?: ComputeOptions): Promise<infer R> } ? R : C;

/** The arguments of compute() without a trailing options object. */
type ResultArgs<A extends readonly unknown[]> = A extends readonly [...infer Head, infer Last]
  ? Last extends Collection
    ? A
    : Last extends ComputeOptions
      ? Head
      : A
  : A;

type MapComputed<A extends readonly unknown[]> = { -readonly [K in keyof A]: Computed<A[K]> };

/** The resolved value of compute(...args): one result per argument, in order. */
export type ComputeResults<A extends readonly unknown[]> = MapComputed<ResultArgs<A>>;
