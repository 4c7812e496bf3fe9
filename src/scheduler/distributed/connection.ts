// Turning the user's Redis URL into ioredis options, and naming it in messages without its password.
// Only the host the URL names is ever contacted; rediss:// turns TLS on (certificates verified).

import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

// ioredis and BullMQ (~0.15-0.4 s of module loading together) are loaded when a distributed run first
// connects, not by every process that imports tessera. Both are CommonJS: require() gives the very module
// an import would.
const requirePackage = createRequire(import.meta.url);
let ioredis: typeof import('ioredis') | undefined;
let bull: typeof import('bullmq') | undefined;
export const loadBullmq = (): typeof import('bullmq') => (bull ??= requirePackage('bullmq') as typeof import('bullmq'));

export interface RedisTarget {
  readonly options: RedisOptions;
  /** The URL with any password replaced by ***: safe for error messages and logs. */
  readonly display: string;
}

export function redisTarget(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`redis must be a URL like 'redis://host:6379'; got '${redact(url)}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new TypeError(`redis URL must start with redis:// or rediss:// (TLS); got '${redact(url)}'`);
  if (!u.hostname) throw new TypeError(`redis URL has no host: '${redact(url)}'`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new TypeError(`redis URL path must be a database number (redis://host:6379/0); got '${u.pathname}'`);
  const options: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
    // BullMQ needs commands to wait through reconnects (its blocking reads); our own watchdog bounds the wait.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
  };
  return { options, display: redact(url) };
}

/** `url` without the password (redis://:***@host:6379). */
export function redact(url: string): string {
  return url.replace(/^(\w+:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.slice(0, auth.indexOf(':'))}:***` : '***'}@`);
}

export function connect(target: RedisTarget): Redis {
  ioredis ??= requirePackage('ioredis') as typeof import('ioredis');
  const r = new ioredis.Redis(target.options);
  // Connection errors are reported by the watchdogs that use them (with the URL and what to do); an
  // unhandled 'error' event would instead crash the process.
  r.on('error', () => {});
  return r;
}

/** Redis key names of tessera's own bookkeeping beside BullMQ's queue (which lives under 'bull:'). */
export const keys = {
  /** Sorted set: member = worker description (JSON), score = time its heartbeat expires. */
  workers: (queue: string) => `tessera:${queue}:workers`,
  /** Present while a run is alive; workers skip jobs of runs that ended (cancelled, failed, client gone). */
  run: (queue: string, run: string) => `tessera:${queue}:run:${run}`,
  /** Hash: what each host reads locally (locality.ts HostAdvert); outlives the workers so a dead host is named. */
  hosts: (queue: string) => `tessera:${queue}:hosts`,
  /** List where workers push the answers of one client's jobs. */
  replies: (queue: string, client: string) => `tessera:${queue}:replies:${client}`,
};

/** Workers publish a heartbeat this often; a worker not heard from for HEARTBEAT_TTL_MS is gone. */
export const HEARTBEAT_MS = 2000;
export const HEARTBEAT_TTL_MS = 7000;
/** A run's liveness key lives this long unless the client refreshes it (every RUN_TTL_MS / 3). */
export const RUN_TTL_MS = 30_000;
