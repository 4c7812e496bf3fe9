// The distributed tests' own cluster: a redis-server on 127.0.0.1 at a free port with its own --dir and
// --appendonly yes, and `tessera worker` processes. Everything started here is stopped by PID at the end,
// also when a test fails or the process exits early (exit hooks). Only loopback is ever used.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tessera.mjs');

/** Every process this module started that may still run: killed by PID when the test process exits. */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
/** Network namespaces a test made: deleted at exit, after the processes in them are killed. */
export const namespaces = new Set<string>();
let hooked = false;

export function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = (): void => {
    for (const p of live) if (p.pid !== undefined && p.exitCode === null && p.signalCode === null) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    live.clear();
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
    namespaces.clear();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** The redis-server binary, or null with the reason (the tests are then skipped, visibly). */
export function findRedisServer(): { path: string } | { reason: string } {
  for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(p)) return { path: p };
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const p = which.stdout.trim();
  return p ? { path: p } : { reason: 'redis-server is not installed (apt-get install -y redis-server)' };
}

/** A TCP port nobody listens on right now, on 127.0.0.1. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A directory removed at exit (the test's scratch: redis data, shared storage). */
export function scratchDir(prefix: string): string {
  hookExit();
  const d = mkdtempSync(join(tmpdir(), `tessera-${prefix}-`));
  dirs.add(d);
  return d;
}

function track(p: ChildProcess): void {
  hookExit();
  live.add(p);
  p.once('exit', () => live.delete(p));
}

/** Resolve once `p` printed a line matching `re` on stdout (or stderr), reject on exit or after `ms`. */
function waitForLine(p: ChildProcess, re: RegExp, ms: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const m = seen.split('\n').find((l) => re.test(l));
      if (m !== undefined) done(null, m);
    };
    const onExit = (code: number | null, sig: string | null): void => done(new Error(`${what} exited (${sig ?? code}) before it was ready: ${seen.slice(-1500)}`));
    const timer = setTimeout(() => done(new Error(`${what} was not ready within ${ms} ms: ${seen.slice(-1500)}`)), ms);
    const done = (err: Error | null, line?: string): void => {
      clearTimeout(timer);
      p.stdout?.off('data', onData);
      p.stderr?.off('data', onData);
      p.off('exit', onExit);
      if (err) reject(err);
      else resolve(line!);
    };
    p.stdout?.on('data', onData);
    p.stderr?.on('data', onData);
    p.once('exit', onExit);
  });
}

/** Stop `p` by its PID: `signal` first, SIGKILL if it has not exited after `graceMs`. */
export async function stopProcess(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  try {
    process.kill(p.pid, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(p.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly process: ChildProcess;
  /** SIGTERM (Redis writes its AOF and exits), then start again on the same port and dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisOptions {
  readonly password?: string;
  /** Addresses to listen on (default 127.0.0.1); never anything but loopback or a test's own namespaces. */
  readonly bind?: string | readonly string[];
  /** Command prefix to run it under (e.g. ['ip', 'netns', 'exec', 'ns1']). */
  readonly wrap?: readonly string[];
  readonly port?: number;
  /** AOF fsync policy: 'always' (default: the restart test must not lose a write) or 'everysec' (benchmarks). */
  readonly appendfsync?: 'always' | 'everysec';
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const found = findRedisServer();
  if ('reason' in found) throw new Error(found.reason);
  const binds = typeof options.bind === 'string' ? [options.bind] : options.bind ?? ['127.0.0.1'];
  const bind = binds[0]!;
  const port = options.port ?? (await freePort());
  const dir = scratchDir('redis');
  const args = ['--port', String(port), '--bind', ...binds, '--dir', dir, '--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'always', '--save', '', '--daemonize', 'no', '--loglevel', 'notice'];
  if (options.password) args.push('--requirepass', options.password);
  const launch = async (): Promise<ChildProcess> => {
    const [cmd, ...pre] = options.wrap && options.wrap.length > 0 ? [...options.wrap, found.path] : [found.path];
    const p = spawn(cmd!, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(p);
    await waitForLine(p, /Ready to accept connections|ready to accept/i, 10_000, 'redis-server').catch(async (err) => {
      await stopProcess(p, 'SIGKILL');
      throw err;
    });
    return p;
  };
  let proc = await launch();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const server: RedisServer = {
    port,
    url: `redis://${auth}${bind}:${port}`,
    dir,
    get process() {
      return proc;
    },
    async restart() {
      await stopProcess(proc, 'SIGTERM');
      proc = await launch();
    },
    async stop() {
      await stopProcess(proc, 'SIGTERM');
    },
  };
  return server;
}

export interface WorkerProcess {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly name: string;
  /** Everything it printed (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export interface WorkerSpec {
  readonly redis: string;
  readonly storage: string;
  readonly queue?: string;
  readonly threads?: number;
  readonly lockMs?: number;
  readonly name?: string;
  readonly wrap?: readonly string[];
  readonly env?: Record<string, string>;
  /** --host, and the directories it advertises (--local-dir, --preferred-dir). */
  readonly host?: string;
  readonly localDirs?: readonly string[];
  readonly preferredDirs?: readonly string[];
}

/** Start a `tessera worker` process and wait until it says it is ready. */
export async function startWorker(spec: WorkerSpec): Promise<WorkerProcess> {
  const args = [BIN, 'worker', '--redis', spec.redis, '--storage', spec.storage, '--threads', String(spec.threads ?? 1)];
  if (spec.queue) args.push('--queue', spec.queue);
  if (spec.lockMs) args.push('--lock-ms', String(spec.lockMs));
  if (spec.name) args.push('--name', spec.name);
  if (spec.host) args.push('--host', spec.host);
  for (const d of spec.localDirs ?? []) args.push('--local-dir', d);
  for (const d of spec.preferredDirs ?? []) args.push('--preferred-dir', d);
  const [cmd, ...pre] = spec.wrap && spec.wrap.length > 0 ? [...spec.wrap, process.execPath] : [process.execPath];
  const p = spawn(cmd!, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, env: { ...process.env, ...spec.env } });
  track(p);
  let out = '';
  p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  p.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await waitForLine(p, /tessera worker .* ready/, 60_000, `tessera worker ${spec.name ?? ''}`).catch(async (err) => {
    await stopProcess(p, 'SIGKILL');
    throw err;
  });
  return { process: p, pid: p.pid!, name: spec.name ?? `pid ${p.pid}`, output: () => out, stop: () => stopProcess(p, 'SIGTERM', 15_000) };
}

export interface Cluster {
  readonly redis: RedisServer;
  /** file:/// URL of the shared storage directory, and its path. */
  readonly storage: string;
  readonly storagePath: string;
  readonly workers: WorkerProcess[];
  readonly queue: string;
  /** compute()/createClient options for this cluster. */
  readonly config: { scheduler: 'distributed'; redis: string; storage: string; queue: string };
  addWorker(extra?: Partial<WorkerSpec>): Promise<WorkerProcess>;
  stop(): Promise<void>;
}

/** Redis plus `workers` worker processes (in parallel), sharing a fresh storage directory. */
export async function startCluster(options: { workers?: number; threads?: number; lockMs?: number; queue?: string; appendfsync?: 'always' | 'everysec' } = {}): Promise<Cluster> {
  const redis = await startRedis({ appendfsync: options.appendfsync });
  const storagePath = join(scratchDir('storage'), 'shared');
  mkdirSync(storagePath);
  const storage = pathToFileURL(storagePath).href;
  const queue = options.queue ?? 'tessera-test';
  const spec = (i: number, extra: Partial<WorkerSpec> = {}): WorkerSpec => ({ redis: redis.url, storage, queue, threads: options.threads ?? 1, lockMs: options.lockMs, name: `w${i}`, ...extra });
  const workers: WorkerProcess[] = [];
  try {
    workers.push(...(await Promise.all(Array.from({ length: options.workers ?? 2 }, (_, i) => startWorker(spec(i))))));
  } catch (err) {
    await redis.stop();
    throw err;
  }
  let n = workers.length;
  return {
    redis, storage, storagePath, workers, queue,
    config: { scheduler: 'distributed', redis: redis.url, storage, queue },
    async addWorker(extra = {}) {
      const w = await startWorker(spec(n++, extra));
      workers.push(w);
      return w;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await redis.stop();
    },
  };
}

/** Why the distributed tests cannot run here (printed as `distributed tests skipped: <reason>`), or null. */
export function skipReason(): string | null {
  const found = findRedisServer();
  return 'reason' in found ? found.reason : null;
}
