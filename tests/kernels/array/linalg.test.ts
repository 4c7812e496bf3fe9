// gemm against the naive triple loop on odd shapes and strided views; Cholesky, solves, inverse and QR
// by reconstruction to 1e-10; the failure paths name what is wrong.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gemm, gemmWorkspace, naiveMatmul, packedRowStart, setGemmWasm, ShapeMismatchError, syrk, syrkPacked, syrkSubtractUpper, unpackUpperSum } from '../../../src/kernels/array/gemm.ts';
import { cholesky, inv, qr, solve, solveTriangular, LinAlgError } from '../../../src/kernels/array/linalg.ts';
import { view, type Strided } from '../../../src/kernels/array/strided.ts';
import { rng } from '../../helpers.ts';

function random(m: number, n: number, seed: number): Strided<Float64Array> {
  const r = rng(seed);
  return view(Float64Array.from({ length: m * n }, () => r() * 2 - 1), [m, n]);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

const T = (x: Strided): Strided => ({ ...x, shape: [x.shape[1]!, x.shape[0]!], stride: [x.stride[1]!, x.stride[0]!] });

test('the WebAssembly SIMD micro-kernel gives the same bits as the JavaScript one (edges, transposed views, syrk)', () => {
  const cases: Array<[Strided, Strided]> = [];
  for (const [m, k, n] of [[1, 1, 1], [7, 3, 5], [130, 300, 9], [5, 257, 2100], [9, 1100, 13]] as const) cases.push([random(m, k, m + k), random(k, n, k + n)]);
  const y = random(301, 133, 4);
  cases.push([T(y), y]);
  for (const [a, b] of cases) {
    const fast = gemm(a, b).data;
    const was = setGemmWasm(false);
    let slow: Float64Array;
    try {
      slow = gemm(a, b).data;
    } finally {
      setGemmWasm(true);
    }
    assert.ok(was, 'WebAssembly SIMD is available on Node 20');
    assert.ok(Buffer.from(fast.buffer, fast.byteOffset, fast.byteLength).equals(Buffer.from(slow.buffer, slow.byteOffset, slow.byteLength)), `(${a.shape}) @ (${b.shape})`);
  }
});

test('gemm equals the triple loop on odd shapes, across block edges, on transposed views', () => {
  for (const [m, k, n] of [[1, 1, 1], [3, 5, 2], [7, 1, 9], [5, 257, 3], [130, 17, 6], [33, 300, 35], [6, 1030, 7], [0, 4, 3], [4, 0, 3]] as const) {
    const a = random(m, k, m * 31 + k), b = random(k, n, n * 17 + k);
    assert.ok(maxDiff(gemm(a, b).data, naiveMatmul(a, b)) < 1e-12, `(${m},${k}) @ (${k},${n})`);
  }
  const x = random(301, 7, 5);
  assert.ok(maxDiff(gemm(T(x), x).data, naiveMatmul(T(x), x)) < 1e-12, 'x.T @ x from strided views');
  // x.T @ x computes the upper triangle and mirrors it (syrk): tiles across every block edge, exactly symmetric
  for (const [rows, cols] of [[300, 261], [5, 1], [1, 5], [259, 131], [17, 4], [1029, 9]] as const) {
    const y = random(rows, cols, rows + cols);
    const g = gemm(T(y), y).data;
    assert.ok(maxDiff(g, naiveMatmul(T(y), y)) < 1e-11, `syrk (${rows}, ${cols})`);
    for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) assert.is(g[i * cols + j], g[j * cols + i], `symmetric [${i},${j}]`);
  }
  // the same memory but not a transpose of each other: a full product
  const sq = random(6, 6, 9);
  assert.ok(maxDiff(gemm(sq, sq).data, naiveMatmul(sq, sq)) < 1e-12, 'x @ x of a square x');
  // accumulate into an existing output
  const a = random(3, 4, 1), b = random(4, 2, 2);
  const c = new Float64Array(6).fill(1);
  gemm(a, b, c);
  assert.ok(maxDiff(c, naiveMatmul(a, b).map((v) => v + 1)) < 1e-14);
  const ints = view(Int32Array.from([1, 2, 3, 4]), [2, 2]);
  assert.equal([...gemm(ints, ints).data], [7, 10, 15, 22]);
  assert.throws(() => gemm(random(2, 3, 1), random(2, 3, 1)), (e: Error) => e instanceof ShapeMismatchError && /\(2, 3\) @ \(2, 3\)/.test(e.message));
});

test('syrk (x.T @ x) across the kernel\'s block edges, NaN / Inf and empty dims, both kernels', () => {
  for (const wasm of [true, false]) {
    setGemmWasm(wasm);
    try {
      // rows past KC (512, and 256 before it), columns past MC (128) and NC (2048), and not multiples of the 4 x 4 tile
      for (const [rows, cols] of [[1, 1], [7, 13], [258, 131], [1031, 19], [3, 2050], [0, 3], [5, 0]] as const) {
        const x = random(rows, cols, rows * 7 + cols);
        const g = syrk(x);
        assert.equal(g.shape, [cols, cols]);
        assert.ok(maxDiff(g.data, naiveMatmul(T(x), x)) < 1e-11, `syrk (${rows}, ${cols}) wasm=${wasm}`);
        for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) if (g.data[i * cols + j] !== g.data[j * cols + i]) assert.unreachable(`asymmetric [${i},${j}]`);
      }
      const x = random(9, 6, 3);
      x.data[2 * 6 + 1] = NaN;
      x.data[4 * 6 + 3] = Infinity;
      x.data[5 * 6 + 3] = -Infinity; // column 3 sums +Inf and -Inf terms: NaN on its diagonal as in the loop
      const want = naiveMatmul(T(x), x), got = syrk(x).data;
      for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]) || Math.abs(got[i]! - want[i]!) < 1e-12, `NaN/Inf [${i}] ${got[i]} vs ${want[i]}`);
      const a = random(5, 4, 8), b = random(4, 7, 9);
      b.data[3] = NaN;
      a.data[0] = Infinity;
      const want2 = naiveMatmul(a, b), got2 = gemm(a, b).data;
      for (let i = 0; i < want2.length; i++) assert.ok(Object.is(got2[i], want2[i]) || Math.abs(got2[i]! - want2[i]!) < 1e-12, `gemm NaN/Inf [${i}] ${got2[i]} vs ${want2[i]}`);
      assert.equal(gemm(random(3, 4, 1), random(4, 0, 2)).shape, [3, 0]);
      // a product past 2^23 values is summed outside the WebAssembly memory: same answer
      const tall = random(2900, 1, 5), wide = random(1, 2900, 6);
      const outer = gemm(tall, wide).data;
      for (let i = 0; i < 2900; i += 7) for (let j = 0; j < 2900; j += 3) if (outer[i * 2900 + j] !== tall.data[i]! * wide.data[j]!) assert.unreachable(`outer [${i},${j}] wasm=${wasm}`);
    } finally {
      setGemmWasm(true);
    }
  }
});

const sameBits = (a: Float64Array, b: Float64Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

test('syrkPacked holds the bits of syrk\'s upper triangle by rows; unpackUpperSum gives syrk and sums of syrks back (both kernels)', () => {
  for (const wasm of [true, false]) {
    setGemmWasm(wasm);
    try {
      for (const [rows, cols] of [[1, 1], [7, 13], [258, 131], [3, 2050], [0, 3], [5, 0], [300, 2]] as const) {
        const x = random(rows, cols, rows * 5 + cols);
        x.data[0] = -0;
        const full = syrk(x).data, packed = syrkPacked(x);
        assert.equal(packed.shape, [(cols * (cols + 1)) / 2]);
        for (let i = 0; i < cols; i++) {
          const row = packed.data.subarray(packedRowStart(i, cols), packedRowStart(i + 1, cols));
          if (!sameBits(row, full.subarray(i * cols + i, i * cols + cols))) assert.unreachable(`row ${i} of (${rows}, ${cols}) wasm=${wasm}`);
        }
        assert.ok(sameBits(unpackUpperSum([packed], cols).data, full), `unpack (${rows}, ${cols}) wasm=${wasm}`);
        // several parts: the bits of adding the full matrices in order from zero
        const y = random(rows, cols, rows + 2 * cols), z = random(rows + 1, cols, 3);
        const sum = new Float64Array(cols * cols);
        for (const f of [full, syrk(y).data, syrk(z).data]) for (let e = 0; e < sum.length; e++) sum[e] += f[e]!;
        assert.ok(sameBits(unpackUpperSum([packed, syrkPacked(y), syrkPacked(z)], cols).data, sum), `sum of 3 (${rows}, ${cols}) wasm=${wasm}`);
      }
    } finally {
      setGemmWasm(true);
    }
  }
  assert.throws(() => unpackUpperSum([view(new Float64Array(6), [6]), view(new Float64Array(5), [5])], 3), /needs 6 packed values/);
});

test('a product summed in the module\'s memory does not see what an earlier product left there', () => {
  // NaN everywhere in the first product's sums: the first kc step of the next one must store, not add
  const poisoned = random(40, 300, 1);
  poisoned.data.fill(NaN);
  gemm(T(poisoned), poisoned);
  gemm(random(300, 40, 2), random(40, 300, 3));
  for (const [rows, cols] of [[300, 37], [9, 260], [513, 5]] as const) {
    gemm(T(poisoned), poisoned);
    const x = random(rows, cols, rows + cols);
    const want = naiveMatmul(T(x), x);
    assert.ok(maxDiff(syrk(x).data, want) < 1e-11, `syrk (${rows}, ${cols})`);
    assert.ok(maxDiff(unpackUpperSum([syrkPacked(x)], cols).data, want) < 1e-11, `syrkPacked (${rows}, ${cols})`);
    const y = random(cols, rows, 7);
    assert.ok(maxDiff(gemm(y, x).data, naiveMatmul(y, x)) < 1e-11, `gemm (${cols}, ${rows}) @ (${rows}, ${cols})`);
  }
});

test('syrkSubtractUpper updates the upper trapezoid of the first rows only (the Cholesky sub-panel update)', () => {
  for (const wasm of [true, false]) {
    setGemmWasm(wasm);
    try {
      for (const [k, n, rows] of [[5, 9, 4], [32, 300, 96], [3, 7, 7], [17, 140, 0], [1, 1, 1]] as const) {
        const x = random(k, n, k * n + rows);
        const ldc = n + 3, at = 2;
        const c = Float64Array.from({ length: at + rows * ldc + 1 }, (_, i) => (i % 11) - 5);
        const before = c.slice();
        syrkSubtractUpper(x, c, at, ldc, rows);
        const prod = naiveMatmul(T(x), x);
        for (let i = 0; i < rows; i++) for (let j = i; j < n; j++) {
          const want = before[at + i * ldc + j]! - prod[i * n + j]!;
          if (Math.abs(c[at + i * ldc + j]! - want) > 1e-12) assert.unreachable(`(${k}, ${n}) rows ${rows} [${i},${j}] wasm=${wasm}`);
        }
        // nothing outside the block's rows, nor the padding after each row, is written
        for (let i = 0; i < at; i++) assert.is(c[i], before[i]);
        for (let i = 0; i < rows; i++) for (let j = n; j < ldc && at + i * ldc + j < c.length; j++) assert.is(c[at + i * ldc + j], before[at + i * ldc + j], `padding [${i},${j}]`);
        assert.is(c[c.length - 1], before[before.length - 1]);
      }
    } finally {
      setGemmWasm(true);
    }
  }
  assert.throws(() => syrkSubtractUpper(random(2, 3, 1), new Float64Array(20), 0, 3, 4), /rows must be in \[0, 3\]/);
});

test('syrkSubtractUpper on a C in the kernel\'s memory (gemmWorkspace) subtracts whole tiles in place, same bits as outside', () => {
  for (const [k, n, rows] of [[5, 8, 4], [32, 300, 96], [128, 260, 260], [3, 4, 4], [33, 136, 128]] as const) {
    const x = random(k, n, k + n + rows);
    const ldc = n + 8, at = 4;
    const start = Float64Array.from({ length: at + rows * ldc + 8 }, (_, i) => (i % 13) - 6);
    const outside = start.slice();
    syrkSubtractUpper(x, outside, at, ldc, rows);
    const ws = gemmWorkspace(start.length);
    assert.ok(ws, 'WebAssembly SIMD is available on Node 20');
    const { memory, at: base } = ws!;
    memory.set(start, base);
    syrkSubtractUpper(x, memory, base + at, ldc, rows);
    const inside = memory.slice(base, base + start.length);
    // the upper trapezoid and everything outside the block agree bit for bit (below the diagonal is scratch)
    for (let i = 0; i < start.length; i++) {
      const r = Math.floor((i - at) / ldc), col = (i - at) % ldc;
      if (i >= at && r < rows && col < n && col < r) continue;
      if (!Object.is(inside[i], outside[i])) assert.unreachable(`(${k}, ${n}) rows ${rows}: element ${i} (row ${r}, column ${col}) ${inside[i]} vs ${outside[i]}`);
    }
  }
});

function spd(n: number, seed: number): Strided<Float64Array> {
  const x = random(n + 5, n, seed);
  const g = gemm(T(x), x);
  for (let i = 0; i < n; i++) g.data[i * n + i] += 0.1;
  return g;
}

/** The unblocked textbook factorisation (dot products of rows of L), the blocked kernel's reference. */
function textbookCholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let k = 0; k < j; k++) s -= l[j * n + k]! * l[j * n + k]!;
    l[j * n + j] = Math.sqrt(s);
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let k = 0; k < j; k++) t -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = t / l[j * n + j]!;
    }
  }
  return l;
}

test('cholesky: L lower triangular and L @ L.T reconstructs A to 1e-10', () => {
  // sizes across the 128-row panels of the blocked factorisation
  for (const n of [1, 2, 5, 40, 129, 300]) {
    const a = spd(n, n);
    const l = cholesky(a);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.is(l.data[i * n + j], 0);
    let scale = 0;
    for (const v of a.data) scale = Math.max(scale, Math.abs(v));
    assert.ok(maxDiff(gemm(l, T(l)).data, a.data) / scale < 1e-10, `n = ${n}`);
    assert.ok(maxDiff(l.data, textbookCholesky(a.data, n)) / Math.sqrt(scale) < 1e-10, `n = ${n} against the textbook loop`);
    // only the lower half is read: NaN above the diagonal changes nothing
    const lowerOnly = a.data.slice();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) lowerOnly[i * n + j] = NaN;
    assert.equal(cholesky(view(lowerOnly, [n, n])).data, l.data, `n = ${n} lower half only`);
  }
  // the trailing updates give the same bits in the JavaScript kernel (which works outside the module's
  // memory, on exact block edges), also where the in-place updates pad n to whole tiles (301, 130, 33)
  for (const n of [300, 301, 130, 33]) {
    const big = spd(n, n), fast = cholesky(big).data;
    setGemmWasm(false);
    try {
      assert.equal(cholesky(big).data, fast, `n = ${n}: JavaScript and WebAssembly kernels agree bit for bit`);
    } finally {
      setGemmWasm(true);
    }
    // the workspace in the module's memory holds what an earlier product left (NaN here): nothing of it shows
    const poisoned = random(20, 400, 3);
    poisoned.data.fill(NaN);
    gemm(T(poisoned), poisoned);
    assert.equal(cholesky(big).data, fast, `n = ${n} after a NaN product`);
  }
  // a failing pivot in the third panel is named; NaN fails at the first pivot
  const bad = spd(300, 4);
  bad.data[260 * 300 + 260] = -1;
  assert.throws(() => cholesky(bad), (e: Error) => e instanceof LinAlgError && /not positive definite \(pivot 260 is -/.test(e.message));
  assert.throws(() => cholesky(view(Float64Array.from([NaN, 0, 0, 1]), [2, 2])), /pivot 0 is NaN/);
  assert.throws(() => cholesky(view(Float64Array.from([1, 2, 2, 1]), [2, 2])), (e: Error) => e instanceof LinAlgError && /not positive definite \(pivot 1/.test(e.message));
  assert.throws(() => cholesky(random(2, 3, 1)), /square matrix, got shape \(2, 3\)/);
});

test('solve, solveTriangular and inv by reconstruction', () => {
  const n = 30;
  const a = random(n, n, 9);
  const b = random(n, 3, 10);
  const x = solve(a, b);
  assert.ok(maxDiff(gemm(a, x).data, b.data) < 1e-10, 'A @ solve(A, B) = B');
  const v = view(Float64Array.from({ length: n }, (_, i) => i - 3), [n]);
  const xv = solve(a, v);
  assert.equal(xv.shape, [n]);
  assert.ok(maxDiff(gemm(a, { ...xv, shape: [n, 1], stride: [1, 1] }).data, v.data) < 1e-10, 'vector right-hand side');
  const ai = inv(a);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  assert.ok(maxDiff(gemm(a, ai).data, eye) < 1e-10, 'A @ inv(A) = I');
  const l = cholesky(spd(n, 3));
  const y = solveTriangular(l, b);
  assert.ok(maxDiff(gemm(l, y).data, b.data) < 1e-10, 'lower');
  const u = T(l);
  const z = solveTriangular(u, b, { lower: false });
  assert.ok(maxDiff(gemm(u, z).data, b.data) < 1e-10, 'upper (a transposed view)');
  assert.throws(() => solve(view(Float64Array.from([1, 2, 2, 4]), [2, 2]), view(Float64Array.of(1, 1), [2])), /singular/);
  assert.throws(() => solve(a, random(n + 1, 1, 2)), /right-hand side has 31 rows, the matrix 30/);
});

test('qr: Q orthonormal, R upper with non-negative diagonal, Q @ R = A', () => {
  for (const [m, n] of [[1, 1], [5, 3], [100, 7], [8, 8]] as const) {
    const a = random(m, n, m + n);
    const { q, r } = qr(a);
    assert.ok(maxDiff(gemm(q, r).data, a.data) < 1e-10, `(${m}, ${n}) reconstruction`);
    const eye = new Float64Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    assert.ok(maxDiff(gemm(T(q), q).data, eye) < 1e-10, 'Q.T Q = I');
    for (let i = 0; i < n; i++) {
      assert.ok(r.data[i * n + i]! >= 0);
      for (let j = 0; j < i; j++) assert.is(r.data[i * n + j], 0);
    }
  }
  // a rank-deficient column
  const z = view(Float64Array.from([1, 0, 2, 0, 3, 0]), [3, 2]);
  const { q, r } = qr(z);
  assert.ok(maxDiff(gemm(q, r).data, z.data) < 1e-12);
  assert.throws(() => qr(random(2, 3, 1)), /tall-and-skinny/);
});

test.run();
