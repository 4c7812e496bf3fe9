// The static types of computed results: compute(a, b, c) resolves to a tuple whose every element has the
// type of that argument's own .compute() (Table for frames, Vector for series, Scalar<T>'s T), and
// non-collections pass through, as they do at run time. A trailing options object is not a result.

import type { Collection, ComputeOptions } from './compute.ts';

/**
 * What one compute() argument becomes: a collection's result; an array or tuple, or an object with a
 * collection among its own values, with each collection inside replaced (as compute does at run time);
 * anything else as given.
 */
export type Computed<C> = C extends Collection & { compute(options?: ComputeOptions): Promise<infer R> }
  ? R
  : C extends readonly unknown[]
    ? { -readonly [K in keyof C]: Computed<C[K]> }
    : C extends object
      ? HoldsCollection<C> extends true
        ? { -readonly [K in keyof C]: Computed<C[K]> }
        : C
      : C;

/** True when some value of C (one level or more down, through arrays and objects) is a collection. */
type HoldsCollection<C> = true extends { [K in keyof C]: C[K] extends Collection ? true : C[K] extends readonly unknown[] ? HoldsCollection<C[K]> : false }[keyof C] ? true : false;

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
