// The README's first example, runnable in a fresh clone: `node --import tsx examples/quickstart.ts`
// generates datasets/generated/airline/ (2 deterministic airline-like CSVs, no download) the first time;
// or pass your own glob. tests/examples.test.ts runs it too, so the README's code keeps working.

import { execFileSync } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compute, readCsv, config, toRecords } from '../src/index.ts';

export async function quickstart(glob: string) {
  const flights = readCsv(glob, { blocksize: '64MiB' }); // lazy: only samples are read
  const dtypes = flights.dtypes; // schema known before any work

  const delay = flights.col('DepDelay');
  const late = flights.filter(delay.gt(60).and(flights.col('Cancelled').eq(0)));

  // One graph, one pass over the files: the reader parses only DepDelay, ArrDelay and Cancelled.
  const [min, max, mean, lateCount, lateArr] = await compute(
    delay.min(), delay.max(), delay.mean(),
    late.col('ArrDelay').count(), late.col('ArrDelay').mean(),
  );

  const plan = late.col('ArrDelay').mean().explain(); // optimised plan + task count
  const first = await late.head(5); // an Arrow Table
  const rows = toRecords(first); // plain objects: nulls stay null
  const speed = flights.assign({ mph: flights.col('Distance').div(flights.col('AirTime').div(60)) });
  const [maxMph] = await compute(speed.col('mph').max(), { scheduler: 'sync' }); // per-call scheduler choice
  config.set({ splitEvery: 16 }); // or set it globally
  config.reset();
  return { dtypes, min, max, mean, lateCount, lateArr, plan, first, rows, maxMph };
}

/** The bundled example data: generated once by datasets/gen-airline.mjs (deterministic, about 20 MB). */
export function bundledAirline(): string {
  const dir = fileURLToPath(new URL('../datasets/generated/airline', import.meta.url));
  if (!existsSync(dir)) {
    // Generated beside the target and renamed into place: an interrupted run leaves no half-made folder.
    const tmp = `${dir}.tmp-${process.pid}`;
    execFileSync(process.execPath, [fileURLToPath(new URL('../datasets/gen-airline.mjs', import.meta.url)), tmp, '2', '100000'], { stdio: 'inherit' });
    renameSync(tmp, dir);
  }
  return `${dir}/airline_*.csv`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await quickstart(process.argv[2] ?? bundledAirline());
  console.log(r.dtypes, { min: r.min, max: r.max, mean: r.mean, lateCount: r.lateCount, lateArr: r.lateArr, maxMph: r.maxMph });
  console.log(r.plan);
  console.log(r.rows[0]);
}
