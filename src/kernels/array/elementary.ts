// exp, log, sin and cos of float64 values: the reference scalar form of the algorithms the WebAssembly SIMD
// kernels (elementary-wasm.ts) run two lanes at a time, with the same operations in the same order, so both
// give the same bits. Arguments outside each fast range (huge, tiny, non-finite) go to Math.* itself.
//
// Methods (docs/ARRAYS.md "Element-wise accuracy" states the measured error, tests check it):
// - exp: x = (128 n + j) ln2/128 + r, |r| <= ln2/256, Cody-Waite ln2/128 in two parts; 2^(j/128) from a
//   table of 128 doubles each with its own rounding error kept (tail), exp(r) - 1 by its Taylor series to
//   r^5 (|r| is small enough that the next term is below 2^-60); times 2^n. Fast for |x| <= 708.
// - log: x = 2^e m, m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f); log(1 + f) = f - f^2/2 +
//   s (f^2/2 + R) with R the series of 2 atanh(s) / s - 2 (ten terms). Fast for normal positive finite x.
// - sin, cos: x = k pi/2 + r, |r| <= pi/4, Cody-Waite pi/2 in two parts (33 + 53 bits) with the
//   remainder kept as a double-double (r and its rounding error); minimax polynomials for sin to r^15, cos
//   to r^14; quadrant k mod 4. Fast for |x| <= 1e6 except x within 2^-10 of a nonzero multiple of pi/2 (where
//   the 86-bit pi/2 could leave too few good bits) and |x| < 2^-26.

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

/** pi/2 as PIO2_1 (33 bits, so k * PIO2_1 is exact for |k| < 2^20) + PIO2_2_WIDE (the next 53 bits): 86 bits. */
export const [PIO2_1, PIO2_2_WIDE] = splitFixed(HALF_PI_FIXED, [33, 53]) as [number, number];
export const [LN2_HI, LN2_LO] = splitFixed(LN2_FIXED, [42, 53]) as [number, number];
/** exp's table steps: x = m ln2/128 + r with m = 128 n + j. */
export const EXP_STEPS = 128;
/** ln2/128 as 35 bits (m * EXP_LN2_HI is exact for |m| < 2^18, and |m| <= 708 * 128 / ln2 < 2^17) + the next 53. */
export const [EXP_LN2_HI, EXP_LN2_LO] = splitFixed(LN2_FIXED / BigInt(EXP_STEPS), [35, 53]) as [number, number];
export const EXP_INV_STEP = EXP_STEPS / Math.LN2;
/**
 * 2^(j/128) for j = 0..127 as hi (53 leading bits, truncated) and tail = (2^(j/128) - hi) / hi, from a
 * 260-bit fixed-point exp series of j ln2/128: exp(r) 2^(j/128) = hi (1 + tail + (exp(r) - 1)) to well
 * below an ulp, so the table's own rounding costs no accuracy.
 */
export const [EXP_TABLE_HI, EXP_TABLE_TAIL] = (() => {
  const one = 1n << BITS;
  const hi = new Float64Array(EXP_STEPS);
  const tail = new Float64Array(EXP_STEPS);
  for (let j = 0; j < EXP_STEPS; j++) {
    const y = (LN2_FIXED * BigInt(j)) / BigInt(EXP_STEPS);
    let term = one;
    let sum = one;
    for (let k = 1n; term !== 0n; k++) {
      term = (term * y) / one / k;
      sum += term;
    }
    const [h, l] = splitFixed(sum, [53, 53]) as [number, number];
    hi[j] = h;
    tail[j] = l / h;
  }
  return [hi, tail];
})();
export const TWO_OVER_PI = 2 / Math.PI;
export const TWO_PI = 2 * Math.PI;
/** 1.5 * 2^52: adding and subtracting it rounds a double below 2^51 to the nearest integer (ties to even). */
export const MAGIC = 6755399441055744;
export const EXP_LIMIT = 708;
export const TRIG_LIMIT = 1e6;
/** Below this |x|, sin x and cos x go to Math (sin x = x there; keeps -0). */
export const TRIG_TINY = 2 ** -26;
/** A remainder below this (x near a nonzero multiple of pi/2) goes to Math: the two-part reduction would lose bits. */
export const TRIG_NEAR_AXIS = 2 ** -10;
export const MIN_NORMAL = 2.2250738585072014e-308;
export const SQRT_HALF = Math.SQRT1_2;

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f; // exact up to 18!
}

/** exp(r) - 1 - r: 1/k! for k = 2..5 (each a correctly rounded quotient of exact integers); |r| <= ln2/256 leaves r^6/6! < 2^-60. */
export const EXP_COEFFS = Array.from({ length: 4 }, (_, i) => 1 / factorial(i + 2));
/** log: 2/(2k+1) for k = 1..10. */
export const LOG_COEFFS = Array.from({ length: 10 }, (_, i) => 2 / (2 * i + 3));
/**
 * sin r = r + r^3 S(r^2) and cos r = 1 - r^2/2 + r^4 C(r^2) on |r| <= pi/4: S and C are minimax polynomials
 * (Remez exchange at 200-bit precision, coefficients rounded to double), within 2^-66 of (sin r - r) / r^3 and
 * 2^-59 of (cos r - 1 + r^2/2) / r^4: one and two terms fewer than the Taylor series below for the same
 * accuracy. The test checks them against series evaluated in big integers.
 */
export const SIN_COEFFS = [
  -0.16666666666666666, 0.008333333333333331, -0.0001984126984126502, 2.7557319219303532e-06, -2.5052106220025016e-08,
  1.6058529644600357e-10, -7.586580488039407e-13,
];
export const COS_COEFFS = [
  0.041666666666666664, -0.0013888888888887382, 2.4801587298744435e-05, -2.7557317260628113e-07, 2.0876143942493214e-09,
  -1.1382464187765441e-11,
];
/**
 * The Taylor series, (-1)^k/(2k+1)! for k = 1..8 and (-1)^k/(2k)! for k = 2..8: Box-Muller's cos/sin of 2 pi u
 * (random/distributions.ts and the SIMD normal kernel) keep these so seeded normal streams keep their bits.
 */
export const SIN_TAYLOR = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? -1 : 1) / factorial(2 * i + 3));
export const COS_TAYLOR = Array.from({ length: 7 }, (_, i) => (i % 2 === 0 ? 1 : -1) / factorial(2 * i + 4));

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
const sinTaylor = polynomial(SIN_TAYLOR);
const cosTaylor = polynomial(COS_TAYLOR);

/** 2^(i - 1023) for i in 1..2046, built from bits (exact). */
const POW2 = (() => {
  const t = new Float64Array(2048);
  const bits = new BigUint64Array(t.buffer);
  for (let i = 1; i < 2047; i++) bits[i] = BigInt(i) << 52n;
  return t;
})();

export function exp64(x: number): number {
  if (!(Math.abs(x) <= EXP_LIMIT)) return Math.exp(x);
  const m = x * EXP_INV_STEP + MAGIC - MAGIC;
  const r = x - m * EXP_LN2_HI - m * EXP_LN2_LO;
  const j = m & (EXP_STEPS - 1);
  // hi 2^n exactly (the SIMD form adds n to hi's exponent bits)
  const s = EXP_TABLE_HI[j]! * POW2[(m - j) / EXP_STEPS + 1023]!;
  const t = EXP_TABLE_TAIL[j]! + (r + r * r * expPoly(r));
  return s + s * t;
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

function sinKernel(r: number, l: number, poly = sinPoly): number {
  const z = r * r;
  const p = poly(z);
  return r + (r * z * p + l * (1 - 0.5 * z));
}

function cosKernel(r: number, l: number, poly = cosPoly): number {
  const z = r * r;
  const hz = 0.5 * z;
  const p = poly(z);
  const w = 1 - hz;
  // (1 - w) - hz is the rounding error of w, exactly
  return w + ((1 - w - hz) + (z * z * p - r * l));
}

/**
 * sin (shift 0) or cos (shift 1) of x: x - k pi/2 as r + l (l the rounding error of r, exactly: y - r is
 * exact as r is within a factor 2 of y when |r| >= 2^-10), then the kernel of quadrant k + shift. The
 * reduction is written out here (not a helper returning three values) so V8 keeps it in registers.
 */
function sinOrCos(x: number, shift: number): number {
  const k = x * TWO_OVER_PI + MAGIC - MAGIC;
  const y = x - k * PIO2_1;
  const w = k * PIO2_2_WIDE;
  const r = y - w;
  if ((Math.abs(r) < TRIG_NEAR_AXIS && k !== 0) || Math.abs(x) < TRIG_TINY) return shift === 0 ? Math.sin(x) : Math.cos(x);
  const l = (y - r) - w;
  const q = (k & 3) + shift;
  const v = q & 1 ? cosKernel(r, l) : sinKernel(r, l);
  return q & 2 ? -v : v;
}

export function sin64(x: number): number {
  return Math.abs(x) <= TRIG_LIMIT ? sinOrCos(x, 0) : Math.sin(x);
}

export function cos64(x: number): number {
  return Math.abs(x) <= TRIG_LIMIT ? sinOrCos(x, 1) : Math.cos(x);
}

/**
 * cos(2 pi u) and sin(2 pi u) for u in [0, 1) with at most 53 bits (a Philox uniform): u = k/4 + f exactly
 * (4u is exact), so the reduction needs no Cody-Waite; r = 2 pi f in [-pi/4, pi/4], quadrant k mod 4.
 */
export function cos2pi(u: number): number {
  const k = u * 4 + MAGIC - MAGIC;
  const r = TWO_PI * (u - k * 0.25);
  const q = (k & 3) + 1;
  const v = q & 1 ? cosKernel(r, 0, cosTaylor) : sinKernel(r, 0, sinTaylor);
  return q & 2 ? -v : v;
}

export function sin2pi(u: number): number {
  const k = u * 4 + MAGIC - MAGIC;
  const r = TWO_PI * (u - k * 0.25);
  const q = k & 3;
  const v = q & 1 ? cosKernel(r, 0, cosTaylor) : sinKernel(r, 0, sinTaylor);
  return q & 2 ? -v : v;
}
