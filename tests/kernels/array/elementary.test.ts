// exp/log/sin/cos of float64: the constants against independent big-integer values, the JS form against
// Math.* (at most 1 ulp, over seeded inputs across each function's whole range and the special values),
// the SIMD kernels bit for bit against the JS form, and block evaluation against the generated loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rng } from '../../helpers.ts';
import {
  cos64, exp64, log64, sin64, LN2_HI, LN2_LO, PIO2_1, PIO2_2_WIDE, HALF_PI_FIXED, LN2_FIXED,
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
