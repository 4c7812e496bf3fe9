// parquet-wasm (15 MB of WebAssembly per thread) is loaded only by a thread that runs a Parquet op:
// workers doing CSV work never load it; the first Parquet read in the caller does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compute, readCsv, readParquet, toParquet, udf } from '../../src/index.ts';
import { parquetWasmLoaded } from '../../src/io/parquet/wasm.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-lazy-wasm-'));
const csv = join(dir, 'a.csv');
writeFileSync(csv, 'g,x\n' + Array.from({ length: 40 }, (_, i) => `${i % 4},${i}`).join('\n') + '\n');
const PROBE = udf(new URL('./fixtures/wasm-probe.ts', import.meta.url).href, 'probe');

test('CSV work on threads and processes never loads parquet-wasm in a worker', async () => {
  for (const scheduler of ['threads', 'processes'] as const) {
    const df = readCsv(csv, { blocksize: 64 });
    // A pool of its own (an unusual size and memory limit): pools are shared by every test file of the
    // run, and earlier files do Parquet work on theirs.
    const [sum, probes] = await compute(df.col('x').sum(), df.groupby('g').apply(PROBE), { scheduler, numWorkers: 3, workerMemoryLimitMb: 1999 });
    assert.is(sum, 780);
    const loaded = (probes as { toArray(): { loaded: boolean }[] }).toArray().map((r) => r.loaded);
    assert.is(loaded.length, 4);
    assert.equal(loaded, [false, false, false, false], scheduler);
  }
});

test('a Parquet write and read load it where they run', async () => {
  const df = readCsv(csv);
  const out = join(dir, 'out.parquet');
  await toParquet(df, out, { scheduler: 'sync' });
  assert.ok(parquetWasmLoaded());
  const [sum] = await compute(readParquet(out).col('x').sum(), { scheduler: 'threads' });
  assert.is(Number(sum), 780);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
