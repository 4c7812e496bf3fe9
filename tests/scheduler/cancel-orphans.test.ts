// Worker processes die with their parent: SIGKILL (no cleanup possible) of a process whose 'processes'
// pool is busy in an endless loop must not leave the workers spinning as orphans.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Worker processes started by `pid` (tsx may have an esbuild child too: that one is not ours). */
function workersOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    if (list) out.push(...list.split(/\s+/).map(Number));
  }
  return out.filter((c) => /process-worker/.test(readFileSync(`/proc/${c}/cmdline`, 'utf8')));
}

function alive(pid: number): boolean {
  try {
    // a zombie still answers kill(0): look at its state
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('SIGKILL of the parent: its worker processes, stuck in a loop, exit by themselves', async () => {
  if (process.platform !== 'linux') return;
  const marker = join(mkdtempSync(join(tmpdir(), 'tessera-orphans-')), 'spinning');
  const parent = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/orphan-parent.ts', import.meta.url).pathname, marker], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const t = performance.now();
    while (!(existsSync(`${marker}-0`) && existsSync(`${marker}-1`))) {
      if (parent.exitCode !== null || performance.now() - t > 60_000) throw new Error('the parent did not get both workers spinning');
      await new Promise((r) => setTimeout(r, 50));
    }
    const workers = workersOf(parent.pid!);
    assert.is(workers.length, 2, `worker processes of the parent: ${workers.join(', ')}`);
    parent.kill('SIGKILL');
    const t0 = performance.now();
    while (workers.some(alive) && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
    const left = workers.filter(alive);
    for (const pid of left) process.kill(pid, 'SIGKILL'); // do not leave them to the next test run
    assert.equal(left, [], `orphaned worker processes still running after 10 s: ${left.join(', ')}`);
  } finally {
    parent.kill('SIGKILL');
    rmSync(dirname(marker), { recursive: true, force: true });
  }
});

test.run();
