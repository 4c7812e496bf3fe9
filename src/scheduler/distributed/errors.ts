// The ways a distributed run fails that are not a task's own error: each says what happened, where,
// and what to do, so that compute() never waits without end and never fails with a bare socket error.

/** No tessera worker was connected to the queue for `workerTimeout` ms while tasks were waiting. */
export class NoWorkerError extends Error {
  constructor(queue: string, redis: string, waitedMs: number) {
    super(
      `no tessera worker is connected to queue '${queue}' on ${redis} (waited ${Math.round(waitedMs / 1000)} s with tasks queued). ` +
        `Start one on a host that reaches Redis and the shared storage: \`tessera worker --redis ${redis} --storage <storage URL> --queue ${queue}\` ` +
        `(see docs/DISTRIBUTED.md), or raise the workerTimeout option`,
    );
    this.name = 'NoWorkerError';
  }
}

/** The connection to Redis was down longer than `redisTimeout` ms (or never came up). */
export class RedisUnavailableError extends Error {
  constructor(redis: string, downMs: number, lastError: string | null, everConnected: boolean) {
    super(
      `${everConnected ? 'lost the connection to' : 'cannot connect to'} Redis at ${redis} for ${Math.round(downMs / 1000)} s` +
        `${lastError ? ` (${lastError})` : ''}: check that redis-server is running there and reachable from this host ` +
        `(host, port, password, TLS for rediss://), or raise the redisTimeout option`,
    );
    this.name = 'RedisUnavailableError';
  }
}

/** A new client could not read which workers are alive and what their hosts read locally, so it sent nothing. */
export class WorkerListError extends Error {
  constructor(redis: string, waitedMs: number, lastError: string) {
    super(
      `cannot read the live workers and their locality adverts from Redis at ${redis} (${lastError}; tried for ${Math.round(waitedMs / 1000)} s): ` +
        'no task was sent, since routing without them would send reads of host-local files to the shared queue; check Redis, or raise the redisTimeout option',
    );
    this.name = 'WorkerListError';
  }
}

/** A worker refused the task: its tessera version or a user module differs from the client's. */
export class VersionMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VersionMismatchError';
  }
}

/** A task reads a file only one host can read (its --local-dir), and no worker of that host was alive in time. */
export class HostUnavailableError extends Error {
  readonly host: string;
  readonly file: string;
  constructor(host: string, file: string, dir: string, queue: string, waitedMs: number) {
    super(
      `the input file ${file} is on the local disk of host '${host}' (its worker advertised --local-dir ${dir}), and no worker ` +
        `of host '${host}' was alive on queue '${queue}' for ${Math.round(waitedMs / 1000)} s. Start one there ` +
        `(\`tessera worker --host ${host} --local-dir ${dir} --queue ${queue} ...\`), or move the file to a directory every ` +
        `worker reads (a worker that advertises it with --preferred-dir lets the others read it too), or raise the workerTimeout option`,
    );
    this.name = 'HostUnavailableError';
    this.host = host;
    this.file = file;
  }
}
