// tessera worker --redis URL --storage URL: a process that runs distributed tasks on this host until it
// is stopped (SIGTERM/SIGINT finish the jobs in hand first). See docs/DISTRIBUTED.md.

import { availableParallelism } from 'node:os';
import { intFlag, parse } from './args.ts';
import { UsageError } from './errors.ts';
import type { CommandIO } from './io.ts';
import { DistributedWorker } from '../scheduler/distributed/worker-runtime.ts';
import { redact } from '../scheduler/distributed/connection.ts';
import { validateConfig } from '../config.ts';

export const WORKER_HELP = `Usage: tessera worker --redis <url> --storage <url> [--threads N] [--queue NAME]

Run tasks of the 'distributed' scheduler on this host. Start one (or more) on every host of the cluster;
clients use the same Redis, storage and queue: config.set({scheduler: 'distributed', redis, storage}).

Options:
  --redis <url>        redis://[:password@]host:6379 (rediss:// for TLS); or set TESSERA_REDIS_URL,
                       which keeps the password out of the process list
  --storage <url>      file:///path of the shared directory partitions travel through (same on every host)
  --threads <n>        tasks run at once, each on its own thread (default: one per core)
  --queue <name>       queue to take tasks from (default: tessera)
  --lock-ms <ms>       BullMQ job lock; a job of a worker that vanished runs again after it (default 30000)
  --name <name>        this worker's name in messages (default: host:pid)
  --host <name>        the host this worker stands for: its host queue, and where --local-dir is
                       (default: this machine's hostname)
  --local-dir <dir>    files under <dir> are on this host's own disk and only this host reads them:
                       tasks reading them run on this host (repeatable). The client then fails such a
                       task, naming host and file, when no worker of this host is alive
  --preferred-dir <dir> files under <dir> are read fastest on this host, but every worker can read
                       them (this host's disk shared over NFS): tasks reading them prefer this host and
                       go to any worker when it has none alive (repeatable)
  -h, --help           this help

Stop it with SIGTERM or Ctrl-C: it finishes the tasks in hand, then exits.`;

export async function workerCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse('worker', argv, {
    redis: { type: 'string' },
    storage: { type: 'string' },
    threads: { type: 'string' },
    queue: { type: 'string' },
    'lock-ms': { type: 'string' },
    name: { type: 'string' },
    host: { type: 'string' },
    'local-dir': { type: 'string', multiple: true },
    'preferred-dir': { type: 'string', multiple: true },
  });
  if (values.help) {
    io.out(WORKER_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'; see 'tessera worker --help'`, 'worker');
  const redis = typeof values.redis === 'string' ? values.redis : process.env.TESSERA_REDIS_URL;
  if (!redis) throw new UsageError('--redis <url> is required (or TESSERA_REDIS_URL); see \'tessera worker --help\'', 'worker');
  if (typeof values.storage !== 'string') throw new UsageError('--storage <file:///shared/dir> is required; see \'tessera worker --help\'', 'worker');
  const queue = typeof values.queue === 'string' ? values.queue : 'tessera';
  try {
    validateConfig({ redis, storage: values.storage, queue });
  } catch (err) {
    throw new UsageError((err as Error).message, 'worker');
  }
  const threads = intFlag('worker', 'threads', values.threads, availableParallelism());
  const lockMs = intFlag('worker', 'lock-ms', values['lock-ms'], 30_000, 100);
  const name = typeof values.name === 'string' ? values.name : undefined;
  const host = typeof values.host === 'string' ? values.host : undefined;
  const dirs = (flag: string): string[] => (values as Record<string, unknown>)[flag] as string[] | undefined ?? [];
  const localDirs = dirs('local-dir');
  const preferredDirs = dirs('preferred-dir');
  const log = (line: string): void => io.err(line);
  let worker: DistributedWorker;
  try {
    worker = await DistributedWorker.start({ redis, storage: values.storage, queue, threads, lockMs, name, host, localDirs, preferredDirs, log });
  } catch (err) {
    // A bad --host or --local-dir is the caller's to fix: say so the way every usage error does.
    if (err instanceof TypeError) throw new UsageError(err.message, 'worker');
    throw err;
  }
  const near = [...localDirs.map((d) => `local ${d}`), ...preferredDirs.map((d) => `preferred ${d}`)];
  io.out(`tessera worker ${worker.id} ready: queue '${queue}' on ${redact(redis)}, ${threads} thread(s), storage ${values.storage}, host ${worker.host}${near.length > 0 ? ` (${near.join(', ')})` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      io.err(`tessera worker ${worker.id}: ${signal}, finishing the tasks in hand`);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve();
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  await worker.close();
  // A Redis that went away leaves reconnect timers in BullMQ's clients: they must not keep a stopped worker alive.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}
