// A CSV column typed from a sample that did not see every value is provisional: comparing it with a string is
// not refused when the plan is built (fuzz finding F5), compute() reads the column in full first, and the
// plan then runs against the column's real type: a string if the data say so, else the refusal, at compute.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeExecutors, compute, createClient, readCsv } from '../../src/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-provisional-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

// fuzz seed 20261221, case 1921460220: 34 sampled bytes see null, NA, FALSE (bool); the last row makes c0 a string
const fuzzed = write('f0.csv', 'c0|c1\r\nnull|-8639.753\nNA|-33.0088758000638332880\r\nFALSE|-1287.232\nNULL|3144314296.0779371\ntrue|832.260\n9007199254740993|-2.2250738585072014e-308');
const fuzzOptions = { delimiter: '|', blocksize: 4096, sampleBytes: 34, parseDates: false } as const;

async function rejectsWith(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match(String((e as Error).message), pattern);
    return;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
}

test('a column sampled as bool but a string in the data compares with strings (filter and assign), on every scheduler', async () => {
  for (const scheduler of ['sync', 'threads', 'processes'] as const) {
    const df = readCsv([fuzzed], fuzzOptions as never);
    assert.equal(df.dtypes.c0, 'Bool', 'the sample alone says bool');
    const none = df.filter(df.col('c0').eq('True')).col('c1'); // case matters: no row
    assert.equal(await compute(none.min(), none.mean(), none.count(), { scheduler }), [null, null, 0], scheduler);
    const one = df.filter(df.col('c0').eq('true')).col('c1');
    assert.equal(await compute(one.min(), one.count(), { scheduler }), [832.26, 1], scheduler);
    const marked = df.assign({ big: df.col('c0').eq('9007199254740993') });
    assert.equal(await marked.col('big').sum().compute({ scheduler }), 1, scheduler);
  }
  await closeExecutors();
});

test('an int column with a late string, and timestamps with a late word, compare with strings', async () => {
  const ints = write('ints.csv', `a,v\n${Array.from({ length: 300 }, (_, i) => `${i},${i}`).join('\n')}\nx,1000\n`);
  const df = readCsv(ints, { sampleBytes: 64 });
  assert.equal(df.dtypes.a, 'Int32');
  const q = df.filter(df.col('a').eq('x')).col('v');
  assert.equal(await compute(q.sum(), q.count(), { scheduler: 'sync' }), [1000, 1]);
  const q2 = df.filter(df.col('a').ne('x')).col('v'); // the other rows, compared as text
  assert.equal(await compute(q2.count(), { scheduler: 'sync' }), [300]);
  // a reduction of the comparison itself, on a fresh frame (nothing read yet)
  const fresh1 = readCsv(ints, { sampleBytes: 64 });
  assert.is(await fresh1.col('a').eq('x').sum().compute({ scheduler: 'threads' }), 1);
  const allInts = write('all-ints.csv', `a,v\n${Array.from({ length: 300 }, (_, i) => `${i},${i}`).join('\n')}\n`);
  const really = readCsv(allInts, { sampleBytes: 64 });
  await rejectsWith(really.col('a').eq('x').sum().compute({ scheduler: 'threads' }), /in eq\(a, "x"\): cannot compare Int32 with Utf8/);
  await closeExecutors();
  const stamps = write('late.csv', `a,b\n${Array.from({ length: 400 }, (_, i) => `2020-01-01T00:00:${String(i % 60).padStart(2, '0')},${i}`).join('\n')}\nhello,7\n`);
  const ts = readCsv(stamps, { parseDates: true, sampleBytes: 100 });
  const h = ts.filter(ts.col('a').eq('hello')).col('b');
  assert.equal(await compute(h.sum(), h.count(), { scheduler: 'sync' }), [7, 1]);
  // orderings against a word are refused when built, as before: more often a mistake than a text column
  const fresh = readCsv(stamps, { parseDates: true, sampleBytes: 100 });
  assert.throws(() => fresh.col('a').gt('yesterday'), /'yesterday' is not an ISO date/);
  const freshInts = readCsv(ints, { sampleBytes: 64 });
  assert.throws(() => freshInts.col('a').lt('x'), /cannot compare Int32 with Utf8/);
});

test('a column that really is bool is still refused, at compute, with the same message; declared types at build', async () => {
  const bools = write('bools.csv', `a|v\n${Array.from({ length: 50 }, (_, i) => `${i % 2 === 0 ? 'true' : 'false'}|${i}`).join('\n')}\n`);
  const df = readCsv(bools, { delimiter: '|', sampleBytes: 16 });
  const q = df.filter(df.col('a').eq('true')).col('v').sum(); // built: the sample did not see every row
  assert.ok(q.explain().includes('filter'), 'explain() works before any compute');
  for (const scheduler of ['sync', 'threads'] as const) {
    try {
      await q.compute({ scheduler });
      assert.unreachable('a bool column compared with a string must be refused');
    } catch (e) {
      assert.match(String((e as Error).message), /in eq\(a, "true"\): cannot compare Bool with Utf8/, scheduler);
    }
  }
  // a futures client submits the graph at once (no reading pass first): refused there, never run on a bool
  const client = await createClient({ scheduler: 'sync' });
  try {
    assert.throws(() => client.compute(df.filter(df.col('a').eq('true')).col('v').sum()), /cannot compare Bool with Utf8/);
    // ... and a string column sampled as bool is refused the same way there (read it with compute() first, or pass dtype)
    const fz = readCsv([fuzzed], fuzzOptions as never);
    assert.throws(() => client.compute(fz.filter(fz.col('c0').eq('true')).col('c1').sum()), /cannot compare Bool with Utf8/);
  } finally {
    await client.close();
  }
  const declared = readCsv(bools, { delimiter: '|', sampleBytes: 16, dtype: { a: 'bool' } });
  assert.throws(() => declared.filter(declared.col('a').eq('true')), /cannot compare Bool with Utf8/);
  await closeExecutors();
});

test.run();
