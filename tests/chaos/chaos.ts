// The chaos run: computes interrupted at random (abort at a random time, a worker killed at a random
// time, a throwing task, a task stuck in a loop, a too-short timeout) on every scheduler, each followed
// by a normal compute whose sum is checked; every wait bounded; no leaked thread, process or temp file.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { AbortError, DataFrame, TimeoutError, closeExecutors, compute, type SchedulerName } from '../../src/index.ts';
import { CHAOS_OPS_URL, ChaosSource, type PartitionFault, type PartitionPlan } from './chaos-ops.ts';
import { rng } from '../helpers.ts';
import { within } from '../scheduler/fixtures/deadline.ts';

export type Fault = 'abort' | 'kill' | 'throw' | 'loop' | 'timeout';

export interface ChaosReport {
  readonly cases: number;
  /** outcome counts per scheduler and fault: 'ok' (finished before the fault bit) or the error's name. */
  readonly outcomes: Record<string, number>;
  readonly failures: string[];
  readonly threadsBefore: number;
  readonly threadsAfter: number;
  readonly workerProcessesAfter: number;
  readonly newTempEntries: string[];
  readonly ms: number;
}

const NUM_WORKERS = 2;
const CASE_LIMIT_MS = 60_000;

function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

/** Worker processes of this process (the 'processes' pool), by their command line. */
function workerProcesses(): number[] {
  const out: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    const list = readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim();
    if (!list) continue;
    for (const pid of list.split(/\s+/).map(Number)) {
      try {
        if (/process-worker/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) out.push(pid);
      } catch {
        // exited meanwhile
      }
    }
  }
  return out;
}


function frame(random: () => number, faultAt: number, fault: PartitionFault, n: number): { df: DataFrame; expected: number } {
  const plans: PartitionPlan[] = [];
  let expected = 0;
  for (let i = 0; i < n; i++) {
    const rows = 1 + Math.floor(random() * 2000);
    const start = Math.floor(random() * 1000);
    for (let r = 0; r < rows; r++) expected += start + r;
    plans.push({ rows, start, delayMs: Math.floor(random() * 30), busy: random() < 0.5, fault: i === faultAt ? fault : 'none' });
  }
  return { df: DataFrame.fromSource(new ChaosSource(plans)), expected };
}

/** Run `cases` interrupted computes spread over the schedulers, each followed by a checked normal compute. */
export async function runChaos(cases: number, seed = 1, schedulers: readonly SchedulerName[] = ['sync', 'threads', 'processes'], log: (s: string) => void = () => {}): Promise<ChaosReport> {
  const t0 = performance.now();
  const random = rng(seed);
  const outcomes: Record<string, number> = {};
  const failures: string[] = [];
  // A private temp directory (the machine's /tmp is shared with other runs): anything left in it is ours.
  const savedTmp = process.env.TMPDIR;
  const privateTmp = mkdtempSync(join(tmpdir(), 'tessera-chaos-'));
  process.env.TMPDIR = privateTmp;
  const opts = (scheduler: SchedulerName) => ({ scheduler, numWorkers: NUM_WORKERS, workerModules: [CHAOS_OPS_URL], progress: false });
  // Warm every pool first, so the thread baseline includes them.
  for (const s of schedulers) {
    const { df, expected } = frame(random, -1, 'none', 4);
    const got = await within(CASE_LIMIT_MS, df.col('x').sum().compute(opts(s)), `warm-up on ${s}`);
    if (got !== expected) failures.push(`warm-up on ${s}: sum ${String(got)}, expected ${expected}`);
  }
  const threadsBefore = threadCount();

  for (let c = 0; c < cases; c++) {
    const scheduler = schedulers[c % schedulers.length]!;
    // 'sync' runs in this thread: a worker to kill or a loop to interrupt does not exist there.
    const faults: Fault[] = scheduler === 'sync' ? ['abort', 'throw', 'timeout'] : ['abort', 'kill', 'throw', 'loop', 'timeout'];
    const fault = faults[Math.floor(random() * faults.length)]!;
    const n = 2 + Math.floor(random() * 10);
    const faultAt = Math.floor(random() * n);
    const partFault: PartitionFault = fault === 'throw' ? 'throw' : fault === 'loop' ? 'loop' : fault === 'kill' && scheduler === 'threads' ? 'die' : 'none';
    const { df, expected } = frame(random, faultAt, partFault, n);
    const when = Math.floor(random() * 150);
    const ac = new AbortController();
    const timers: NodeJS.Timeout[] = [];
    const callOpts: Record<string, unknown> = { ...opts(scheduler) };
    if (fault === 'abort') {
      timers.push(setTimeout(() => ac.abort(new Error('chaos abort')), when));
      callOpts.signal = ac.signal;
    } else if (fault === 'timeout') callOpts.timeout = 1 + when;
    else if (fault === 'loop') callOpts.taskTimeout = 200 + when;
    else if (fault === 'kill' && scheduler === 'processes') {
      timers.push(
        setTimeout(() => {
          const pids = workerProcesses();
          if (pids.length > 0) process.kill(pids[Math.floor(random() * pids.length)]!, 'SIGKILL');
        }, when),
      );
    }
    const what = `case ${c} [${scheduler}] ${fault} (partition ${faultAt} of ${n}, at ${when} ms)`;
    let outcome: string;
    try {
      const [got] = await within(CASE_LIMIT_MS, compute(df.col('x').sum(), callOpts), what);
      outcome = 'ok';
      // Finished before the fault struck: the answer must still be exact.
      if (got !== expected) failures.push(`${what}: sum ${String(got)}, expected ${expected}`);
      if (fault === 'throw' || fault === 'loop') failures.push(`${what}: resolved although a task ${fault === 'throw' ? 'throws' : 'loops forever'}`);
    } catch (e) {
      const err = e as Error;
      outcome = err.name;
      const expectedError =
        (fault === 'abort' && err instanceof AbortError && /chaos abort/.test(err.message)) ||
        (fault === 'timeout' && err instanceof TimeoutError && /timed out after/.test(err.message)) ||
        (fault === 'loop' && err instanceof TimeoutError && new RegExp(`#${faultAt}'.*ran longer than taskTimeout`).test(err.message)) ||
        (fault === 'throw' && new RegExp(`chaos throw in partition ${faultAt}`).test(err.message)) ||
        (fault === 'kill' && /died/.test(err.message));
      if (!expectedError) failures.push(`${what}: unexpected ${err.name}: ${err.message}`);
    } finally {
      for (const t of timers) clearTimeout(t);
    }
    const key = `${scheduler}/${fault}/${outcome}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    // The compute after the interruption must be answered, exactly.
    const next = frame(random, -1, 'none', 1 + Math.floor(random() * 6));
    try {
      const got = await within(CASE_LIMIT_MS, next.df.col('x').sum().compute(opts(scheduler)), `${what}: the next compute`);
      if (got !== next.expected) failures.push(`${what}: the next compute summed ${String(got)}, expected ${next.expected}`);
    } catch (e) {
      failures.push(`${what}: the next compute failed: ${(e as Error).message}`);
    }
    log(`${what}: ${outcome}`);
  }

  // Terminated threads end asynchronously: give them a moment before counting.
  let threadsAfter = threadCount();
  for (let i = 0; i < 100 && threadsAfter > threadsBefore; i++) {
    await new Promise((r) => setTimeout(r, 100));
    threadsAfter = threadCount();
  }
  // so do killed worker processes (a pool forks at its start, so an aborted compute may have just forked some)
  let workerProcessesAfter = workerProcesses().length;
  for (let i = 0; i < 100 && workerProcessesAfter > NUM_WORKERS; i++) {
    await new Promise((r) => setTimeout(r, 100));
    workerProcessesAfter = workerProcesses().length;
  }
  if (threadsAfter > threadsBefore) failures.push(`threads leaked: ${threadsBefore} after warm-up, ${threadsAfter} at the end`);
  if (workerProcessesAfter > NUM_WORKERS) failures.push(`worker processes leaked: ${workerProcessesAfter} alive, pool size ${NUM_WORKERS}`);
  await closeExecutors();
  const newTempEntries = readdirSync(privateTmp).filter((n) => !/^tsx-\d+$/.test(n)); // tsx's compile cache is not ours
  if (newTempEntries.length > 0) failures.push(`temp entries left in ${privateTmp}: ${newTempEntries.join(', ')}`);
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(privateTmp, { recursive: true, force: true });
  return { cases, outcomes, failures, threadsBefore, threadsAfter, workerProcessesAfter, newTempEntries, ms: performance.now() - t0 };
}
