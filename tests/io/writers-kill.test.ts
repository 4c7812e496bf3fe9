// SIGKILL of a writing process, for every writer (issue 12 item 2): a child writes a big frame over an
// old output and is killed at a random point of the write; the target then holds the old data or the
// new data whole, never a part of it. SIGTERM of `tessera convert` also removes its staging directory.
// TESSERA_KILL_REPS (default 2) sets the kills per writer; writers run side by side to keep this cheap.

import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type DataFrame, compute, fromColumns, readArrowIpc, readCsv, readParquet, toArrowIpc, toCsv, toParquet } from '../../src/index.ts';
import { LAUNCHER } from '../cli/run.ts';
import { rng } from '../helpers.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, 'writers-kill-child.ts');
const REPS = Number(process.env.TESSERA_KILL_REPS ?? 2);
const NEW_ROWS = 250_000; // the child's frame: b = i % 1000
const NEW_SUM_B = sumB(NEW_ROWS);
const OLD_ROWS = 1000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-kill-'));
const random = rng(Number(process.env.TESSERA_KILL_SEED ?? Date.now() % 1e9));
const sync = { scheduler: 'sync' } as const;

function sumB(rows: number): number {
  let s = 0;
  for (let i = 0; i < rows; i++) s += i % 1000;
  return s;
}

const old = (): DataFrame => {
  const a = Array.from({ length: OLD_ROWS }, (_, i) => i * 0.5);
  return fromColumns({ a, b: Array.from({ length: OLD_ROWS }, (_, i) => i % 1000), s: a.map((_, i) => `old-${i}`) }, { npartitions: 3 });
};

interface Kill {
  /** The child printed 'done' before the kill landed (the write had finished). */
  finished: boolean;
}

/**
 * Start `args`; once the write has begun, wait a random 0-`spread` ms and send `signal`. The write has begun
 * when the child prints 'ready' (writers-kill-child.ts), or for the CLI when its staging directory appears.
 */
async function killDuringWrite(args: string[], target: string, signal: NodeJS.Signals, spread: number, begun: 'ready' | 'staging' = 'ready'): Promise<Kill & { code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  let out = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
  const dir = path.dirname(target);
  // This child's own staging directory (its name carries the pid), not one a killed predecessor left.
  const base = `.${path.basename(target)}.tessera-`;
  const mine = `@${child.pid}-`;
  let done = false;
  void exited.then(() => (done = true));
  // Poll for the staging directory (the write has begun), bounded by the child's own life.
  const started = () => (begun === 'ready' ? out.includes('ready') : fs.readdirSync(dir).some((f) => f.startsWith(base) && f.includes(mine) && f.endsWith('.tmp')));
  while (!done && !started()) await sleep(5);
  if (!done) {
    await sleep(random() * spread);
    child.kill(signal);
  }
  const r = await exited;
  return { ...r, finished: out.includes('done') || r.code === 0, stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rows and sum of b at the target, or the error reading it gave. */
async function readBack(read: () => DataFrame): Promise<{ rows: number; sum: number } | Error> {
  try {
    const df = read();
    const [rows, sum] = await compute(df.col('b').count(), df.col('b').sum(), sync);
    return { rows: Number(rows), sum: Number(sum) };
  } catch (e) {
    return e as Error;
  }
}

function assertOldOrNew(got: { rows: number; sum: number } | Error, what: string, allowMissing: boolean): 'old' | 'new' | 'missing' {
  if (got instanceof Error) {
    assert.ok(allowMissing, `${what}: reading the target failed: ${got.message}`);
    assert.match(got.message, /not found/, what);
    return 'missing';
  }
  if (got.rows === OLD_ROWS) {
    assert.is(got.sum, sumB(OLD_ROWS), `${what}: old data changed`);
    return 'old';
  }
  assert.is(got.rows, NEW_ROWS, `${what}: a short read (${got.rows} rows)`);
  assert.is(got.sum, NEW_SUM_B, what);
  return 'new';
}

const leftovers = (target: string) => fs.readdirSync(path.dirname(target)).filter((f) => f.startsWith(`.${path.basename(target)}.tessera-`));

const WRITERS: Array<{ name: string; write: (df: DataFrame, t: string) => Promise<unknown>; read: (t: string) => DataFrame }> = [
  { name: 'parquet', write: (df, t) => toParquet(df, t, { ...sync, overwrite: true }), read: (t) => readParquet(t) },
  { name: 'arrow', write: (df, t) => toArrowIpc(df, t, { ...sync, overwrite: true }), read: (t) => readArrowIpc(t) },
  { name: 'csv', write: (df, t) => toCsv(df, t, { ...sync, overwrite: true }), read: (t) => readCsv(t) },
  { name: 'csv-single', write: (df, t) => toCsv(df, t, { ...sync, overwrite: true, singleFile: true }), read: (t) => readCsv(t) },
];

const outcomes: string[] = [];

test('SIGKILL during toParquet / toArrowIpc / toCsv / toCsv singleFile: old data intact or new data whole', async () => {
  await Promise.all(WRITERS.map(async (w) => {
    const target = path.join(root, `out-${w.name}`);
    await w.write(old(), target);
    for (let rep = 0; rep < REPS; rep++) {
      const k = await killDuringWrite(['--import', 'tsx', CHILD, w.name, target, String(NEW_ROWS)], target, 'SIGKILL', 400);
      const seen = assertOldOrNew(await readBack(() => w.read(target)), `${w.name} rep ${rep}`, false);
      outcomes.push(`${w.name}:${k.finished ? 'finished' : 'killed'}:${seen}`);
      if (!k.finished) assert.is(k.signal, 'SIGKILL', `${w.name}: ${k.stderr}`);
    }
    // The next write cleans up what the killed writers left beside the target.
    await w.write(old(), target);
    assert.equal(leftovers(target), [], w.name);
    assertOldOrNew(await readBack(() => w.read(target)), w.name, false);
  }));
  // At least some kills must have landed mid-write, or this test proves nothing.
  assert.ok(outcomes.some((o) => o.includes(':killed:')), outcomes.join(', '));
});

test('SIGKILL during persist({to}): no directory, or the whole data', async () => {
  for (let rep = 0; rep < REPS; rep++) {
    const target = path.join(root, `persist-${rep}`);
    const k = await killDuringWrite(['--import', 'tsx', CHILD, 'persist', target, String(NEW_ROWS)], target, 'SIGKILL', 300);
    const seen = assertOldOrNew(await readBack(() => readArrowIpc(target)), `persist rep ${rep}`, true);
    outcomes.push(`persist:${k.finished ? 'finished' : 'killed'}:${seen}`);
  }
});

test('SIGKILL, SIGTERM and SIGINT during tessera convert: old output intact or new whole; SIGTERM/SIGINT leave no staging directory', async () => {
  const input = path.join(root, 'convert-in');
  const a = new Float64Array(NEW_ROWS).map((_, i) => i * 0.5);
  await toParquet(fromColumns({ a, b: Int32Array.from({ length: NEW_ROWS }, (_, i) => i % 1000) }, { npartitions: 8 }), input, sync);
  const target = path.join(root, 'converted.arrow');
  await toArrowIpc(old(), target, sync);
  for (let rep = 0; rep < REPS; rep++) {
    const k = await killDuringWrite([LAUNCHER, 'convert', input, target, '--overwrite', '--scheduler', 'sync', '-q'], target, 'SIGKILL', 400, 'staging');
    const seen = assertOldOrNew(await readBack(() => readArrowIpc(target)), `convert SIGKILL rep ${rep}`, false);
    outcomes.push(`convert-kill:${k.finished ? 'finished' : 'killed'}:${seen}`);
  }
  for (let rep = 0; rep < REPS; rep++) {
    const signal = rep % 2 === 0 ? 'SIGTERM' : 'SIGINT'; // SIGINT is what Ctrl-C sends
    const k = await killDuringWrite([LAUNCHER, 'convert', input, target, '--overwrite', '--scheduler', 'threads', '--workers', '2', '-q'], target, signal, 300, 'staging');
    const seen = assertOldOrNew(await readBack(() => readArrowIpc(target)), `convert ${signal} rep ${rep}`, false);
    outcomes.push(`convert-${signal}:${k.finished ? 'finished' : 'killed'}:${seen}`);
    if (!k.finished) {
      assert.is(k.signal, signal, k.stderr);
      assert.equal(leftovers(target), [], `${signal} must remove the staging directory`);
    }
  }
});

test.after(() => {
  if (process.env.TESSERA_KILL_VERBOSE) console.log(outcomes.join('\n'));
  fs.rmSync(root, { recursive: true, force: true });
});
test.run();
