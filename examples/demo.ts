// npm run demo: tessera on bundled airline-like data. Generates the CSVs once (deterministic generator,
// datasets/gen-airline.mjs), then runs a one-pass combined reduction, a filtered reduction, explain(),
// and the same work on each available scheduler so you can see the parallel speed-up.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compute, readCsv, udf, type SchedulerName } from '../src/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(root, 'datasets', 'generated', 'demo');
const FILES = 4;
const ROWS = 250_000;

if (!fs.existsSync(path.join(dataDir, `airline_${2000 + FILES}.csv`))) {
  console.log(`generating ${FILES} airline-like CSV files x ${ROWS} rows into ${path.relative(root, dataDir)} ...`);
  execFileSync(process.execPath, [path.join(root, 'datasets', 'gen-airline.mjs'), dataDir, String(FILES), String(ROWS)], { stdio: 'inherit' });
}

const files = path.join(dataDir, '*.csv');
const mb = fs.readdirSync(dataDir).reduce((s, f) => s + fs.statSync(path.join(dataDir, f)).size, 0) / 1e6;
const df = readCsv(files, { blocksize: '16MiB' });
console.log(`\n${FILES} files, ${mb.toFixed(0)} MB, ${df.npartitions} partitions; columns:`);
console.log(Object.entries(df.dtypes).map(([k, v]) => `  ${k}: ${v}`).join('\n'));

const delay = df.col('DepDelay');
const late = df.filter(df.col('DepDelay').gt(60).and(df.col('Cancelled').eq(0)));

const table = (rows: Array<Record<string, unknown>>) => console.table(rows);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

// Job 2: groupby-aggregate. Job 3: a stratified model, one OLS fit per origin airport, as a JS function
// run on every group in parallel (examples/ols.ts is a module, so each worker imports it once).
const perCarrier = df.groupby('UniqueCarrier').agg({ meanArrDelay: ['ArrDelay', 'mean'], flights: ['ArrDelay', 'count'] });
const perOrigin = df
  .groupby('Origin')
  .apply(udf(new URL('./ols.ts', import.meta.url).href, 'fitOls'), { params: { y: 'ArrDelay', x: ['DepDelay', 'Distance'] }, columns: ['ArrDelay', 'DepDelay', 'Distance'] });

const schedulers: SchedulerName[] = ['sync', 'threads'];
const timings: Array<Record<string, unknown>> = [];
// Start the worker pool once (each worker loads tessera's ops; under tsx that compiles TypeScript):
// a one-time cost per process, reported separately so the timings below compare the work itself.
const [, warmSecs] = await timed(() => df.head(1, { scheduler: 'threads' }));
timings.push({ scheduler: 'threads: starting the worker pool (once per process)', seconds: warmSecs.toFixed(2) });
for (const scheduler of schedulers) {
  let result: unknown[];
  let secs: number;
  try {
    [result, secs] = await timed(() =>
      compute(delay.min(), delay.max(), delay.mean(), delay.std(), delay.count(), late.col('ArrDelay').mean(), late.col('ArrDelay').count(), { scheduler }),
    );
  } catch (e) {
    console.log(`(${scheduler} scheduler not available: ${(e as Error).message})`);
    continue;
  }
  if (scheduler === 'sync') {
    console.log('\nOne compute() call, one graph: every partition is read once for all seven results.');
    const [min, max, mean, std, count, lateMean, lateCount] = result;
    table([{ 'DepDelay min': min, max, mean: (mean as number).toFixed(3), std: (std as number).toFixed(3), count }]);
    table([{ 'departures > 60 min late, not cancelled': lateCount, 'their mean ArrDelay': (lateMean as number).toFixed(3) }]);
  }
  timings.push({ scheduler, seconds: secs.toFixed(2) });
}

const [[carriers, fits], groupSecs] = await timed(() => compute(perCarrier, perOrigin));
console.log('\nMean arrival delay and flights per carrier (groupby-aggregate):');
table((carriers as { toArray(): Array<{ toJSON(): Record<string, number> }> }).toArray().map((r) => { const j = r.toJSON(); return { ...j, meanArrDelay: j.meanArrDelay!.toFixed(3) }; }));
const fitRows = (fits as { toArray(): Array<{ toJSON(): Record<string, number | string> }> }).toArray().map((r) => r.toJSON());
console.log(`\nArrDelay ~ DepDelay + Distance fitted separately for each of ${fitRows.length} origins (groupby-apply); the busiest 8:`);
table(
  fitRows
    .sort((a, b) => (b.n as number) - (a.n as number))
    .slice(0, 8)
    .map((r) => ({ Origin: r.Origin, n: r.n, intercept: (r.intercept as number).toFixed(3), DepDelay: (r.DepDelay as number).toFixed(4), Distance: (r.Distance as number).toFixed(6) })),
);
timings.push({ scheduler: 'default (groupby jobs)', seconds: groupSecs.toFixed(2) });

const [, separate] = await timed(async () => {
  for (const s of [delay.min(), delay.max(), delay.mean()]) await s.compute({ scheduler: 'sync' });
});
const [, together] = await timed(() => compute(delay.min(), delay.max(), delay.mean(), { scheduler: 'sync' }));
console.log('\nmin + max + mean of DepDelay:');
table([{ 'three separate computes (s)': separate.toFixed(2), 'one compute (s)': together.toFixed(2), ratio: (separate / together).toFixed(2) }]);

console.log('\nThe plan tessera runs for the filtered mean (projection pushed into the CSV reader):');
console.log(late.col('ArrDelay').mean().explain());
console.log('\nWall time of the seven-result query per scheduler:');
table(timings);
