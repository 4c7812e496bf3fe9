// npm run fuzz -- --seed N --cases K [--queries Q] [--pooled-every P] [--shrink-budget B] [--avoid a,b]: the
// differential suite at any length; prints a minimal reproduction (shrunk) for the first failure of each class.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { closeExecutors } from '../../src/index.ts';
import { FEATURES, type Feature } from './generate.ts';
import { byClass, formatFailure, runSuite, shrink } from './run-case.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new TypeError(`--${name} needs a non-negative integer, got ${process.argv[i + 1]}`);
  return v;
}

const seed = arg('seed', 1);
const cases = arg('cases', 200);
const queries = arg('queries', 8);
const pooledEvery = arg('pooled-every', 5);
const budget = arg('shrink-budget', 400);
const avoidArg = process.argv.indexOf('--avoid');
const avoid = new Set(avoidArg < 0 ? [] : (process.argv[avoidArg + 1] ?? '').split(',').filter(Boolean)) as Set<Feature>;
for (const a of avoid) if (!FEATURES.includes(a)) throw new TypeError(`--avoid takes a comma list of ${FEATURES.join(', ')}; got '${a}'`);
const root = fs.mkdtempSync(`${os.tmpdir()}/tessera-fuzz-`);
const t0 = Date.now();
try {
  const res = await runSuite({
    seed, cases, queriesPerCase: queries, pooledEvery, root, avoid,
    onCase: (i, r) => {
      if (r.failures.length > 0 || (i + 1) % 50 === 0) process.stderr.write(`case ${i + 1}/${cases}: ${r.failures.length} failure(s)\n`);
    },
  });
  const classes = byClass(res.failures);
  console.log(`seed ${seed}: ${res.cases} cases, ${res.queries} queries, ${res.runs} query runs, ${res.failures.length} failures in ${classes.size} classes, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const [cls, fs_] of classes) {
    console.log(`\n=== ${cls}  (${fs_.length} failures, seeds ${[...new Set(fs_.map((f) => f.seed))].slice(0, 8).join(', ')})`);
    const small = await shrink(fs_[0]!, root, budget);
    console.log(formatFailure(small));
  }
  process.exitCode = res.failures.length > 0 ? 1 : 0;
} finally {
  fs.rmSync(root, { recursive: true, force: true });
  await closeExecutors();
}
