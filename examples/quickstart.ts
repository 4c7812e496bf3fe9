// The README's first example, runnable: `node --import tsx examples/quickstart.ts 'data/airline_*.csv'`
// (make data with `node datasets/gen-airline.mjs data 2 100000`). tests/examples.test.ts runs it too,
// so the README's code keeps working.

import { compute, readCsv, config } from '../src/index.ts';

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
  const speed = flights.assign({ mph: flights.col('Distance').div(flights.col('AirTime').div(60)) });
  const [maxMph] = await compute(speed.col('mph').max(), { scheduler: 'sync' }); // per-call scheduler choice
  config.set({ splitEvery: 16 }); // or set it globally
  config.reset();
  return { dtypes, min, max, mean, lateCount, lateArr, plan, first, maxMph };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await quickstart(process.argv[2] ?? 'data/airline_*.csv');
  console.log(r.dtypes, { min: r.min, max: r.max, mean: r.mean, lateCount: r.lateCount, lateArr: r.lateArr, maxMph: r.maxMph });
  console.log(r.plan);
}
