// Locality on the 'distributed' scheduler: workers advertise the directories on their host's own disk
// (--local-dir, --preferred-dir); a read task whose input file lies there goes to that host's queue.

import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Task } from '../graph.ts';
import { CHAIN_OP, type ChainStep } from '../execute.ts';

/** What one worker says it reads locally; kept in Redis (a hash per queue) with the time it last said so. */
export interface HostAdvert {
  readonly host: string;
  /** Only this host can read files under these directories (its own disk). */
  readonly local: readonly string[];
  /** Every worker can read files under these (e.g. this host's disk exported over NFS); this host reads them fastest. */
  readonly preferred: readonly string[];
  /** Date.now() of the worker's last heartbeat that carried this advert. */
  readonly seen: number;
}

/** An advert unheard of for this long is forgotten (a host taken out of the cluster). */
export const ADVERT_MAX_AGE_MS = 24 * 3600_000;

/** Where a task goes: the shared queue, or one host's queue (with why, for the messages when that host is gone). */
export type Route =
  | { readonly kind: 'shared' }
  | {
      readonly kind: 'host';
      readonly host: string;
      /** The input file and the advertised directory that made this host the place to run it. */
      readonly file: string;
      readonly dir: string;
      /** True when no other host can read the file: with no live worker on `host` the task fails instead of moving. */
      readonly exclusive: boolean;
    };

export const SHARED: Route = { kind: 'shared' };

/** BullMQ queue of one host (BullMQ refuses ':' in queue names). */
export function hostQueue(queue: string, host: string): string {
  return `${queue}@${host}`;
}

/** A host name as it may appear in a queue name: letters, digits, '.', '_', '-'. Returns why not, or null. */
export function hostNameProblem(name: string): string | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(name)) {
    return `host name '${name}' may hold only letters, digits, '.', '_' and '-' (and start with a letter or digit); give one with --host`;
  }
  return null;
}

// The read ops (src/io/*/ops.ts) and where each keeps its file: these ids and arg shapes are the contract.
const READ_OPS: Readonly<Record<string, (plan: Record<string, unknown>) => unknown>> = {
  'io.csv.read': (p) => p.file,
  'io.parquet.read': (p) => p.path,
  'io.arrow-ipc.read': (p) => p.path,
};

/** The files a task reads from disk: its own read op's, or those of the read steps of a fused chain. */
export function inputFilesOf(task: Task): string[] {
  const out: string[] = [];
  const visit = (op: string, args: readonly unknown[]): void => {
    const pick = READ_OPS[op];
    const plan = args[0];
    if (!pick || typeof plan !== 'object' || plan === null) return;
    const file = pick(plan as Record<string, unknown>);
    if (typeof file === 'string' && isAbsolute(file)) out.push(file);
  };
  if (task.op === CHAIN_OP) {
    for (const step of (task.args[0] ?? []) as readonly ChainStep[]) visit(step.op, step.args);
  } else {
    visit(task.op, task.args);
  }
  return out;
}

/** True if `file` lies inside directory `dir` (both absolute). */
export function isInside(file: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel.length > 0 && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Where a task reading `files` should run. A file no advert claims goes to the shared queue. Otherwise a
 * claiming host with a live worker takes it (the least loaded, by `load`); with none alive, a file some
 * host advertised as readable by every worker (--preferred-dir) goes to the shared queue, and a file only
 * a dead host can read goes to that host's queue, where the client fails it if no worker comes in time.
 */
export function routeFor(files: readonly string[], adverts: readonly HostAdvert[], live: ReadonlySet<string>, load: (host: string) => number): Route {
  const file = files[0];
  if (file === undefined) return SHARED;
  const claims: Array<{ host: string; dir: string; exclusive: boolean; seen: number }> = [];
  for (const a of adverts) {
    for (const dir of a.local) if (isInside(file, dir)) claims.push({ host: a.host, dir, exclusive: true, seen: a.seen });
    for (const dir of a.preferred) if (isInside(file, dir)) claims.push({ host: a.host, dir, exclusive: false, seen: a.seen });
  }
  if (claims.length === 0) return SHARED;
  const exclusive = claims.every((c) => c.exclusive);
  const alive = claims.filter((c) => live.has(c.host));
  if (alive.length > 0) {
    const best = alive.reduce((a, b) => (load(b.host) < load(a.host) ? b : a));
    return { kind: 'host', host: best.host, file, dir: best.dir, exclusive };
  }
  if (!exclusive) return SHARED;
  const last = claims.reduce((a, b) => (b.seen > a.seen ? b : a));
  return { kind: 'host', host: last.host, file, dir: last.dir, exclusive: true };
}

/** Parse the adverts hash (field: host + dirs, value: JSON); malformed and forgotten entries are skipped. */
export function parseAdverts(entries: Readonly<Record<string, string>>, now: number): HostAdvert[] {
  const out: HostAdvert[] = [];
  for (const v of Object.values(entries)) {
    try {
      const a = JSON.parse(v) as HostAdvert;
      const dirs = (x: unknown): x is string[] => Array.isArray(x) && x.every((d) => typeof d === 'string' && isAbsolute(d));
      if (typeof a.host !== 'string' || !dirs(a.local) || !dirs(a.preferred) || typeof a.seen !== 'number') continue;
      if (now - a.seen > ADVERT_MAX_AGE_MS) continue;
      out.push(a);
    } catch {
      // not ours
    }
  }
  return out;
}

/** The hash field of an advert: one per host and set of directories, so a restarted worker overwrites its own. */
export function advertField(a: Pick<HostAdvert, 'host' | 'local' | 'preferred'>): string {
  return JSON.stringify([a.host, [...a.local].sort(), [...a.preferred].sort()]);
}
