// End-to-end A/B of two checkouts on one query over CSV files (threads scheduler): fresh processes,
// alternating trees, each running the query 1 + WARM times; reports the first run (pool start included)
// and the best warm run, in wall time and in CPU time of the whole process (all threads), with the load.
// usage: node --import tsx bench/csv-ab-query.ts BASE_TREE NEW_TREE q1|q2|q3|q4 ROUNDS FILE...
//   (a BASE_TREE: `git worktree add --detach /tmp/base <commit> && ln -s $PWD/node_modules /tmp/base/`)

import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const [base, next, query, roundsArg, ...files] = process.argv.slice(2);
const WARM = 2;

interface Run { first: number; warm: number; cpuFirst: number; cpuWarm: number; answer: string }

if (process.env.CSV_AB_CHILD) {
  const tree = process.env.CSV_AB_CHILD;
  const { compute, readCsv, udf } = await import(path.join(tree, 'src/index.ts'));
  const run = async (): Promise<string> => {
    const df = readCsv(files);
    if (query === 'q1') {
      const d = df.col('DepDelay');
      return JSON.stringify(await compute(d.min(), d.max(), d.mean()));
    }
    if (query === 'q3') {
      const ols = udf(new URL(`file://${path.join(tree, 'examples/ols.ts')}`).href, 'fitOls');
      const fits = await df.groupby('Origin').apply(ols, { params: { y: 'ArrDelay', x: ['DepDelay', 'Distance'] }, columns: ['ArrDelay', 'DepDelay', 'Distance'] }).compute();
      return JSON.stringify(fits.toArray().map((r: Record<string, unknown>) => [String(r.Origin), Number(r.n), Number(r.intercept), Number(r.DepDelay), Number(r.Distance)]));
    }
    if (query === 'q4') {
      const late = df.filter(df.col('DepDelay').gt(60).and(df.col('Cancelled').eq(0)));
      const t = await late.groupby('Month').size().compute();
      return JSON.stringify(t.toArray().map((r: Record<string, unknown>) => [Number(r.Month), Number(r.size)]).sort((a: number[], b: number[]) => a[0]! - b[0]!));
    }
    const t = await df.groupby('UniqueCarrier').agg({ mean: ['ArrDelay', 'mean'], n: ['ArrDelay', 'count'] }).compute();
    return JSON.stringify(t.toArray().map((r: Record<string, unknown>) => [String(r.UniqueCarrier), Number(r.mean), Number(r.n)]).sort());
  };
  const timed = async () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const answer = await run();
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpu: (c.user + c.system) / 1000, answer };
  };
  const first = await timed();
  let warm = { ms: Infinity, cpu: Infinity, answer: '' };
  for (let i = 0; i < WARM; i++) {
    const w = await timed();
    if (w.ms < warm.ms) warm = w;
  }
  const out: Run = { first: first.ms, warm: warm.ms, cpuFirst: first.cpu, cpuWarm: warm.cpu, answer: first.answer };
  console.log(JSON.stringify(out));
  process.exit(0);
}

if (!base || !next || !['q1', 'q2', 'q3', 'q4'].includes(query!) || files.length === 0) {
  console.error('usage: csv-ab-query.ts BASE_TREE NEW_TREE q1|q2|q3|q4 ROUNDS FILE...');
  process.exit(2);
}
const rounds = Number(roundsArg);
const runs: Record<string, Run[]> = { [base]: [], [next]: [] };
const loads: number[] = [];
for (let r = 0; r < rounds; r++) {
  for (const tree of r % 2 === 0 ? [base, next] : [next, base]) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', process.argv[1]!, base, next, query, roundsArg!, ...files], { env: { ...process.env, CSV_AB_CHILD: tree }, encoding: 'utf8' });
    const res = JSON.parse(out.trim().split('\n').pop()!) as Run;
    runs[tree]!.push(res);
    loads.push(os.loadavg()[0]!);
    console.log(`${tree === base ? 'BASE' : 'NEW '} first ${res.first.toFixed(0)} ms (cpu ${res.cpuFirst.toFixed(0)}), warm ${res.warm.toFixed(0)} ms (cpu ${res.cpuWarm.toFixed(0)}), load ${os.loadavg()[0]!.toFixed(1)}`);
  }
}
const answers = new Set(Object.values(runs).flat().map((r) => r.answer));
if (answers.size !== 1) throw new Error(`the trees gave different answers: ${[...answers].join(' | ')}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const row = (tree: string) => {
  const rs = runs[tree]!;
  return `first ${median(rs.map((x) => x.first)).toFixed(0)} ms (cpu ${median(rs.map((x) => x.cpuFirst)).toFixed(0)}), warm ${median(rs.map((x) => x.warm)).toFixed(0)} ms (cpu ${median(rs.map((x) => x.cpuWarm)).toFixed(0)})`;
};
console.log(`BASE ${base}: ${row(base)}`);
console.log(`NEW  ${next}: ${row(next)}`);
console.log(`answers equal; load average during the run ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}, ${new Date().toISOString()}`);
