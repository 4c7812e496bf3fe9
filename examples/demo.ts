// npm run demo: tessera's three jobs on the real flights bundled with the project (3M US flights, Jan-Jun
// 2001, from the vega-datasets package; `npm run datasets` fetches it once and turns them into CSV files):
//   1. several reductions over the same data in one pass,
//   2. a groupby-aggregate,
//   3. a stratified model: one least-squares fit of delay on distance per origin airport (groupby-apply),
// then the optimised plan (explain) and the wall time of the same work on the sync and threads schedulers.
// Point `files` at your own CSVs (any columns) to do the same on your data.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Table } from 'apache-arrow';
import { compute, readCsv, toRecords, udf, type SchedulerName } from '../src/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(root, 'datasets', 'generated', 'flights');
if (!fs.existsSync(dataDir) || fs.readdirSync(dataDir).filter((f) => f.endsWith('.csv')).length === 0) {
  console.log('preparing the bundled flights data once (npm run datasets) ...');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'datasets', 'prepare.ts')], { stdio: 'inherit', cwd: root });
}

const files = path.join(dataDir, '*.csv');
const mb = fs.readdirSync(dataDir).reduce((s, f) => s + fs.statSync(path.join(dataDir, f)).size, 0) / 1e6;
const flights = readCsv(files, { blocksize: '16MiB' });
console.log(`\n${path.relative(root, files)}: ${mb.toFixed(0)} MB, ${flights.npartitions} partitions (lazy: only samples read so far)`);
console.log(Object.entries(flights.dtypes).map(([k, v]) => `  ${k}: ${v}`).join('\n'));

// Plain JS rows: nulls stay null, Int64 counts below 2^53 become numbers (bigint only beyond).
const rows = (t: unknown) => toRecords(t as Table);
const fixed = (x: unknown, digits: number) => (typeof x === 'number' ? Number(x.toFixed(digits)) : x);
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

// Job 1: seven numbers over the same files; the CSV is read once and each column scanned once.
const delay = flights.col('delay');
const late = flights.filter(delay.gt(60));
const seven = [delay.min(), delay.max(), delay.mean(), delay.std(), delay.count(), flights.col('distance').mean(), late.col('distance').mean()];

// Job 2: mean delay and flights per origin airport.
const perOrigin = flights.groupby('origin').agg({ flights: ['delay', 'count'], meanDelay: ['delay', 'mean'], maxDelay: ['delay', 'max'] });

// Job 3: delay ~ distance fitted separately for every origin, as a JS function run on every group in
// parallel (examples/ols.ts is a module, so each worker imports it once).
const fits = flights
  .groupby('origin')
  .apply(udf(new URL('./ols.ts', import.meta.url).href, 'fitOls'), { params: { y: 'delay', x: ['distance'] }, columns: ['delay', 'distance'] });

// The worker pool starts on first use (each worker loads tessera; under tsx that compiles TypeScript).
const [, poolSecs] = await timed(() => flights.head(1, { scheduler: 'threads' }));

const [[min, max, mean, std, count, meanDistance, lateDistance], job1Secs] = await timed(() => compute(...seven));
console.log('\n1. One compute() call, one graph, every partition read once for all seven results:');
console.table([{ 'delay min': min, max, mean: fixed(mean, 3), std: fixed(std, 3), flights: count, 'mean distance': fixed(meanDistance, 1), 'mean distance of >60 min delays': fixed(lateDistance, 1) }]);

const [[origins, models], groupSecs] = await timed(() => compute(perOrigin, fits));
const busiest = rows(origins).sort((a, b) => Number(b.flights) - Number(a.flights));
console.log(`\n2. Mean delay per origin (groupby-aggregate over ${busiest.length} airports); the busiest 8:`);
console.table(busiest.slice(0, 8).map((r) => ({ ...r, meanDelay: fixed(r.meanDelay, 2) })));

const byOrigin = new Map(rows(models).map((r) => [r.origin, r]));
console.log(`\n3. delay ~ distance fitted for each of ${byOrigin.size} origins (groupby-apply); the same 8 airports:`);
console.table(
  busiest.slice(0, 8).map((r) => {
    const m = byOrigin.get(r.origin)!;
    return { origin: r.origin, n: m.n, intercept: fixed(m.intercept, 3), 'minutes per 1000 miles': fixed((m.distance as number) * 1000, 3) };
  }),
);

console.log('\nThe plan tessera runs for one of those results (the CSV reader parses only the columns used):');
console.log(late.col('distance').mean().explain());

const timings: Array<Record<string, unknown>> = [{ what: 'starting the worker pool (once per process)', scheduler: 'threads', seconds: poolSecs.toFixed(2) }];
timings.push({ what: 'job 1 (seven reductions, one pass)', scheduler: 'threads', seconds: job1Secs.toFixed(2) });
timings.push({ what: 'jobs 2 + 3 (groupby-aggregate and per-origin fits)', scheduler: 'threads', seconds: groupSecs.toFixed(2) });
for (const scheduler of ['sync', 'threads'] as SchedulerName[]) {
  const [, s] = await timed(() => compute(...seven, perOrigin, fits, { scheduler }));
  timings.push({ what: 'all three jobs again', scheduler, seconds: s.toFixed(2) });
}
const [, separate] = await timed(async () => {
  for (const s of [delay.min(), delay.max(), delay.mean()]) await s.compute();
});
const [, together] = await timed(() => compute(delay.min(), delay.max(), delay.mean()));
timings.push({ what: 'min, max, mean of delay as three computes', scheduler: 'threads', seconds: separate.toFixed(2) });
timings.push({ what: 'min, max, mean of delay in one compute', scheduler: 'threads', seconds: together.toFixed(2) });
console.log('\nWall times on this machine:');
console.table(timings);
