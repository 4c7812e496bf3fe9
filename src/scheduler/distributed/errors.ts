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

/**
 * The live workers and their locality adverts could not be read from Redis for `redisTimeout` ms: a new
 * client sends nothing (routing would go blind), a running one cannot tell whether any worker is alive.
 */
export class WorkerListError extends Error {
  constructor(redis: string, waitedMs: number, lastError: string, midRun = false) {
    super(
      `cannot read the live workers and their locality adverts from Redis at ${redis} (${lastError}; tried for ${Math.round(waitedMs / 1000)} s): ` +
        (midRun
          ? 'the waiting tasks were failed, since without that list no one can tell whether a worker will ever run them; check Redis (the key tessera:<queue>:workers must be a sorted set), or raise the redisTimeout option'
          : 'no task was sent, since routing without them would send reads of host-local files to the shared queue; check Redis, or raise the redisTimeout option'),
    );
    this.name = 'WorkerListError';
  }
}

/** Redis kept the connection up but did not answer a command within `redisTimeout` ms. */
export class RedisSilentError extends Error {
  constructor(redis: string, what: string, waitedMs: number) {
    super(
      `Redis at ${redis} did not answer ${what} within ${Math.round(waitedMs / 1000)} s although the connection is up ` +
        '(a stopped or overloaded redis-server, or a connection a firewall dropped without closing): check the server, or raise the redisTimeout option',
    );
    this.name = 'RedisSilentError';
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
