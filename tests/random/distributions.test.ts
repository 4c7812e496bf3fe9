// Random distributions: each checked for mean and variance (within 5 standard errors), continuous ones by
// a Kolmogorov-Smirnov statistic (sqrt(n) * D < 1.95, p ~ 0.001), discrete ones frequency by frequency
// against the exact pmf (within 5 sigma where the expected count exceeds 50). Seeds are fixed, so
// these are deterministic: a failure is a real change in the numbers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generator } from '../../src/random/generator.ts';
import { logFactorial } from '../../src/random/distributions.ts';

const N = 100_000;

function moments(xs: ArrayLike<number | bigint>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Number(xs[i]!);
  const mean = s / xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (Number(xs[i]!) - mean) ** 2;
  return { mean, variance: ss / (xs.length - 1) };
}

/** mean within 5 standard errors; variance within 5 standard errors using the fourth central moment. */
function checkMoments(xs: ArrayLike<number | bigint>, mean: number, variance: number, kurtosisExcess: number, what: string): void {
  const m = moments(xs);
  const n = xs.length;
  const seMean = Math.sqrt(variance / n);
  assert.ok(Math.abs(m.mean - mean) < 5 * seMean, `${what}: mean ${m.mean}, expected ${mean} +- ${5 * seMean}`);
  const seVar = variance * Math.sqrt((2 + kurtosisExcess) / n);
  assert.ok(Math.abs(m.variance - variance) < 5 * seVar, `${what}: variance ${m.variance}, expected ${variance} +- ${5 * seVar}`);
}

function ks(xs: Float64Array, cdf: (x: number) => number, what: string): void {
  const sorted = Float64Array.from(xs).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  }
  assert.ok(Math.sqrt(n) * d < 1.95, `${what}: KS sqrt(n)*D = ${Math.sqrt(n) * d}`);
}

/** Abramowitz-Stegun 7.1.26 (abs error < 1.5e-7, far below the KS resolution at this n). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const normalCdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

function checkPmf(xs: ArrayLike<number | bigint>, pmf: (k: number) => number, what: string, minChecked = 3): void {
  const counts = new Map<number, number>();
  for (let i = 0; i < xs.length; i++) counts.set(Number(xs[i]!), (counts.get(Number(xs[i]!)) ?? 0) + 1);
  let checked = 0;
  let seen = 0;
  for (let k = 0; k < 200_000 && seen < xs.length; k++) {
    const expected = xs.length * pmf(k);
    const got = counts.get(k) ?? 0;
    seen += got;
    if (expected === 0) assert.is(got, 0, `${what}: ${k} has probability 0 but was drawn ${got} times`);
    if (expected < 50) continue;
    assert.ok(Math.abs(got - expected) < 5 * Math.sqrt(expected), `${what}: count of ${k} is ${got}, expected ${expected.toFixed(1)}`);
    checked++;
  }
  assert.is(seen, xs.length, `${what}: some values are not non-negative integers`);
  assert.ok(checked >= minChecked, `${what}: only ${checked} values had expected counts above 50`);
}

test('uniform: moments and KS on [0, 1) and [-3, 5)', () => {
  const g = generator(1);
  const u = g.uniformArray(N);
  assert.ok(u.every((x) => x >= 0 && x < 1));
  checkMoments(u, 0.5, 1 / 12, -1.2, 'uniform');
  ks(u, (x) => x, 'uniform');
  const v = g.uniformArray(N, -3, 5);
  assert.ok(v.every((x) => x >= -3 && x < 5));
  ks(v, (x) => (x + 3) / 8, 'uniform(-3, 5)');
});

test('normal and standardNormal: moments and KS', () => {
  const g = generator(2);
  const z = g.standardNormalArray(N);
  checkMoments(z, 0, 1, 0, 'standard normal');
  ks(z, normalCdf, 'standard normal');
  const x = g.normalArray(N, 10, 3);
  checkMoments(x, 10, 9, 0, 'normal(10, 3)');
  ks(x, (v) => normalCdf((v - 10) / 3), 'normal(10, 3)');
});

test('exponential: moments and KS', () => {
  const e = generator(3).exponentialArray(N, 2);
  assert.ok(e.every((x) => x >= 0 && Number.isFinite(x)));
  checkMoments(e, 2, 4, 6, 'exponential(2)');
  ks(e, (x) => 1 - Math.exp(-x / 2), 'exponential(2)');
});

test('gamma: moments for shape < 1, = 1 (KS against the exponential) and > 1', () => {
  const g = generator(4);
  for (const [k, theta] of [[0.3, 1], [1, 2], [2.5, 1.5], [40, 0.5]] as const) {
    const x = g.gammaArray(N, k, theta);
    assert.ok(x.every((v) => v >= 0 && Number.isFinite(v)), `gamma(${k}) values finite and >= 0`);
    checkMoments(x, k * theta, k * theta * theta, 6 / k, `gamma(${k}, ${theta})`);
    if (k === 1) ks(x, (v) => 1 - Math.exp(-v / theta), 'gamma(1, 2)');
  }
});

test('poisson: frequencies against the pmf, small and large lambda (both samplers)', () => {
  const g = generator(5);
  for (const lam of [0.5, 3, 9.5, 10, 37, 1000]) {
    const x = g.poissonArray(N, lam);
    checkMoments(x, lam, lam, 1 / lam, `poisson(${lam})`);
    checkPmf(x, (k) => Math.exp(-lam + k * Math.log(lam) - logFactorial(k)), `poisson(${lam})`);
  }
  assert.ok(g.poissonArray(100, 0, 'int32').every((x) => x === 0));
});

test('binomial: frequencies against the pmf (inversion, BTRS, p > 0.5 flipped)', () => {
  const g = generator(6);
  for (const [n, p] of [[20, 0.3], [1000, 0.4], [100, 0.9], [5, 0.5], [100000, 0.01]] as const) {
    const x = g.binomialArray(N, n, p, 'float64');
    assert.ok(x.every((v) => v >= 0 && v <= n && Number.isInteger(v)));
    checkMoments(x, n * p, n * p * (1 - p), (1 - 6 * p * (1 - p)) / (n * p * (1 - p)), `binomial(${n}, ${p})`);
    const logPmf = (k: number) => logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p) + (n - k) * Math.log(1 - p);
    checkPmf(x, (k) => (k > n ? 0 : Math.exp(logPmf(k))), `binomial(${n}, ${p})`);
  }
  assert.equal([...g.binomialArray(10, 7, 1, 'int32')], Array(10).fill(7));
  assert.equal([...g.binomialArray(10, 7, 0, 'int32')], Array(10).fill(0));
});

test('integers: uniform over [low, high), small and huge ranges, int64 by default', () => {
  const g = generator(7);
  const x = g.integersArray(-3, 4, N);
  assert.instance(x, BigInt64Array);
  checkPmf(Array.from(x as BigInt64Array, (v) => Number(v) + 3), (k) => (k < 7 ? 1 / 7 : 0), 'integers(-3, 4)');
  const big = g.integersArray(0, 2 ** 40 + 3, N, 'float64');
  assert.ok(big.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 40 + 3));
  checkMoments(big, (2 ** 40 + 2) / 2, ((2 ** 40 + 3) ** 2 - 1) / 12, -1.2, 'integers(0, 2^40 + 3)');
  assert.equal([...g.integersArray(5, 6, 4, 'int32')], [5, 5, 5, 5]);
});

test('permutation and choice', () => {
  const g = generator(8);
  for (const n of [0, 1, 2, 3, 17, 1000, 4097]) {
    const p = g.permutationArray(n, 'float64');
    assert.equal(Array.from(p).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), `permutation(${n}) holds each index once`);
  }
  // every position is uniform over the values: position 0 of many permutations of 5
  const firsts = Array.from({ length: 20000 }, () => g.permutationArray(5, 'float64')[0]!);
  checkPmf(firsts, (k) => (k < 5 ? 0.2 : 0), 'permutation(5)[0]');
  const noRep = g.choiceArray(50, 50, { replace: false }, 'float64');
  assert.is(new Set(noRep).size, 50);
  const weighted = g.choiceArray(4, N, { p: [1, 0, 3, 4] }, 'float64');
  checkPmf(weighted, (k) => [1 / 8, 0, 3 / 8, 4 / 8][k] ?? 0, 'choice with p');
  assert.ok(!weighted.includes(1), 'a zero weight is never chosen');
});

test('bad parameters fail with messages saying what to pass', () => {
  const g = generator(9);
  assert.throws(() => generator(-1), /non-negative safe integer/);
  assert.throws(() => generator(1.5), /non-negative safe integer/);
  assert.throws(() => generator('7' as never), /number, a bigint or a generator's state/);
  assert.throws(() => g.integersArray(5, 5, 3), /high \(5\) must be greater than low \(5\)/);
  assert.throws(() => g.gammaArray(3, 0), /shape must be a finite number > 0/);
  assert.throws(() => g.binomialArray(3, 10, 1.5), /p must be in \[0, 1\]/);
  assert.throws(() => g.normalArray(-1), /non-negative integer/);
  assert.throws(() => g.choiceArray(3, 5, { replace: false }), /without replacement from 3/);
  assert.throws(() => g.choiceArray(3, 5, { p: [1, 1] }), /2 weights for 3 items/);
  assert.throws(() => g.integersArray(0, 3e9, 50, 'int32'), /does not fit dtype 'int32'; use dtype 'int64'/);
});

test.run();
