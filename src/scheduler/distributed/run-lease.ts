// A run directory's lease: the client that made `tessera-run-<id>` rewrites a small lease file in it while
// the run lives. A killed client leaves its directory behind; a later client or worker removes it only
// when the lease is long expired and every entry in it is a file tessera names that way (rule: never
// delete anything the user did not name).

import { lstatSync, readFileSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LEASE_FILE = '.tessera-run-lease';
/** How often the client rewrites its runs' leases. */
export const LEASE_REFRESH_MS = 10_000;
/**
 * A lease not rewritten for this long belongs to a client that is gone. Far above the refresh period, so
 * that a clock that differs between hosts (the file's time comes from the host that wrote it, or the
 * file server) or a slow storage does not make a live run look dead.
 */
export const LEASE_EXPIRY_MS = 30 * 60_000;

const RUN_DIR = /^tessera-run-([0-9a-f]{16})$/;
// What a run writes (values.ts, storage.ts): '<stem>-<n>.arrow|bin' with stem 'in' or '<key hash>-<generation>',
// each first under '<name>.tmp-<12 hex>'.
const RUN_FILE = /^(in|[0-9a-f]{14}-\d+)-\d+\.(arrow|bin)(\.tmp-[0-9a-f]{12})?$/;

interface Lease {
  readonly tessera: 'run-lease';
  readonly run: string;
  readonly host: string;
  readonly pid: number;
}

/** Write (or rewrite, which renews it) the lease of run `id` in its directory. */
export function writeLease(runPath: string, id: string, host: string): void {
  const lease: Lease = { tessera: 'run-lease', run: id, host, pid: process.pid };
  writeFileSync(join(runPath, LEASE_FILE), JSON.stringify(lease));
}

/**
 * Remove run directories under `root` whose lease expired: only real directories named tessera-run-<id>
 * holding a lease for that same id, untouched for `expiryMs`, and nothing but run files. Anything else,
 * or any doubt, leaves the directory as it is. Returns the directories removed.
 */
export function sweepExpiredRuns(root: string, now = Date.now(), expiryMs = LEASE_EXPIRY_MS): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = RUN_DIR.exec(name);
    if (!m) continue;
    const dir = join(root, name);
    try {
      if (!lstatSync(dir).isDirectory()) continue; // a symlink or a file with that name: not ours
      const leasePath = join(dir, LEASE_FILE);
      const st = lstatSync(leasePath);
      if (!st.isFile() || now - st.mtimeMs < expiryMs) continue;
      const lease = JSON.parse(readFileSync(leasePath, 'utf8')) as Partial<Lease>;
      if (lease.tessera !== 'run-lease' || lease.run !== m[1]) continue;
      const entries = readdirSync(dir);
      const ours = entries.every((e) => (e === LEASE_FILE || RUN_FILE.test(e)) && lstatSync(join(dir, e)).isFile());
      if (!ours) continue;
      for (const e of entries) if (e !== LEASE_FILE) unlinkSync(join(dir, e));
      unlinkSync(leasePath); // last: a sweep cut short is recognised (and finished) by the next one
      rmdirSync(dir);
      removed.push(dir);
    } catch {
      // gone meanwhile (another sweeper), unreadable, or a file appeared: leave it
    }
  }
  return removed;
}
