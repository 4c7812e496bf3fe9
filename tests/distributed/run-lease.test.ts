// Run directories left by killed clients: only those provably tessera's (name, lease for that id, expired,
// nothing but run files) are removed; everything else on the storage stays as it is.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEASE_EXPIRY_MS, LEASE_FILE, sweepExpiredRuns, writeLease } from '../../src/scheduler/distributed/run-lease.ts';
import { scratchDir } from './harness.ts';

const HOUR = 3600_000;

/** A run directory as a client makes it, with a lease last rewritten `ageMs` ago and the given files. */
function run(root: string, id: string, ageMs: number, files: string[] = ['0123456789abcd-1-0.arrow', 'in-0.bin']): string {
  const dir = join(root, `tessera-run-${id}`);
  mkdirSync(dir);
  for (const f of files) writeFileSync(join(dir, f), 'x');
  writeLease(dir, id, 'host-x');
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(join(dir, LEASE_FILE), t, t);
  return dir;
}

test('an expired run of a killed client is removed with its files; a live one stays', () => {
  const root = scratchDir('lease');
  const dead = run(root, 'aaaaaaaaaaaaaaaa', 2 * LEASE_EXPIRY_MS, ['0123456789abcd-1-0.arrow', 'in-0.bin', '0123456789abcd-2-3.bin.tmp-0123456789ab']);
  const live = run(root, 'bbbbbbbbbbbbbbbb', 1000);
  assert.equal(sweepExpiredRuns(root), [dead]);
  assert.not.ok(existsSync(dead));
  assert.ok(existsSync(join(live, LEASE_FILE)));
  assert.equal(readdirSync(live).sort(), ['.tessera-run-lease', '0123456789abcd-1-0.arrow', 'in-0.bin']);
});

test('nothing that is not provably an expired tessera run is touched', () => {
  const root = scratchDir('lease');
  // a user's file inside an expired run directory: the whole directory stays, every file in it too
  const withUserFile = run(root, 'cccccccccccccccc', HOUR * 48, ['in-0.bin', 'notes.txt']);
  // no lease (an older tessera, or someone's own directory with that name)
  mkdirSync(join(root, 'tessera-run-dddddddddddddddd'));
  writeFileSync(join(root, 'tessera-run-dddddddddddddddd', 'in-0.bin'), 'x');
  // a lease for another id, and a lease that is not ours
  run(root, 'eeeeeeeeeeeeeeee', HOUR * 48);
  writeFileSync(join(root, 'tessera-run-eeeeeeeeeeeeeeee', LEASE_FILE), JSON.stringify({ tessera: 'run-lease', run: 'ffffffffffffffff' }));
  utimesSync(join(root, 'tessera-run-eeeeeeeeeeeeeeee', LEASE_FILE), 0, 0);
  run(root, '1111111111111111', HOUR * 48);
  writeFileSync(join(root, 'tessera-run-1111111111111111', LEASE_FILE), 'not json');
  utimesSync(join(root, 'tessera-run-1111111111111111', LEASE_FILE), 0, 0);
  // a symlink with a run's name pointing at the user's data, and a subdirectory inside a run
  const data = join(root, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'in-0.bin'), 'precious');
  symlinkSync(data, join(root, 'tessera-run-2222222222222222'));
  const withSubdir = run(root, '3333333333333333', HOUR * 48);
  mkdirSync(join(withSubdir, 'in-1.arrow'));
  // names that only look like runs
  mkdirSync(join(root, 'tessera-run-XYZ'));
  writeFileSync(join(root, 'tessera-run-4444444444444444'), 'a file, not a directory');
  const before = readdirSync(root).sort();
  assert.equal(sweepExpiredRuns(root), []);
  assert.equal(readdirSync(root).sort(), before);
  assert.equal(readdirSync(withUserFile).sort(), ['.tessera-run-lease', 'in-0.bin', 'notes.txt']);
  assert.equal(readdirSync(data), ['in-0.bin']);
  assert.ok(existsSync(join(withSubdir, 'in-1.arrow')));
});

test('the expiry is measured from the last lease rewrite', () => {
  const root = scratchDir('lease');
  const dir = run(root, '5555555555555555', LEASE_EXPIRY_MS - 60_000);
  assert.equal(sweepExpiredRuns(root), []);
  assert.equal(sweepExpiredRuns(root, Date.now() + 120_000), [dir]);
  assert.equal(sweepExpiredRuns(join(root, 'missing')), [], 'a storage root that is not there is no error');
});

test.run();
