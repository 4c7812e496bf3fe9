// exp/log/sin/cos of float64: the constants against independent big-integer values, the JS form against
// Math.* (at most 1 ulp, over seeded inputs across each function's whole range and the special values),
// the SIMD kernels bit for bit against the JS form, and block evaluation against the generated loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rng } from '../../helpers.ts';
import {
  cos64, exp64, log64, sin64, LN2_HI, LN2_LO, PIO2_1, PIO2_2_WIDE, HALF_PI_FIXED, LN2_FIXED,
  EXP_LN2_HI, EXP_LN2_LO, EXP_STEPS, EXP_TABLE_HI, EXP_TABLE_TAIL, SIN_COEFFS, COS_COEFFS,
} from '../../../src/kernels/array/elementary.ts';
import { SLOT, elementaryWasm, setElementaryWasmDisabled } from '../../../src/kernels/array/elementary-wasm.ts';
import { evaluate, type ArrayExpr } from '../../../src/kernels/array/elementwise.ts';
import { view } from '../../../src/kernels/array/strided.ts';

const bits = new BigInt64Array(1);
const asFloat = new Float64Array(bits.buffer);
/** A double's position on the number line in ulps (monotone over all doubles, -0 = +0). */
function ordinal(x: number): bigint {
  asFloat[0] = x;
  const b = bits[0]!;
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}
function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  return Number(ordinal(a) > ordinal(b) ? ordinal(a) - ordinal(b) : ordinal(b) - ordinal(a));
}

const SPECIALS = [
  0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-20, 2 ** -30, 2 ** -31,
  0.5, 1, -1, 2, Math.PI / 4, Math.PI / 2, Math.PI, 2 * Math.PI, 708, -708, 708.0000001, 709.78, 709.79, -745.1, -746,
  1e6, -1e6, 1e6 + 1, 1e15, 1e300, -1e300, 1.7976931348623157e308, 6381956970095103 * 2 ** 797, Math.SQRT2, Math.SQRT1_2,
];

/** Seeded inputs spanning each function's whole domain: uniform bits of exponent, both signs, plus a dense range. */
function inputs(seed: number, n: number, dense: [number, number]): number[] {
  const r = rng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) out.push(dense[0] + (dense[1] - dense[0]) * r());
    else out.push((r() < 0.5 ? -1 : 1) * (1 + r()) * 2 ** Math.floor(r() * 2098 - 1074));
  }
  return [...SPECIALS, ...out];
}

const FUNCTIONS = {
  exp: { mine: exp64, ref: Math.exp, dense: [-745, 710] as [number, number] },
  log: { mine: log64, ref: Math.log, dense: [0, 4] as [number, number] },
  sin: { mine: sin64, ref: Math.sin, dense: [-20, 20] as [number, number] },
  cos: { mine: cos64, ref: Math.cos, dense: [-2e6, 2e6] as [number, number] },
};

test('constants: pi/2 and ln 2 split exactly from independent big-integer values', () => {
  // pi to 64 hex digits (a published value), against Machin's formula in elementary.ts
  const piHex = 0x3243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89n; // pi * 16^64
  const halfPi = piHex << 3n; // pi/2 scaled 2^260 (piHex is pi scaled 2^256)
  assert.ok(HALF_PI_FIXED - halfPi < 1n << 20n && halfPi - HALF_PI_FIXED < 1n << 20n, 'Machin pi/2 agrees to 240 bits');
  const toFixed = (x: number): bigint => {
    // exact: every part has at most 53 significant bits and a power-of-two scale above 2^-260
    const e = Math.floor(Math.log2(Math.abs(x))) - 52;
    return BigInt(x / 2 ** e) * (e + 260 >= 0 ? 1n << BigInt(e + 260) : 1n) / (e + 260 >= 0 ? 1n : 1n << BigInt(-(e + 260)));
  };
  const sum = toFixed(PIO2_1) + toFixed(PIO2_2_WIDE);
  const err = HALF_PI_FIXED - sum;
  assert.ok((err < 0n ? -err : err) < 1n << 175n, 'two parts carry pi/2 to 85 bits');
  assert.is(PIO2_1 + PIO2_2_WIDE, Math.PI / 2);
  assert.is(LN2_HI + LN2_LO, Math.LN2);
  const lnErr = LN2_FIXED - toFixed(LN2_HI) - toFixed(LN2_LO);
  assert.ok((lnErr < 0n ? -lnErr : lnErr) < 1n << 170n, 'two parts carry ln 2 to 90 bits');
  // 33-bit and 42-bit parts: products with |k| < 2^20 and |n| < 2^11 are exact
  for (const [x, width] of [[PIO2_1, 33], [LN2_HI, 42]] as const) {
    const m = x / 2 ** (Math.floor(Math.log2(x)) - width + 1);
    assert.ok(Number.isInteger(m), `${x} has at most ${width} significant bits`);
  }
});

for (const [name, f] of Object.entries(FUNCTIONS)) {
  test(`${name}: within 1 ulp of Math.${name} over its whole range; zeros, subnormals, infinities and NaN exactly as Math.${name}`, () => {
    let worst = 0;
    let at = 0;
    for (const x of inputs(name.length * 7919, 200_000, f.dense)) {
      const d = ulpDistance(f.mine(x), f.ref(x));
      if (d > worst) {
        worst = d;
        at = x;
      }
    }
    assert.ok(worst <= 1, `${name}(${at}) is ${worst} ulp from Math.${name}`);
    for (const x of SPECIALS) {
      const exact = !Number.isFinite(x) || Math.abs(x) < 2.2250738585072014e-308;
      assert.ok(exact ? Object.is(f.mine(x), f.ref(x)) : ulpDistance(f.mine(x), f.ref(x)) <= 1, `${name}(${x}) = ${f.mine(x)}, Math.${name} gives ${f.ref(x)}`);
    }
  });
}

test("exp's table: hi_j (1 + tail_j) is 2^(j/128) to 95 bits; ln2/128 splits exactly", () => {
  // checked another way than the table's exp series: (hi (1 + tail))^128 = 2^j, by exact big-integer powers
  const FRAC = 110n;
  const fixed = (v: number): bigint => {
    if (v === 0) return 0n;
    const e = Math.floor(Math.log2(Math.abs(v))) - 52;
    const m = BigInt(v / 2 ** e); // exact: 53 bits times 2^e
    const shift = e + Number(FRAC);
    return shift >= 0 ? m << BigInt(shift) : m / (1n << BigInt(-shift));
  };
  for (let j = 0; j < EXP_STEPS; j++) {
    const hi = EXP_TABLE_HI[j]!, tail = EXP_TABLE_TAIL[j]!;
    assert.ok(Math.abs(tail) < 2 ** -52, `tail ${j} below an ulp`);
    assert.ok(Math.abs(hi - 2 ** (j / EXP_STEPS)) <= 2 ** -52, `hi ${j} near 2^(j/128)`);
    const t = fixed(hi) + fixed(hi * tail); // value scaled 2^110; hi * tail is exact to 2^-106 relative
    let p = 1n << FRAC;
    for (let k = 0; k < EXP_STEPS; k++) p = (p * t) >> FRAC;
    // t is 2^(j/128) to about 2^-105 relative, so t^128 is 2^j to about 2^-98
    const want = 1n << (FRAC + BigInt(j));
    const err = p - want;
    assert.ok((err < 0n ? -err : err) < want >> 95n, `(hi (1 + tail))^128 = 2^${j} + ${err} / 2^110`);
  }
  assert.is(EXP_LN2_HI + EXP_LN2_LO, Math.LN2 / 128);
  const m = EXP_LN2_HI / 2 ** (Math.floor(Math.log2(EXP_LN2_HI)) - 34);
  assert.ok(Number.isInteger(m), 'ln2/128 hi part has at most 35 significant bits');
});

// the bounds are set by rounding the leading coefficients -1/6 and 1/24 to double (the Taylor series had the same)
test('sin/cos polynomials: within 2^-56 of (sin r - r)/r^3 and 2^-57 of (cos r - 1 + r^2/2)/r^4 on |r| <= pi/4, by series in big integers', () => {
  const F = 200n;
  const ONE = 1n << F;
  // a double as an exact fixed-point value (every double here is above 2^-200)
  const fixed = (v: number): bigint => {
    if (v === 0) return 0n;
    const e = Math.floor(Math.log2(Math.abs(v))) - 52;
    const m = BigInt(v / 2 ** e);
    return e + 200 >= 0 ? m << BigInt(e + 200) : m / (1n << BigInt(-(e + 200)));
  };
  const mul = (a: bigint, b: bigint): bigint => (a * b) >> F;
  const horner = (coeffs: readonly number[], z: bigint): bigint => coeffs.reduceRight((acc, c) => mul(acc, z) + fixed(c), 0n);
  // sum over k >= first of (-1)^k z^(k - first) / (2k + odd)!
  const series = (z: bigint, first: number, odd: number): bigint => {
    let sum = 0n;
    let power = ONE;
    let fact = 1n;
    for (let i = 2; i <= 2 * first + odd; i++) fact *= BigInt(i);
    for (let k = first; power !== 0n; k++) {
      sum += (k % 2 === 0 ? 1n : -1n) * (power / fact);
      power = mul(power, z);
      fact *= BigInt(2 * k + 1 + odd) * BigInt(2 * k + 2 + odd);
    }
    return sum;
  };
  let worstSin = 0n, worstCos = 0n;
  for (let i = 0; i <= 2000; i++) {
    const r = (Math.PI / 4) * (i / 2000) * 1.0001;
    const z = mul(fixed(r), fixed(r));
    const ds = horner(SIN_COEFFS, z) - series(z, 1, 1);
    const dc = horner(COS_COEFFS, z) - series(z, 2, 0);
    if ((ds < 0n ? -ds : ds) > worstSin) worstSin = ds < 0n ? -ds : ds;
    if ((dc < 0n ? -dc : dc) > worstCos) worstCos = dc < 0n ? -dc : dc;
  }
  assert.ok(worstSin < ONE >> 56n, `sin polynomial off by ${Number(worstSin) / Number(ONE)}`);
  assert.ok(worstCos < ONE >> 57n, `cos polynomial off by ${Number(worstCos) / Number(ONE)}`);
});

test('exp: every table step, both signs of the exponent, the fast range edges: SIMD = JS bit for bit, within 1 ulp of Math.exp', () => {
  const xs: number[] = [];
  for (const n of [-8, -1, 0, 1, 7, 1000, -1000])
    for (let j = 0; j < EXP_STEPS; j++) {
      const centre = ((EXP_STEPS * n + j) * Math.LN2) / EXP_STEPS;
      if (Math.abs(centre) > 709) continue;
      // the centre and both ends of the step's interval (where rounding picks the neighbour step)
      for (const d of [0, 1e-12, -1e-12, Math.LN2 / 256 - 1e-15, -Math.LN2 / 256 + 1e-15, Math.LN2 / 256 + 1e-15]) xs.push(centre + d);
    }
  xs.push(708, -708, 707.9999999999999, -707.9999999999999, 708.0000000000001, -708.0000000000001, 2 ** -1074, -(2 ** -1074), 1e-300);
  for (const x of xs) assert.ok(ulpDistance(exp64(x), Math.exp(x)) <= 1, `exp(${x}) = ${exp64(x)}, Math.exp ${Math.exp(x)}`);
  const wasm = elementaryWasm();
  if (!wasm) return;
  const mem = wasm.memory;
  for (let at = 0; at < xs.length; at += SLOT) {
    const n = Math.min(SLOT, xs.length - at);
    for (let i = 0; i < n; i++) mem[i] = xs[at + i]!;
    wasm.unary.exp(0, SLOT * 8, n);
    for (let i = 0; i < n; i++) if (!Object.is(mem[SLOT + i], exp64(mem[i]!))) assert.unreachable(`exp(${mem[i]}): kernel ${mem[SLOT + i]}, JS ${exp64(mem[i]!)}`);
  }
});

test('SIMD kernels give the same bits as the JavaScript forms (odd lengths, specials, every range)', () => {
  const wasm = elementaryWasm();
  if (!wasm) return; // no WebAssembly SIMD here: the JavaScript forms run everywhere
  const mem = wasm.memory;
  for (const [name, f] of Object.entries(FUNCTIONS)) {
    const xs = inputs(name.length * 31, 4 * SLOT, f.dense);
    for (let at = 0; at < xs.length; at += SLOT - 1) {
      const n = Math.min(SLOT - 1, xs.length - at);
      for (let i = 0; i < n; i++) mem[i] = xs[at + i]!;
      wasm.unary[name as 'exp'](0, SLOT * 8, n);
      for (let i = 0; i < n; i++) {
        const x = mem[i]!;
        if (!Object.is(mem[SLOT + i], f.mine(x))) assert.unreachable(`${name}(${x}): kernel ${mem[SLOT + i]}, JS ${f.mine(x)}`);
      }
    }
  }
});

test('block evaluation equals the generated loop for float64 chains (NaN, -0, pow, mod, round, min/max, scalars)', () => {
  const r = rng(5);
  const n = 3000;
  const a = new Float64Array(n).map((_, i) => (i % 97 === 0 ? NaN : i % 89 === 0 ? -0 : (r() - 0.5) * 20));
  const b = new Float64Array(n).map((_, i) => (i % 83 === 0 ? 0 : (r() - 0.3) * 5));
  const x = (i: number): ArrayExpr => ({ kind: 'input', index: i });
  const s = (value: number): ArrayExpr => ({ kind: 'scalar', value });
  const u = (op: string, arg: ArrayExpr): ArrayExpr => ({ kind: 'unary', op, arg } as ArrayExpr);
  const bin = (op: string, left: ArrayExpr, right: ArrayExpr): ArrayExpr => ({ kind: 'binary', op, left, right } as ArrayExpr);
  const exprs: ArrayExpr[] = [
    bin('add', u('exp', x(0)), bin('mul', u('sin', x(0)), s(3))),
    bin('minimum', u('log', u('abs', x(0))), bin('maximum', x(1), s(-1))),
    bin('pow', u('cos', x(0)), bin('mod', x(1), s(1.5))),
    u('round', bin('div', u('neg', x(0)), u('sqrt', u('abs', x(1))))),
    u('tanh', bin('sub', u('floor', x(0)), u('ceil', x(1)))),
    bin('add', u('log1p', u('abs', x(0))), u('tan', s(0.5))),
  ];
  const inputsOf = [view(a, [n]), view(b, [n])];
  // a one-element input broadcasts as a scalar
  const one = view(Float64Array.of(2.5), [1]);
  for (const e of [...exprs, bin('mul', x(0), x(2))]) {
    const ins = [...inputsOf, one];
    const fast = evaluate(e, ins);
    const was = setElementaryWasmDisabled(true);
    const slow = evaluate(e, ins);
    setElementaryWasmDisabled(was);
    const fd = fast.data as Float64Array, sd = slow.data as Float64Array;
    for (let i = 0; i < n; i++) if (!Object.is(fd[i], sd[i])) assert.unreachable(`${JSON.stringify(e)} at ${i}: block ${fd[i]}, loop ${sd[i]}`);
  }
});

test.run();
