// Distribution samplers over Philox streams. Each fills a run of elements [first, first + count) of one
// generating call, and element i depends only on (key, call start, i): chunks can be made in any order.

import { philox4x32, philoxBlocks, philoxBlocksInKernel, philoxSimdActive } from './philox.ts';
import { WASM_MAX_BLOCKS, wasmPhilox } from './philox-wasm.ts';
import { ElementStream, blockCounter, fillPairs, forEachBatch, uniform53, type StreamStart } from './stream.ts';
import { cos2pi, log64, sin2pi } from '../kernels/array/elementary.ts';
import { NORMALS_AT, NORMAL_BLOCKS, elementaryWasm, elementaryWasmEnabled } from '../kernels/array/elementary-wasm.ts';

const TWO_PI = 2 * Math.PI;

/** Blocks a call of `count` elements reserves in its generator's sequence, by layout. */
export function blocksFor(layout: 'pairs' | 'elements', count: number): number {
  return layout === 'pairs' ? Math.ceil(count / 2) : count;
}

// ---- paired layouts: two elements per block, a fixed number of counter draws per element ----

export function fillUniform(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, low = 0, high = 1): void {
  const span = high - low;
  if (count > 0 && philoxSimdActive() && wasmPhilox()!.uniforms) return fillUniformWasm(s, first, count, out, offset, low, span);
  const end = first + count;
  forEachBatch(s, first, count, (w, blocks, e0) => {
    for (let k = 0, o = 0, e = e0; k < blocks; k++, o += 4, e += 2) {
      if (e >= first) out[offset + e - first] = low + span * uniform53(w[o]!, w[o + 1]!);
      if (e + 1 < end) out[offset + e + 1 - first] = low + span * uniform53(w[o + 2]!, w[o + 3]!);
    }
  });
}

/** fillUniform a batch at a time in the SIMD kernels: Philox words and their uniforms stay in its memory until copied out. */
function fillUniformWasm(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, low: number, span: number): void {
  const w = wasmPhilox()!;
  const ctr = new Uint32Array(3);
  const firstBlock = Math.floor(first / 2);
  const lastBlock = Math.floor((first + count - 1) / 2);
  for (let block = firstBlock; block <= lastBlock; block += WASM_MAX_BLOCKS) {
    const n = Math.min(WASM_MAX_BLOCKS, lastBlock - block + 1);
    blockCounter(s, block, ctr);
    philoxBlocksInKernel(ctr[0]!, ctr[1]!, ctr[2]!, 0, s.key0, s.key1, n);
    w.uniforms!(n, low, span);
    // elements 2 * block .. of this batch, clipped to [first, first + count)
    const from = Math.max(first, 2 * block);
    const to = Math.min(first + count, 2 * (block + n));
    out.set(w.uniformsOut.subarray(from - 2 * block, to - 2 * block), offset + from - first);
  }
}

/**
 * Box-Muller on one block: u1 from words 0-1, u2 from words 2-3, radius sqrt(-2 ln(1 - u1)) (1 - u1 is
 * in (0, 1], so the log is finite), element 2k the cosine of 2 pi u2, 2k+1 the sine. log, cos2pi and sin2pi
 * are tessera's own (kernels/array/elementary.ts), which its SIMD kernel computes with the same bits.
 */
export function fillNormal(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, loc = 0, scale = 1): void {
  if (count <= 0) return;
  if (elementaryWasmEnabled()) return fillNormalWasm(s, first, count, out, offset, loc, scale);
  // Both elements of a block share r and t: computed once per block (the values are the same either way)
  const end = first + count;
  forEachBatch(s, first, count, (w, blocks, e0) => {
    for (let k = 0, o = 0, e = e0; k < blocks; k++, o += 4, e += 2) {
      const r = scale * Math.sqrt(-2 * log64(1 - uniform53(w[o]!, w[o + 1]!)));
      const u2 = uniform53(w[o + 2]!, w[o + 3]!);
      if (e >= first) out[offset + e - first] = loc + r * cos2pi(u2);
      if (e + 1 < end) out[offset + e + 1 - first] = loc + r * sin2pi(u2);
    }
  });
}

/** fillNormal a batch at a time in the SIMD kernel: Philox words into its memory, normals out of it. */
function fillNormalWasm(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, loc: number, scale: number): void {
  const w = elementaryWasm()!;
  const ctr = new Uint32Array(3);
  const firstBlock = Math.floor(first / 2);
  const lastBlock = Math.floor((first + count - 1) / 2);
  const normals = new Float64Array(w.memory.buffer, NORMALS_AT, 2 * NORMAL_BLOCKS);
  for (let block = firstBlock; block <= lastBlock; block += NORMAL_BLOCKS) {
    const n = Math.min(NORMAL_BLOCKS, lastBlock - block + 1);
    blockCounter(s, block, ctr);
    philoxBlocks(ctr[0]!, ctr[1]!, ctr[2]!, 0, s.key0, s.key1, n, w.words);
    w.normal(n, loc, scale);
    // elements 2 * block .. of this batch, clipped to [first, first + count)
    const from = Math.max(first, 2 * block);
    const to = Math.min(first + count, 2 * (block + n));
    out.set(normals.subarray(from - 2 * block, to - 2 * block), offset + from - first);
  }
}

/** Inverse CDF: -ln(1 - u) * scale. */
export function fillExponential(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, scale = 1): void {
  fillPairs(s, first, count, out, offset, (w, o, h) => -Math.log1p(-uniform53(w[o + 2 * h]!, w[o + 2 * h + 1]!)) * scale);
}

/** Weighted choice by inverse CDF: the first index whose cumulative weight exceeds u * total. */
export function fillWeightedChoice(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, cumulative: Float64Array): void {
  const n = cumulative.length;
  const total = cumulative[n - 1]!;
  const pick = (u: number): number => {
    const target = u * total;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  fillPairs(s, first, count, out, offset, (w, o, h) => pick(uniform53(w[o + 2 * h]!, w[o + 2 * h + 1]!)));
}

// ---- per-element layouts: element i owns the substream of block i (rejection samplers) ----

/**
 * Uniform integers on [low, high) by rejection (no modulo bias): a 32-bit word when the range fits in
 * 2^32, otherwise a 53-bit integer; draws at or above the largest multiple of the range are redrawn.
 */
export function fillIntegers(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, low: number, high: number): void {
  const range = high - low;
  const es = new ElementStream(s);
  if (range <= 4294967296) {
    const limit = 4294967296 - (4294967296 % range);
    for (let j = 0; j < count; j++) {
      es.seek(first + j);
      let x = es.word();
      while (x >= limit) x = es.word();
      out[offset + j] = low + (x % range);
    }
  } else {
    const limit = 9007199254740992 - (9007199254740992 % range);
    for (let j = 0; j < count; j++) {
      es.seek(first + j);
      let x: number;
      do {
        const a = es.word();
        x = (a >>> 5) * 67108864 + (es.word() >>> 6);
      } while (x >= limit);
      out[offset + j] = low + (x % range);
    }
  }
}

function standardNormalFrom(es: ElementStream): number {
  const r = Math.sqrt(-2 * Math.log(1 - es.uniform()));
  return r * Math.cos(TWO_PI * es.uniform());
}

/** Marsaglia-Tsang (2000) for shape >= 1; shape < 1 via Gamma(shape + 1) * U^(1/shape). */
function gammaFrom(es: ElementStream, shape: number): number {
  if (shape < 1) {
    const g = gammaFrom(es, shape + 1);
    return g * Math.pow(1 - es.uniform(), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormalFrom(es);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - es.uniform();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function fillGamma(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, shape: number, scale = 1): void {
  const es = new ElementStream(s);
  for (let j = 0; j < count; j++) {
    es.seek(first + j);
    out[offset + j] = gammaFrom(es, shape) * scale;
  }
}

const LOG_FACTORIAL_TABLE: number[] = (() => {
  const t = [0];
  for (let k = 1; k < 32; k++) t.push(t[k - 1]! + Math.log(k));
  return t;
})();
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln(k!) : a table below 32, Stirling's series (error < 1e-15 there) above. */
export function logFactorial(k: number): number {
  if (k < 32) return LOG_FACTORIAL_TABLE[k]!;
  const x = k + 1;
  const x2 = x * x;
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + (1 / 12 - (1 / 360 - 1 / (1260 * x2)) / x2) / x;
}

/** Poisson: inversion by sequential search below lambda 10, Hormann's PTRS (1993) above. */
function poissonFrom(es: ElementStream, lam: number): number {
  if (lam === 0) return 0;
  if (lam < 10) {
    const e = Math.exp(-lam);
    for (;;) {
      let u = es.uniform();
      let k = 0;
      let p = e;
      while (u > p && k < 1000) {
        u -= p;
        k++;
        p *= lam / k;
      }
      if (k < 1000) return k;
    }
  }
  const slam = Math.sqrt(lam);
  const loglam = Math.log(lam);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = es.uniform() - 0.5;
    const V = es.uniform();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor((2 * a / us + b) * U + lam + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lam + k * loglam - logFactorial(k)) return k;
  }
}

export function fillPoisson(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, lam: number): void {
  const es = new ElementStream(s);
  for (let j = 0; j < count; j++) {
    es.seek(first + j);
    out[offset + j] = poissonFrom(es, lam);
  }
}

/** Binomial(n, p) for p <= 0.5: inversion when n*p < 10, Hormann's BTRS (1993) otherwise. */
function binomialFrom(es: ElementStream, n: number, p: number): number {
  if (n === 0 || p === 0) return 0;
  const q = 1 - p;
  if (n * p < 10) {
    const ratio = p / q;
    const r0 = Math.pow(q, n);
    for (;;) {
      let u = es.uniform();
      let k = 0;
      let r = r0;
      while (u > r && k < n) {
        u -= r;
        k++;
        r *= ((n - k + 1) / k) * ratio;
      }
      if (u <= r || k === n) return k;
    }
  }
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spq;
  const lpq = Math.log(p / q);
  const m = Math.floor((n + 1) * p);
  const h = logFactorial(m) + logFactorial(n - m);
  for (;;) {
    const u = es.uniform() - 0.5;
    let v = es.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor((2 * a / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log(v * alpha / (a / (us * us) + b));
    if (v <= h - logFactorial(k) - logFactorial(n - k) + (k - m) * lpq) return k;
  }
}

export function fillBinomial(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, n: number, p: number): void {
  const es = new ElementStream(s);
  const flip = p > 0.5;
  const pp = flip ? 1 - p : p;
  for (let j = 0; j < count; j++) {
    es.seek(first + j);
    const k = binomialFrom(es, n, pp);
    out[offset + j] = flip ? n - k : k;
  }
}

// ---- permutations: a keyed bijection on indices, so element i of a permutation is computable alone ----

const FEISTEL_ROUNDS = 6;

/**
 * Element `first + j` of a pseudo-random permutation of [0, n): a 6-round balanced Feistel network
 * over the smallest even-bit domain 2^(2h) >= n, with Philox (keyed per call) as round function, and
 * cycle walking (re-encrypt until the value falls below n; the domain is < 4n, so < 4 walks on average).
 */
export function fillPermutation(s: StreamStart, first: number, count: number, out: Float64Array, offset: number, n: number): void {
  const w = new Uint32Array(4);
  // A key for this call alone, so two permutations from one generator differ.
  philox4x32(s.p0, s.p1, s.p2, 0x7065726d, s.key0, s.key1, w, 0);
  const k0 = w[0]!, k1 = w[1]!;
  let bits = 2;
  while (2 ** bits < n) bits++;
  const half = Math.ceil(bits / 2);
  const size = 2 ** half;
  const mask = size - 1;
  const encrypt = (x: number): number => {
    let left = Math.floor(x / size);
    let right = x % size;
    for (let r = 0; r < FEISTEL_ROUNDS; r++) {
      philox4x32(right, r, 0, 0, k0, k1, w, 0);
      const next = (left ^ (w[0]! & mask)) >>> 0;
      left = right;
      right = next;
    }
    return left * size + right;
  };
  for (let j = 0; j < count; j++) {
    let x = encrypt(first + j);
    while (x >= n) x = encrypt(x);
    out[offset + j] = x;
  }
}
