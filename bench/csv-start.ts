// Start-up cost of the first compute in a fresh process: Q1 (min/max/mean of one CSV column) run three
// times in one process; first minus the best repeat is pool start plus module loading. Fresh processes
// alternate between worker bundles on and off (TESSERA_WORKER_BUNDLE=off), so both see the same machine load.
// usage: node --import tsx bench/csv-start.ts FILE [ROUNDS] [SCHEDULER]   (threads by default, or processes;
// a small CSV keeps the compute itself short)

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';

const [file, roundsArg, schedulerArg] = process.argv.slice(2);
const scheduler = schedulerArg ?? 'threads';

/** CPU ms of this process's child processes (the 'processes' workers), from /proc (Linux; 0 elsewhere). */
function childProcessesCpuMs(): number {
  let ticks = 0;
  let dirs: string[];
  try {
    dirs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const d of dirs) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
      if (Number(f[1]) === process.pid) ticks += Number(f[11]) + Number(f[12]); // ppid; utime + stime
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

if (process.env.CSV_START_CHILD) {
  const { compute, readCsv } = await import('../src/index.ts');
  // Wall time, and CPU time of the whole process (all threads) plus its worker processes: under load the
  // CPU time is the steadier one.
  const once = async () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const children = scheduler === 'processes' ? childProcessesCpuMs : () => 0; // threads: all in process.cpuUsage
    const k0 = children();
    const d = readCsv(file!).col('DepDelay');
    await compute(d.min(), d.max(), d.mean(), { scheduler: scheduler as 'threads' | 'processes' });
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpu: (c.user + c.system) / 1000 + children() - k0 };
  };
  const first = await once();
  const second = await once();
  const third = await once();
  const again = second.ms < third.ms ? second : third;
  console.log(JSON.stringify({ first: first.ms, again: again.ms, cpuFirst: first.cpu, cpuAgain: again.cpu }));
  process.exit(0);
}

if (!file) {
  console.error('usage: csv-start.ts FILE [ROUNDS] [threads|processes]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 5);
const self = fileURLToPath(import.meta.url);
interface Run { first: number; again: number; cpuFirst: number; cpuAgain: number }
const runs: Record<string, Run[]> = { on: [], off: [] };
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, file, '1', scheduler], { env: { ...process.env, CSV_START_CHILD: '1', TESSERA_WORKER_BUNDLE: mode }, encoding: 'utf8' });
    const res = JSON.parse(out.trim().split('\n').pop()!) as Run;
    runs[mode]!.push(res);
    console.log(`${mode.padEnd(3)} first ${res.first.toFixed(0)} ms, again ${res.again.toFixed(0)} ms, start-up ${(res.first - res.again).toFixed(0)} ms wall, ${(res.cpuFirst - res.cpuAgain).toFixed(0)} ms CPU (load ${os.loadavg()[0]!.toFixed(1)})`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const mode of ['on', 'off']) {
  const rs = runs[mode]!;
  console.log(`bundle ${mode}: median first ${median(rs.map((x) => x.first)).toFixed(0)} ms, again ${median(rs.map((x) => x.again)).toFixed(0)} ms, start-up ${median(rs.map((x) => x.first - x.again)).toFixed(0)} ms wall, ${median(rs.map((x) => x.cpuFirst - x.cpuAgain)).toFixed(0)} ms CPU`);
}
console.log(`scheduler ${scheduler}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')}, ${new Date().toISOString()}`);
