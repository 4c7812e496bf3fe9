// compute(a, b, ...) builds one graph: shared inputs are read once and sibling reductions share one scan.
// Proved by counting partition reads and kernel passes (sync scheduler: counters live in this process).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, fromColumns, kernelStats, resetKernelStats } from '../../src/index.ts';

const opts = { scheduler: 'sync' as const };
const N = 8;
const df = fromColumns({ x: Array.from({ length: 800 }, (_, i) => i % 97), y: Array.from({ length: 800 }, (_, i) => i / 3) }, { npartitions: N });

test('min, max and mean of one column: each partition read once and scanned once', async () => {
  const s = df.col('x');
  resetKernelStats();
  const [min, max, mean] = await compute(s.min(), s.max(), s.mean(), opts);
  assert.equal([min, max], [0, 96]);
  assert.ok(typeof mean === 'number');
  assert.is(kernelStats.partitionReads, N);
  assert.is(kernelStats.reductionPasses, N);
});

test('the same three as separate computes read and scan three times', async () => {
  const s = df.col('x');
  resetKernelStats();
  await s.min().compute(opts);
  await s.max().compute(opts);
  await s.mean().compute(opts);
  assert.is(kernelStats.partitionReads, 3 * N);
  assert.is(kernelStats.reductionPasses, 3 * N);
});

test('reductions of two columns behind one shared filter: one read per partition, one pass per column', async () => {
  const f = df.filter(df.col('x').gt(10));
  resetKernelStats();
  const [sx, vy, cy, count] = await compute(f.col('x').sum(), f.col('y').var(), f.col('y').max(), f.col('x').count(), opts);
  assert.is(kernelStats.partitionReads, N);
  assert.is(kernelStats.reductionPasses, 2 * N);
  // and the values are right
  const xs = Array.from({ length: 800 }, (_, i) => i % 97);
  const kept = xs.map((x, i) => [x, i / 3] as const).filter(([x]) => x > 10);
  assert.is(sx, kept.reduce((s, [x]) => s + x, 0));
  assert.is(count, kept.length);
  assert.is(cy, Math.max(...kept.map(([, y]) => y)));
  assert.ok((vy as number) > 0);
});

test('a DataFrame output and a reduction over it in one call share the reads', async () => {
  const f = df.assign({ z: df.col('x').add(df.col('y')) });
  resetKernelStats();
  const [table, total] = await compute(f, f.col('z').sum(), opts);
  assert.is(kernelStats.partitionReads, N);
  assert.is((table as { numRows: number }).numRows, 800);
  assert.ok(typeof total === 'number');
});

test('CSV: three reductions of one column and a filtered reduction read each byte range once', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { readCsv } = await import('../../src/index.ts');
  const dir = mkdtempSync(`${tmpdir()}/tessera-onepass-`);
  const lines = ['a,b'];
  for (let i = 0; i < 3000; i++) lines.push(`${i % 50},${i}`);
  writeFileSync(`${dir}/x.csv`, lines.join('\n') + '\n');
  const csv = readCsv(`${dir}/x.csv`, { blocksize: 4096 });
  const a = csv.col('a');
  const f = csv.filter(csv.col('b').gt(100));
  resetKernelStats();
  const [min, max, mean, n] = await compute(a.min(), a.max(), a.mean(), f.col('a').count(), opts);
  assert.equal([min, max, n], [0, 49, 2899]);
  assert.ok(Math.abs((mean as number) - 24.5) < 1e-12);
  assert.is(kernelStats.partitionReads, csv.npartitions);
  rmSync(dir, { recursive: true });
});

test.run();
