// The differential suite in npm test: a fixed seed, a bounded number of random CSV cases, each read by
// tessera (sync for all, threads and processes for a subset on one shared pool) and by DuckDB with explicit types.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeExecutors } from '../../src/index.ts';
import { type Failure, type SuiteResult, byClass, formatFailure, runSuite, shrink } from './run-case.ts';

const SEED = 20261202;
const SYNC_CASES = 160;
const POOLED_CASES = 16;
const QUERIES = 8;

let root = '';
test.before(() => {
  root = fs.mkdtempSync(`${os.tmpdir()}/tessera-differential-`);
});
test.after(async () => {
  fs.rmSync(root, { recursive: true, force: true });
  await closeExecutors();
});

/** Every failure class with a (briefly shrunk) reproduction, so a red run says what to fix. */
async function report(res: SuiteResult): Promise<string> {
  const parts: string[] = [];
  for (const [cls, fs_] of byClass(res.failures)) {
    const small: Failure = parts.length < 6 ? await shrink(fs_[0]!, root, 25) : fs_[0]!;
    parts.push(`--- ${fs_.length} x ${cls}\n${formatFailure(small)}`);
  }
  return `${res.failures.length} of ${res.runs} query runs differ from DuckDB; known open causes are in tests/differential/FINDINGS.md (npm run fuzz -- --seed N --cases K shrinks every class)\n${parts.join('\n')}`;
}

test(`${SYNC_CASES} random CSV cases x ${QUERIES} queries on sync agree with DuckDB`, async () => {
  const res = await runSuite({ seed: SEED, cases: SYNC_CASES, queriesPerCase: QUERIES, pooledEvery: 0, root });
  assert.ok(res.runs >= SYNC_CASES * QUERIES * 0.9, `only ${res.runs} query runs`);
  if (res.failures.length > 0) assert.unreachable(await report(res));
});

test(`${POOLED_CASES} random CSV cases x ${QUERIES} queries on sync, threads and processes agree with DuckDB`, async () => {
  const res = await runSuite({ seed: SEED + 1, cases: POOLED_CASES, queriesPerCase: QUERIES, pooledEvery: 1, root });
  assert.ok(res.runs >= POOLED_CASES * QUERIES * 3 * 0.9, `only ${res.runs} query runs`);
  if (res.failures.length > 0) assert.unreachable(await report(res));
});

test.run();
