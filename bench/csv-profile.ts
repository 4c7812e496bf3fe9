// Summarises the .cpuprofile files `node --cpu-prof --cpu-prof-dir=DIR` writes (one per thread: main,
// loader-hook threads, pool workers): per thread its span, busy time, and self time by function and file.
// usage: node --import tsx bench/csv-profile.ts DIR [TOP]

import * as fs from 'node:fs';
import * as path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [dir, topArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: csv-profile.ts DIR [TOP]');
  process.exit(2);
}
const top = Number(topArg ?? 15);
const short = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*\/(src|node_modules|bench|examples)\//, '$1/');

for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.cpuprofile')).sort()) {
  const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    total += us;
    if (name === '(idle)' || name === '(program)' && false) idle += us;
    const key = `${name} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const file = n.callFrame.url ? short(n.callFrame.url) : `(${name})`;
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(6);
  console.log(`\n== ${f}: span ${ms(p.endTime - p.startTime)} ms, busy ${ms(total - idle)} ms, idle ${ms(idle)} ms`);
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log('  by function (self ms):');
  for (const [k, us] of sorted(byFn)) console.log(`  ${ms(us)}  ${k}`);
  console.log('  by file (self ms):');
  for (const [k, us] of sorted(byFile)) console.log(`  ${ms(us)}  ${k}`);
}
