// Generator: a Philox key plus a position in its counter sequence, and nothing else, so it is plain data
// that serialises and travels into tasks. Each generating call reserves the next run of counter blocks.

import { philox4x32 } from './philox.ts';
import type { StreamStart } from './stream.ts';
import type { ChunksSpec } from '../collections/ndarray/chunks.ts';
import type { NDArray } from '../collections/ndarray/ndarray.ts';
import { randomArray } from '../collections/ndarray/random.ts';
import {
  blocksFor, fillBinomial, fillExponential, fillGamma, fillIntegers, fillNormal, fillPermutation,
  fillPoisson, fillUniform, fillWeightedChoice,
} from './distributions.ts';

export const GENERATOR_KIND = 'tessera.random.Generator';

/** What a Generator is, as plain data: `random.generator(state)` rebuilds it anywhere. */
export interface GeneratorState {
  readonly kind: typeof GENERATOR_KIND;
  /** The Philox key (two unsigned 32-bit words). */
  readonly key: readonly [number, number];
  /** The next unused counter block, as a 96-bit number in three unsigned 32-bit words, low first. */
  readonly position: readonly [number, number, number];
  /** How many children spawn() has handed out, so the next spawn() gives new ones. */
  readonly spawned: number;
}

export type Seed = number | bigint | GeneratorState;

export type IntegerDtype = 'int64' | 'int32' | 'float64';
export type IntegerArray = BigInt64Array | Int32Array | Float64Array;
export type IntegerArrayOf<D extends IntegerDtype> = D extends 'int32' ? Int32Array : D extends 'float64' ? Float64Array : BigInt64Array;

const TWO32 = 4294967296;
// Domain tags keep seeding and spawning from ever evaluating Philox at the same (counter, key).
const SEED_KEY0 = 0x74657373;
const SEED_KEY1 = 0x65726121;
const SPAWN_TAG = 0x73706177;

function isState(x: unknown): x is GeneratorState {
  return typeof x === 'object' && x !== null && (x as GeneratorState).kind === GENERATOR_KIND;
}

/** What structured clone makes of a Generator (postMessage, a task's params): its fields without the class. */
function fromClone(x: unknown): GeneratorState | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = x as Record<string, unknown>;
  if (!['key0', 'key1', 'p0', 'p1', 'p2', 'spawned'].every((k) => typeof o[k] === 'number')) return null;
  return { kind: GENERATOR_KIND, key: [o.key0 as number, o.key1 as number], position: [o.p0 as number, o.p1 as number, o.p2 as number], spawned: o.spawned as number };
}

function isWord(x: unknown): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < TWO32;
}

/** Key of a seed: Philox4x32-10 of the seed's 128 bits under a fixed key, first two output words. */
function keyOfSeed(seed: number | bigint): [number, number] {
  let big: bigint;
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`random.generator(seed): seed must be a non-negative safe integer or a bigint below 2^128, got ${seed}`);
    big = BigInt(seed);
  } else if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 128n) throw new RangeError(`random.generator(seed): a bigint seed must be in [0, 2^128), got ${seed}`);
    big = seed;
  } else {
    throw new TypeError(`random.generator(seed): seed must be a number, a bigint or a generator's state (gen.toJSON()), got ${typeof seed}`);
  }
  const words = [0, 1, 2, 3].map((i) => Number((big >> BigInt(32 * i)) & 0xffffffffn));
  const out = new Uint32Array(4);
  philox4x32(words[0]!, words[1]!, words[2]!, words[3]!, SEED_KEY0, SEED_KEY1, out, 0);
  return [out[0]!, out[1]!];
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what}: the number of values must be a non-negative integer, got ${n}`);
}

function checkFinite(x: number, what: string, name: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`${what}: ${name} must be a finite number, got ${x}`);
}

function toIntegerArray(values: Float64Array, dtype: IntegerDtype, what: string): IntegerArray {
  if (dtype === 'float64') return values;
  if (dtype === 'int32') {
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v > 2147483647 || v < -2147483648) throw new RangeError(`${what}: value ${v} does not fit dtype 'int32'; use dtype 'int64' or 'float64'`);
      out[i] = v;
    }
    return out;
  }
  if (dtype === 'int64') {
    const out = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
    return out;
  }
  throw new TypeError(`${what}: dtype must be 'int64', 'int32' or 'float64', got ${String(dtype)}`);
}

export class Generator {
  private key0: number;
  private key1: number;
  private p0: number;
  private p1: number;
  private p2: number;
  private spawned: number;

  constructor(seed: Seed) {
    if (!isState(seed) && typeof seed === 'object' && seed !== null) seed = fromClone(seed) ?? seed;
    if (isState(seed)) {
      const { key, position, spawned } = seed;
      if (!Array.isArray(key) || key.length !== 2 || !key.every(isWord) || !Array.isArray(position) || position.length !== 3 || !position.every(isWord) || !Number.isSafeInteger(spawned) || spawned < 0) {
        throw new TypeError('random.generator(state): the state is damaged; it needs key [u32, u32], position [u32, u32, u32] and spawned >= 0, as gen.toJSON() gives');
      }
      [this.key0, this.key1] = key;
      [this.p0, this.p1, this.p2] = position;
      this.spawned = spawned;
    } else {
      [this.key0, this.key1] = keyOfSeed(seed);
      this.p0 = this.p1 = this.p2 = 0;
      this.spawned = 0;
    }
  }

  /** The generator as plain data (JSON-safe). `random.generator(gen.toJSON())` continues the same stream. */
  toJSON(): GeneratorState {
    return { kind: GENERATOR_KIND, key: [this.key0, this.key1], position: [this.p0, this.p1, this.p2], spawned: this.spawned };
  }

  /**
   * n new generators, each with its own key, as numpy's SeedSequence.spawn: child j's key is Philox of
   * (spawn index, tag) under this generator's key, so children never share a key with each other and
   * repeated spawn() calls continue the numbering. Their streams start at position 0.
   */
  spawn(n: number): Generator[] {
    checkCount(n, 'gen.spawn(n)');
    const out: Generator[] = [];
    const w = new Uint32Array(4);
    for (let j = 0; j < n; j++) {
      const index = this.spawned + j;
      philox4x32(index % TWO32, Math.floor(index / TWO32), SPAWN_TAG, 0, this.key0, this.key1, w, 0);
      out.push(new Generator({ kind: GENERATOR_KIND, key: [w[0]!, w[1]!], position: [0, 0, 0], spawned: 0 }));
    }
    this.spawned += n;
    return out;
  }

  /**
   * A new generator k * 2^64 blocks further along this one's sequence (numpy's `jumped`): draws made from
   * either do not reach the other's for 2^64 blocks. This generator is unchanged.
   */
  jumped(k = 1): Generator {
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`gen.jumped(k): k must be a non-negative integer, got ${k}`);
    const p2 = this.p2 + k;
    if (p2 >= TWO32) throw new RangeError(`gen.jumped(${k}): the 96-bit position would pass 2^96; use spawn() for more streams`);
    return new Generator({ kind: GENERATOR_KIND, key: [this.key0, this.key1], position: [this.p0, this.p1, p2], spawned: this.spawned });
  }

  /**
   * Reserves `blocks` counter blocks for one generating call and returns where they start. Lazy arrays
   * reserve at build time, so the order of calls (not of execution) fixes which numbers each gets.
   */
  reserve(blocks: number): StreamStart {
    const start: StreamStart = { key0: this.key0, key1: this.key1, p0: this.p0, p1: this.p1, p2: this.p2 };
    const lo = this.p0 + (blocks % TWO32);
    const mid = this.p1 + Math.floor(blocks / TWO32) + (lo >= TWO32 ? 1 : 0);
    const hi = this.p2 + (mid >= TWO32 ? 1 : 0);
    if (hi >= TWO32) throw new RangeError('random: this generator has used its 2^96 counter blocks; spawn() a new one');
    this.p0 = lo % TWO32;
    this.p1 = mid % TWO32;
    this.p2 = hi;
    return start;
  }

  // ---- eager draws: typed arrays, usable inside any task ----

  /** n uniforms on [low, high), 53-bit resolution. */
  uniformArray(n: number, low = 0, high = 1): Float64Array {
    checkCount(n, 'gen.uniformArray');
    checkFinite(low, 'gen.uniformArray', 'low');
    checkFinite(high, 'gen.uniformArray', 'high');
    const out = new Float64Array(n);
    fillUniform(this.reserve(blocksFor('pairs', n)), 0, n, out, 0, low, high);
    return out;
  }

  standardNormalArray(n: number): Float64Array {
    return this.normalArray(n, 0, 1);
  }

  normalArray(n: number, loc = 0, scale = 1): Float64Array {
    checkCount(n, 'gen.normalArray');
    checkFinite(loc, 'gen.normalArray', 'loc');
    checkFinite(scale, 'gen.normalArray', 'scale');
    if (scale < 0) throw new RangeError(`gen.normalArray: scale must be >= 0, got ${scale}`);
    const out = new Float64Array(n);
    fillNormal(this.reserve(blocksFor('pairs', n)), 0, n, out, 0, loc, scale);
    return out;
  }

  exponentialArray(n: number, scale = 1): Float64Array {
    checkCount(n, 'gen.exponentialArray');
    if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError(`gen.exponentialArray: scale must be a finite number >= 0, got ${scale}`);
    const out = new Float64Array(n);
    fillExponential(this.reserve(blocksFor('pairs', n)), 0, n, out, 0, scale);
    return out;
  }

  gammaArray(n: number, shape: number, scale = 1): Float64Array {
    checkCount(n, 'gen.gammaArray');
    checkGammaParams(shape, scale, 'gen.gammaArray');
    const out = new Float64Array(n);
    fillGamma(this.reserve(blocksFor('elements', n)), 0, n, out, 0, shape, scale);
    return out;
  }

  /** n integers uniform on [low, high) (high exclusive, as numpy), int64 unless dtype says otherwise. */
  integersArray<D extends IntegerDtype = 'int64'>(low: number, high: number, n: number, dtype: D = 'int64' as D): IntegerArrayOf<D> {
    checkCount(n, 'gen.integersArray');
    checkIntegerRange(low, high, 'gen.integersArray');
    const out = new Float64Array(n);
    fillIntegers(this.reserve(blocksFor('elements', n)), 0, n, out, 0, low, high);
    return toIntegerArray(out, dtype, 'gen.integersArray') as IntegerArrayOf<D>;
  }

  poissonArray<D extends IntegerDtype = 'int64'>(n: number, lam = 1, dtype: D = 'int64' as D): IntegerArrayOf<D> {
    checkCount(n, 'gen.poissonArray');
    checkPoissonParams(lam, 'gen.poissonArray');
    const out = new Float64Array(n);
    fillPoisson(this.reserve(blocksFor('elements', n)), 0, n, out, 0, lam);
    return toIntegerArray(out, dtype, 'gen.poissonArray') as IntegerArrayOf<D>;
  }

  binomialArray<D extends IntegerDtype = 'int64'>(n: number, trials: number, p: number, dtype: D = 'int64' as D): IntegerArrayOf<D> {
    checkCount(n, 'gen.binomialArray');
    checkBinomialParams(trials, p, 'gen.binomialArray');
    const out = new Float64Array(n);
    fillBinomial(this.reserve(blocksFor('elements', n)), 0, n, out, 0, trials, p);
    return toIntegerArray(out, dtype, 'gen.binomialArray') as IntegerArrayOf<D>;
  }

  /** A pseudo-random permutation of 0..n-1 (int64 unless dtype says otherwise). */
  permutationArray<D extends IntegerDtype = 'int64'>(n: number, dtype: D = 'int64' as D): IntegerArrayOf<D> {
    checkCount(n, 'gen.permutationArray');
    const out = new Float64Array(n);
    fillPermutation(this.reserve(1), 0, n, out, 0, n);
    return toIntegerArray(out, dtype, 'gen.permutationArray') as IntegerArrayOf<D>;
  }

  /**
   * `size` indices drawn from 0..n-1: with replacement uniformly or by weights `p`; without replacement
   * the first `size` entries of a permutation.
   */
  choiceArray<D extends IntegerDtype = 'int64'>(n: number, size: number, options: ChoiceOptions = {}, dtype: D = 'int64' as D): IntegerArrayOf<D> {
    checkCount(size, 'gen.choiceArray');
    const plan = planChoice(n, size, options, 'gen.choiceArray');
    const out = new Float64Array(size);
    if (plan.kind === 'weighted') fillWeightedChoice(this.reserve(blocksFor('pairs', size)), 0, size, out, 0, plan.cumulative);
    else if (plan.kind === 'uniform') fillIntegers(this.reserve(blocksFor('elements', size)), 0, size, out, 0, 0, n);
    else fillPermutation(this.reserve(1), 0, size, out, 0, n);
    return toIntegerArray(out, dtype, 'gen.choiceArray') as IntegerArrayOf<D>;
  }

  // ---- lazy arrays: chunked NDArrays whose element i is the same whatever the chunks ----

  uniform(shape: Shape, options: ArrayOptions & { low?: number; high?: number } = {}): NDArray {
    const low = options.low ?? 0, high = options.high ?? 1;
    checkFinite(low, 'gen.uniform', 'low');
    checkFinite(high, 'gen.uniform', 'high');
    return randomArray(this, 'uniform', { low, high }, shape, options.chunks, 'float64');
  }

  standardNormal(shape: Shape, options: ArrayOptions = {}): NDArray {
    return this.normal(shape, options);
  }

  normal(shape: Shape, options: ArrayOptions & { loc?: number; scale?: number } = {}): NDArray {
    const loc = options.loc ?? 0, scale = options.scale ?? 1;
    checkFinite(loc, 'gen.normal', 'loc');
    checkFinite(scale, 'gen.normal', 'scale');
    if (scale < 0) throw new RangeError(`gen.normal: scale must be >= 0, got ${scale}`);
    return randomArray(this, 'normal', { loc, scale }, shape, options.chunks, 'float64');
  }

  exponential(shape: Shape, options: ArrayOptions & { scale?: number } = {}): NDArray {
    const scale = options.scale ?? 1;
    if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError(`gen.exponential: scale must be a finite number >= 0, got ${scale}`);
    return randomArray(this, 'exponential', { scale }, shape, options.chunks, 'float64');
  }

  /** Gamma(k, scale) draws; `k` is the distribution's shape parameter, `shape` the array's. */
  gamma(k: number, shape: Shape, options: ArrayOptions & { scale?: number } = {}): NDArray {
    const scale = options.scale ?? 1;
    checkGammaParams(k, scale, 'gen.gamma');
    return randomArray(this, 'gamma', { shape: k, scale }, shape, options.chunks, 'float64');
  }

  /** Integers uniform on [low, high) (int64 unless dtype says otherwise). */
  integers(low: number, high: number, shape: Shape, options: ArrayOptions & { dtype?: IntegerDtype } = {}): NDArray {
    checkIntegerRange(low, high, 'gen.integers');
    return randomArray(this, 'integers', { low, high }, shape, options.chunks, options.dtype ?? 'int64');
  }

  poisson(lam: number, shape: Shape, options: ArrayOptions & { dtype?: IntegerDtype } = {}): NDArray {
    checkPoissonParams(lam, 'gen.poisson');
    return randomArray(this, 'poisson', { lam }, shape, options.chunks, options.dtype ?? 'int64');
  }

  binomial(trials: number, p: number, shape: Shape, options: ArrayOptions & { dtype?: IntegerDtype } = {}): NDArray {
    checkBinomialParams(trials, p, 'gen.binomial');
    return randomArray(this, 'binomial', { n: trials, p }, shape, options.chunks, options.dtype ?? 'int64');
  }

  /** `size` indices from 0..n-1 (see choiceArray). */
  choice(n: number, size: number, options: ArrayOptions & ChoiceOptions & { dtype?: IntegerDtype } = {}): NDArray {
    checkCount(size, 'gen.choice');
    const plan = planChoice(n, size, options, 'gen.choice');
    const dtype = options.dtype ?? 'int64';
    if (plan.kind === 'weighted') return randomArray(this, 'choice', {}, size, options.chunks, dtype, { cumulative: plan.cumulative });
    if (plan.kind === 'uniform') return randomArray(this, 'integers', { low: 0, high: n }, size, options.chunks, dtype);
    return randomArray(this, 'permutation', { n }, size, options.chunks, dtype);
  }

  /** A permutation of 0..n-1 as a chunked array; entry i is computed alone (a keyed bijection). */
  permutation(n: number, options: ArrayOptions & { dtype?: IntegerDtype } = {}): NDArray {
    checkCount(n, 'gen.permutation');
    return randomArray(this, 'permutation', { n }, n, options.chunks, options.dtype ?? 'int64');
  }
}

export type Shape = number | readonly number[];
export interface ArrayOptions {
  /** Chunks of the lazy array: a block shape, per-axis lengths, 'auto' or a byte target; values never depend on them. */
  chunks?: ChunksSpec;
}

export interface ChoiceOptions {
  /** Draw with replacement (default true, as numpy). */
  replace?: boolean;
  /** Weights for 0..n-1 (non-negative, finite, not all zero); normalised here. */
  p?: ArrayLike<number>;
}

export type ChoicePlan =
  | { kind: 'uniform' }
  | { kind: 'weighted'; cumulative: Float64Array }
  | { kind: 'permutation' };

export function planChoice(n: number, size: number, options: ChoiceOptions, what: string): ChoicePlan {
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`${what}: n must be a positive integer (the number of items to choose from), got ${n}`);
  const replace = options.replace ?? true;
  if (options.p !== undefined) {
    if (!replace) throw new RangeError(`${what}: weighted choice without replacement is not supported; draw with replace: true or use permutation`);
    if (options.p.length !== n) throw new RangeError(`${what}: p has ${options.p.length} weights for ${n} items; give one weight per item`);
    const cumulative = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = options.p[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`${what}: weight p[${i}] = ${w}; weights must be finite and >= 0`);
      total += w;
      cumulative[i] = total;
    }
    if (total <= 0) throw new RangeError(`${what}: the weights p sum to 0; at least one must be positive`);
    return { kind: 'weighted', cumulative };
  }
  if (replace) return { kind: 'uniform' };
  if (size > n) throw new RangeError(`${what}: cannot take ${size} items without replacement from ${n}; use replace: true or a smaller size`);
  return { kind: 'permutation' };
}

export function checkGammaParams(shape: number, scale: number, what: string): void {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`${what}: shape must be a finite number > 0, got ${shape}`);
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError(`${what}: scale must be a finite number >= 0, got ${scale}`);
}

export function checkIntegerRange(low: number, high: number, what: string): void {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) throw new RangeError(`${what}: low and high must be safe integers, got ${low} and ${high}`);
  if (high <= low) throw new RangeError(`${what}: high (${high}) must be greater than low (${low}); high is exclusive`);
  if (high - low > 2 ** 53) throw new RangeError(`${what}: the range high - low must be at most 2^53`);
}

export function checkPoissonParams(lam: number, what: string): void {
  if (!(lam >= 0) || lam > 1e15) throw new RangeError(`${what}: lam must be in [0, 1e15], got ${lam}`);
}

export function checkBinomialParams(trials: number, p: number, what: string): void {
  if (!Number.isSafeInteger(trials) || trials < 0) throw new RangeError(`${what}: the number of trials must be a non-negative integer, got ${trials}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${what}: p must be in [0, 1], got ${p}`);
}

/** random.generator(seed): a seeded generator, or the one a state (gen.toJSON()) describes. */
export function generator(seed: Seed): Generator {
  return new Generator(seed);
}
