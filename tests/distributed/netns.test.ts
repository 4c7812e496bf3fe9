// Several hosts, made with network namespaces this test creates (ip netns, veth pairs, addresses only
// inside them): Redis with a password in namespace A (protected mode refuses non-loopback clients without
// one), a worker in A and one in B, the client in C. Nothing but these namespaces and loopback is used.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hookExit, namespaces, scratchDir, skipReason, startRedis, startWorker, type RedisServer, type WorkerProcess } from './harness.ts';

const tag = `ts${process.pid % 100000}`;
const NS = { a: `${tag}a`, b: `${tag}b`, c: `${tag}c` };
// 10.231.x.0/30 subnets: one per link, inside the namespaces only.
const net = (link: number, end: 1 | 2) => `10.231.${link}.${end}`;

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim() || r.error?.message}`);
}

/** A <-> B (link 1) and A <-> C (link 2); lo up everywhere. Returns null, or why namespaces cannot be made. */
function makeHosts(): string | null {
  hookExit();
  try {
    for (const ns of Object.values(NS)) {
      ip('netns', 'add', ns);
      namespaces.add(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    for (const [link, other] of [[1, NS.b], [2, NS.c]] as const) {
      const [va, vo] = [`${tag}a${link}`, `${tag}o${link}`];
      ip('-n', NS.a, 'link', 'add', va, 'type', 'veth', 'peer', 'name', vo, 'netns', other);
      ip('-n', NS.a, 'addr', 'add', `${net(link, 1)}/30`, 'dev', va);
      ip('-n', other, 'addr', 'add', `${net(link, 2)}/30`, 'dev', vo);
      ip('-n', NS.a, 'link', 'set', va, 'up');
      ip('-n', other, 'link', 'set', vo, 'up');
    }
    return null;
  } catch (err) {
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
    namespaces.clear();
    return (err as Error).message;
  }
}

const noRedis = skipReason();
const noNamespaces = noRedis === null ? makeHosts() : null;
if (noRedis !== null) console.log(`distributed tests skipped: ${noRedis}`);
else if (noNamespaces !== null) console.log(`distributed multi-host test skipped: network namespaces cannot be made here (${noNamespaces})`);
else {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  const password = `pw-${tag}-${Date.now()}`;
  const storagePath = join(scratchDir('netns'), 'shared');
  mkdirSync(storagePath);
  const storage = pathToFileURL(storagePath).href;

  test.before(async () => {
    redis = await startRedis({ password, bind: [net(1, 1), net(2, 1)], wrap: ['ip', 'netns', 'exec', NS.a] });
    const url = (host: string) => `redis://:${password}@${host}:${redis.port}`;
    workers.push(
      ...(await Promise.all([
        startWorker({ redis: url(net(1, 1)), storage, queue: 'hosts', name: 'on-a', wrap: ['ip', 'netns', 'exec', NS.a] }),
        startWorker({ redis: url(net(1, 1)), storage, queue: 'hosts', name: 'on-b', wrap: ['ip', 'netns', 'exec', NS.b] }),
      ])),
    );
  });
  test.after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
    namespaces.clear();
  });

  test('a client in namespace C runs a groupby-apply on workers in namespaces A and B through a password-protected Redis', async () => {
    const env = { ...process.env, TESSERA_SCHEDULER: 'distributed', TESSERA_REDIS_URL: `redis://:${password}@${net(2, 1)}:${redis.port}`, TESSERA_STORAGE: storage, TESSERA_QUEUE: 'hosts' };
    const client = spawn('ip', ['netns', 'exec', NS.c, process.execPath, '--import', 'tsx', new URL('./fixtures/netns-client.ts', import.meta.url).pathname], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    client.stdout.on('data', (c: Buffer) => (out += c.toString()));
    client.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => client.on('exit', (c) => r(c)));
    assert.is(code, 0, err.slice(-2000));
    const rows = JSON.parse(out.trim().split('\n').pop()!) as Array<{ k: number; pid: number; n: number }>;
    assert.equal(rows.map((r) => [r.k, r.n]), Array.from({ length: 8 }, (_, k) => [k, 3]));
    const pids = new Set(rows.map((r) => r.pid));
    assert.ok(pids.has(workers[1]!.pid), `the worker in namespace B ran groups (pids ${[...pids].join(', ')}; B is ${workers[1]!.pid})`);
  });

  test('without the password the same Redis refuses the client, and the error names the URL but not a password', async () => {
    const env = { ...process.env, TESSERA_SCHEDULER: 'distributed', TESSERA_REDIS_URL: `redis://:wrong-${tag}@${net(2, 1)}:${redis.port}`, TESSERA_STORAGE: storage, TESSERA_QUEUE: 'hosts' };
    const code = spawnSync('ip', ['netns', 'exec', NS.c, process.execPath, '--import', 'tsx', '--input-type=module', '-e', `
      const { fromColumns, closeExecutors } = await import(${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)});
      try { await fromColumns({ x: [1] }).col('x').sum().compute({ redisTimeout: 1500 }); console.log('UNEXPECTED'); }
      catch (e) { console.log(e.message); } finally { await closeExecutors(); }`], { env, encoding: 'utf8', timeout: 60_000 });
    assert.match(code.stdout, /cannot connect to Redis at redis:\/\/:\*\*\*@10\.231\.2\.1:\d+.*(WRONGPASS|invalid|NOAUTH|password)/i, code.stdout + code.stderr);
    assert.not.match(code.stdout, /wrong-ts/);
  });
}

test.run();
