// examples/arrays.ts runs as written (small sizes, threads) and agrees with plain loops over the same draws.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { random } from '../../../src/index.ts';
import { expSinMean, gramCholesky } from '../../../examples/arrays.ts';
import { assertClose } from '../../helpers.ts';

test('gramCholesky: x.T @ x equals a triple loop over the same draws, and L L^T reconstructs it to 1e-10', async () => {
  const rows = 1500, cols = 24;
  const { gram, factor, relativeError } = await gramCholesky(rows, cols, { chunkRows: 200, seed: 3 });
  const x = (await random.generator(3).normal([rows, cols]).compute({ scheduler: 'sync' })).data as Float64Array;
  for (const [i, j] of [[0, 0], [3, 17], [23, 23], [11, 2]] as const) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * cols + i]! * x[r * cols + j]!;
    assertClose(gram[i * cols + j]!, s, 1e-12, `G[${i},${j}]`);
  }
  assert.ok(relativeError < 1e-10, `relative error ${relativeError}`);
  assert.ok(factor.every((v, k) => (k % cols > Math.floor(k / cols) ? v === 0 : true)), 'L is lower triangular');
});

test('expSinMean: equals the loop over the same uniforms, and is near its expectation', async () => {
  const n = 200_001;
  const m = await expSinMean(n, { chunks: 30_000, seed: 5 });
  const u = (await random.generator(5).uniform(n).compute({ scheduler: 'sync' })).data as Float64Array;
  let s = 0;
  for (const v of u) s += Math.exp(v) + 3 * Math.sin(v);
  assertClose(m, s / n, 1e-12, 'mean');
  assert.ok(Math.abs(m - (Math.E - 1 + 3 * (1 - Math.cos(1)))) < 0.01);
});

test('the script prints both results', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', new URL('../../../examples/arrays.ts', import.meta.url).pathname, '2000', '20', '100000'], { encoding: 'utf8', timeout: 60_000 });
  assert.match(out, /x\.T @ x of 2000 x 20, then Cholesky: \d+ ms; L\[0,0\] = [\d.]+ .* max \|L L\^T - G\| \/ max \|G\| = \d\.\d+e-1[0-9]/);
  assert.match(out, /mean\(exp\(x\) \+ 3 sin\(x\)\) over 100000 uniforms: 3\.[0-9]+ \(exact expectation 3\.097/);
});

test.run();
