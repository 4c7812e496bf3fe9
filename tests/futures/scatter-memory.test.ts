// scatter without copies: 8 tasks on threads over one 400 MB Float64Array keep the process's peak resident
// memory near ONE copy of the array (a copy per task would be 8). Measured in a child process of its own
// (examples/shared-data.ts --json), so this test's other allocations do not count.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('8 tasks over a scattered 400 MB array on threads: peak RSS grows by less than 1.6 copies of it', () => {
  const script = fileURLToPath(new URL('../../examples/shared-data.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '400', '--json'], { encoding: 'utf8', timeout: 180_000 });
  assert.is(r.signal, null, `the child did not finish in 180 s: ${r.stderr}`);
  assert.is(r.status, 0, r.stderr);
  const run = JSON.parse(r.stdout.trim().split('\n').pop()!) as { arrayMb: number; copies: number; peakMb: number; baselineMb: number; shares: number[] };
  assert.is(Math.round(run.arrayMb), 400);
  assert.ok(run.copies < 1.6, `peak ${run.peakMb.toFixed(0)} MB over baseline ${run.baselineMb.toFixed(0)} MB is ${run.copies.toFixed(2)} copies of the array`);
  // 400 MB = 52,428,800 values repeating 0, 0.001, ..., 0.999 (52,428 whole periods and 800 more values)
  const n = 52_428_800;
  const expected = Array.from({ length: 8 }, (_, k) => {
    const t = (k + 1) / 9;
    let perPeriod = 0;
    let inTail = 0;
    for (let j = 0; j < 1000; j++) if (j / 1000 > t) (perPeriod += 1, j < 800 && (inTail += 1));
    return (perPeriod * 52_428 + inTail) / n;
  });
  assert.equal(run.shares, expected);
});

test.run();
