// `tessera head big.csv -n 100000 --json | head -1`: the reader closes the pipe early; tessera stops
// quietly (no EPIPE stack trace, no hang) instead of crashing on the next write.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAUNCHER } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-epipe-'));

test('head --json into a pipe closed after one line: one line out, nothing on stderr', () => {
  const csv = join(dir, 'big.csv');
  writeFileSync(csv, 'a,b\n' + Array.from({ length: 150_000 }, (_, i) => `${i},${2 * i}`).join('\n') + '\n');
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${LAUNCHER}" head "${csv}" -n 100000 --json | head -1`], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: '1' } });
  assert.is(r.status, 0);
  assert.is(r.stdout, '{"a":0,"b":0}\n');
  assert.is(r.stderr, '', r.stderr);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
