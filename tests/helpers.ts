// Shared test helpers: which schedulers the collection tests run under, a seeded RNG, naive reference
// reductions (plain loops over JS arrays, written independently of the kernels), and close-compare.

import * as assert from 'uvu/assert';
import type { SchedulerName } from '../src/index.ts';

/** Every collection test runs under each of these; TESSERA_TEST_SCHEDULERS=sync,threads narrows or widens it. */
export const SCHEDULERS: SchedulerName[] = (process.env.TESSERA_TEST_SCHEDULERS?.split(',') as SchedulerName[] | undefined) ?? availableSchedulers();

function availableSchedulers(): SchedulerName[] {
  return ['sync', 'threads', 'processes'];
}

/** mulberry32: deterministic test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Num = number | null;

/** Reference reductions over JS arrays: nulls skipped, NaN propagates (the documented semantics). */
export const naive = {
  count: (xs: Num[]) => xs.filter((x) => x !== null).length,
  sum: (xs: Num[]) => xs.reduce<number>((s, x) => (x === null ? s : s + x), 0),
  mean: (xs: Num[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length === 0 ? null : v.reduce((s, x) => s + x, 0) / v.length;
  },
  min: (xs: Num[]) => {
    const v = xs.filter((x): x is number => x !== null);
    if (v.length === 0) return null;
    if (v.some((x) => Number.isNaN(x))) return NaN;
    return v.reduce((m, x) => (x < m ? x : m));
  },
  max: (xs: Num[]) => {
    const v = xs.filter((x): x is number => x !== null);
    if (v.length === 0) return null;
    if (v.some((x) => Number.isNaN(x))) return NaN;
    return v.reduce((m, x) => (x > m ? x : m));
  },
  var: (xs: Num[], ddof = 1) => {
    const v = xs.filter((x): x is number => x !== null);
    if (v.length - ddof <= 0) return null;
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    return v.reduce((s, x) => s + (x - m) * (x - m), 0) / (v.length - ddof);
  },
  std: (xs: Num[], ddof = 1) => {
    const r = naive.var(xs, ddof);
    return r === null ? null : Math.sqrt(r);
  },
  prod: (xs: Num[]) => xs.reduce<number>((s, x) => (x === null ? s : s * x), 1),
  any: (xs: Num[]) => xs.some((x) => x !== null && x !== 0),
  all: (xs: Num[]) => xs.every((x) => x === null || x !== 0),
};

/** Equal within a relative tolerance; null, NaN, booleans and bigints must match exactly. */
export function assertClose(actual: unknown, expected: unknown, rel = 1e-9, what = ''): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isNaN(expected)) return assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
    if (!Number.isFinite(expected)) return assert.is(actual, expected, what);
    const tol = rel * Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected}, got ${actual}`);
    return;
  }
  assert.equal(actual, expected, what);
}

/** Split an array into `n` contiguous chunks, some possibly empty, matching fromColumns' row split. */
export function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < n; i++) out.push(xs.slice(Math.round((xs.length * i) / n), Math.round((xs.length * (i + 1)) / n)));
  return out;
}

/** Awaits `p`, which must reject with a message matching `re` (and be a `type`, if given); returns the error. */
export async function rejects(p: Promise<unknown>, re: RegExp, type?: new (...a: any[]) => Error): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (type) assert.instance(e, type);
    assert.match((e as Error).message, re);
    return e as Error;
  }
  assert.unreachable(`expected a rejection matching ${re}`);
  throw new Error('unreachable');
}
