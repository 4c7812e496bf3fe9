// exp, log, sin and cos of float64 values: the reference scalar form of the algorithms the WebAssembly SIMD
// kernels (elementary-wasm.ts) run two lanes at a time, with the same operations in the same order, so both
// give the same bits. Arguments outside each fast range (huge, tiny, non-finite) go to Math.* itself.
//
// Methods (docs/ARRAYS.md "Element-wise accuracy" states the measured error, tests check it):
// - exp: x = n ln2 + r, |r| <= ln2/2, Cody-Waite ln2 in two parts; exp(r) by its Taylor series to r^13;
//   times 2^n. Fast for |x| <= 708.
// - log: x = 2^e m, m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f); log(1 + f) = f - f^2/2 +
//   s (f^2/2 + R) with R the series of 2 atanh(s) / s - 2 (ten terms). Fast for normal positive finite x.
// - sin, cos: x = k pi/2 + r, |r| <= pi/4, Cody-Waite pi/2 in three parts (33 + 33 + 53 bits) with the
//   remainder kept as a double-double; Taylor series of sin to r^17, cos to r^16; quadrant k mod 4.
//   Fast for |x| <= 1e6 and |r| >= 2^-30 (so no cancellation is left unaccounted for).

// ---- constants, derived here from exact big-integer values rather than typed in ----

/** floor(atan(1/x) * 2^bits) by its alternating series, in big integers. */
function atanInverse(x: bigint, bits: bigint): bigint {
  const one = 1n << bits;
  let power = one / x;
  let sum = power;
  const x2 = x * x;
  for (let k = 1n; power !== 0n; k++) {
    power /= x2;
    sum += (k % 2n === 1n ? -power : power) / (2n * k + 1n);
  }
  return sum;
}

const BITS = 260n;
/** pi/2 * 2^260 by Machin's formula: pi = 16 atan(1/5) - 4 atan(1/239); the last few bits are noise, far below what is used. */
export const HALF_PI_FIXED = (16n * atanInverse(5n, BITS) - 4n * atanInverse(239n, BITS)) / 2n;
/** ln 2 * 2^260 = sum 1 / (k 2^k). */
export const LN2_FIXED = (() => {
  let sum = 0n;
  for (let k = 1n; k < BITS + 8n; k++) sum += (1n << BITS) / (k << k);
  return sum;
})();

/** Splits a fixed-point value (scaled 2^260, below 2^261) into doubles of `widths` significant bits each, from the top; the last takes 53. */
export function splitFixed(value: bigint, widths: readonly number[]): number[] {
  const out: number[] = [];
  let rest = value;
  for (const width of widths) {
    const negative = rest < 0n;
    const mag = negative ? -rest : rest;
    const length = BigInt(mag.toString(2).length);
    const drop = length > BigInt(width) ? length - BigInt(width) : 0n;
    const top = (mag >> drop) << drop;
    // exact: at most `width` <= 53 significant bits times a power of two
    const part = Number(top >> drop) * 2 ** Number(drop - BITS);
    out.push(negative ? -part : part);
    rest = negative ? rest + top : rest - top;
  }
  return out;
}

export const [PIO2_1, PIO2_2, PIO2_3] = splitFixed(HALF_PI_FIXED, [33, 33, 53]) as [number, number, number];
export const [LN2_HI, LN2_LO] = splitFixed(LN2_FIXED, [42, 53]) as [number, number];
export const TWO_OVER_PI = 2 / Math.PI;
export const TWO_PI = 2 * Math.PI;
export const LOG2E = Math.LOG2E;
/** 1.5 * 2^52: adding and subtracting it rounds a double below 2^51 to the nearest integer (ties to even). */
export const MAGIC = 6755399441055744;
export const EXP_LIMIT = 708;
export const TRIG_LIMIT = 1e6;
export const TRIG_TINY = 2 ** -30;
export const MIN_NORMAL = 2.2250738585072014e-308;
export const SQRT_HALF = Math.SQRT1_2;

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f; // exact up to 18!
}

/** exp: 1/k! for k = 2..13 (each a correctly rounded quotient of exact integers). */
export const EXP_COEFFS = Array.from({ length: 12 }, (_, i) => 1 / factorial(i + 2));
/** log: 2/(2k+1) for k = 1..10. */
export const LOG_COEFFS = Array.from({ length: 10 }, (_, i) => 2 / (2 * i + 3));
/** sin: (-1)^k/(2k+1)! for k = 1..8. */
export const SIN_COEFFS = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? -1 : 1) / factorial(2 * i + 3));
/** cos: (-1)^k/(2k)! for k = 2..8. */
export const COS_COEFFS = Array.from({ length: 7 }, (_, i) => (i % 2 === 0 ? 1 : -1) / factorial(2 * i + 4));

/**
 * A polynomial c[0] + c[1] z + ... by Estrin's scheme: pairs c[2i] + c[2i+1] z, then pairs of those with
 * z^2, z^4, ... The tree is shallow (about 2 log2(n) operations deep rather than 2n), so the SIMD kernels
 * are not held up waiting on one long chain. Both forms of each kernel evaluate this same tree.
 */
export type PolyNode = { readonly c: number } | { readonly lo: PolyNode; readonly hi: PolyNode; readonly power: number };

export function estrinTree(coeffs: readonly number[]): PolyNode {
  let level: PolyNode[] = coeffs.map((c) => ({ c }));
  for (let power = 0; level.length > 1; power++) {
    const next: PolyNode[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? { lo: level[i]!, hi: level[i + 1]!, power } : level[i]!);
    level = next;
  }
  return level[0]!;
}

/** The highest power index a tree uses (z^(2^k) for k = 0..that). */
export function treeDepth(t: PolyNode): number {
  return 'c' in t ? -1 : Math.max(t.power, treeDepth(t.lo), treeDepth(t.hi));
}

/** JavaScript source of a tree over variables z0 = z, z1 = z^2, z2 = z^4, ... */
function treeSource(t: PolyNode): string {
  return 'c' in t ? `${t.c}` : `(${treeSource(t.lo)} + ${treeSource(t.hi)} * z${t.power})`;
}

/** A compiled polynomial: powers of z by repeated squaring, then the tree; the same order as the kernels. */
function polynomial(coeffs: readonly number[]): (z: number) => number {
  const tree = estrinTree(coeffs);
  const lines = ['const z0 = z;'];
  for (let k = 1; k <= treeDepth(tree); k++) lines.push(`const z${k} = z${k - 1} * z${k - 1};`);
  lines.push(`return ${treeSource(tree)};`);
  // only numbers from the coefficient tables reach this source
  return new Function('z', lines.join('\n')) as (z: number) => number;
}

const expPoly = polynomial(EXP_COEFFS);
const logPoly = polynomial(LOG_COEFFS);
const sinPoly = polynomial(SIN_COEFFS);
const cosPoly = polynomial(COS_COEFFS);

/** 2^(i - 1023) for i in 1..2046, built from bits (exact). */
const POW2 = (() => {
  const t = new Float64Array(2048);
  const bits = new BigUint64Array(t.buffer);
  for (let i = 1; i < 2047; i++) bits[i] = BigInt(i) << 52n;
  return t;
})();

export function exp64(x: number): number {
  if (!(Math.abs(x) <= EXP_LIMIT)) return Math.exp(x);
  const n = x * LOG2E + MAGIC - MAGIC;
  const r = x - n * LN2_HI - n * LN2_LO;
  const q = expPoly(r);
  const p = 1 + (r + r * r * q);
  return p * POW2[n + 1023]!;
}

const word = new Float64Array(1);
const words = new Uint32Array(word.buffer);

export function log64(x: number): number {
  if (!(x >= MIN_NORMAL && x < Infinity)) return Math.log(x);
  word[0] = x;
  const hi = words[1]!;
  let e = (hi >>> 20) - 1023;
  words[1] = (hi & 0xfffff) | 0x3ff00000;
  let m = word[0]!;
  if (m > Math.SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const f = m - 1;
  const s = f / (2 + f);
  const z = s * s;
  const R = z * logPoly(z);
  const hfsq = 0.5 * f * f;
  return e * LN2_HI + (f - (hfsq - (s * (hfsq + R) + e * LN2_LO)));
}

/** The reduced argument of sin/cos: x - k pi/2 as rh + rl, and k mod 4; null where Math.sin/cos must answer. */
let rh = 0, rl = 0, quadrant = 0;
function reduce(x: number): boolean {
  if (!(Math.abs(x) <= TRIG_LIMIT)) return false;
  const k = x * TWO_OVER_PI + MAGIC - MAGIC;
  const y = x - k * PIO2_1;
  const w = k * PIO2_2;
  // two-sum of y and -w: the difference and its rounding error, exactly
  const h = y - w;
  const bb = h - y;
  let l = (y - (h - bb)) - (w + bb);
  l = l - k * PIO2_3;
  const r = h + l;
  rl = l - (r - h);
  rh = r;
  quadrant = k & 3;
  return !(Math.abs(r) < TRIG_TINY);
}

function sinKernel(r: number, l: number): number {
  const z = r * r;
  const p = sinPoly(z);
  return r + (r * z * p + l * (1 - 0.5 * z));
}

function cosKernel(r: number, l: number): number {
  const z = r * r;
  const hz = 0.5 * z;
  const p = cosPoly(z);
  const w = 1 - hz;
  // (1 - w) - hz is the rounding error of w, exactly
  return w + ((1 - w - hz) + (z * z * p - r * l));
}

export function sin64(x: number): number {
  if (!reduce(x)) return Math.sin(x);
  const v = quadrant & 1 ? cosKernel(rh, rl) : sinKernel(rh, rl);
  return quadrant & 2 ? -v : v;
}

export function cos64(x: number): number {
  if (!reduce(x)) return Math.cos(x);
  const q = quadrant + 1;
  const v = q & 1 ? cosKernel(rh, rl) : sinKernel(rh, rl);
  return q & 2 ? -v : v;
}

/**
 * cos(2 pi u) and sin(2 pi u) for u in [0, 1) with at most 53 bits (a Philox uniform): u = k/4 + f exactly
 * (4u is exact), so the reduction needs no Cody-Waite; r = 2 pi f in [-pi/4, pi/4], quadrant k mod 4.
 */
export function cos2pi(u: number): number {
  const k = u * 4 + MAGIC - MAGIC;
  const r = TWO_PI * (u - k * 0.25);
  const q = (k & 3) + 1;
  const v = q & 1 ? cosKernel(r, 0) : sinKernel(r, 0);
  return q & 2 ? -v : v;
}

export function sin2pi(u: number): number {
  const k = u * 4 + MAGIC - MAGIC;
  const r = TWO_PI * (u - k * 0.25);
  const q = k & 3;
  const v = q & 1 ? cosKernel(r, 0) : sinKernel(r, 0);
  return q & 2 ? -v : v;
}
