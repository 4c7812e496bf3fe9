// tessera's side of the suite: the queries as a user would write them (lazy frames, one compute).

import { compute, readCsv, udf } from '../../src/index.ts';
import { type Answer, type QueryId, sortQ2, sortQ3, sortQ4 } from './answers.ts';

const OLS = udf(new URL('../../examples/ols.ts', import.meta.url).href, 'fitOls');

/** `threeComputes` runs Q1 as three separate compute() calls (three reads of the files) instead of one. */
export async function run(query: QueryId, files: string[], options: { threeComputes?: boolean } = {}): Promise<Answer> {
  const df = readCsv(files);
  switch (query) {
    case 'q1': {
      const d = df.col('DepDelay');
      if (options.threeComputes) {
        const [min] = await compute(d.min());
        const [max] = await compute(d.max());
        const [mean] = await compute(d.mean());
        return { min: Number(min), max: Number(max), mean: Number(mean) };
      }
      const [min, max, mean] = await compute(d.min(), d.max(), d.mean());
      return { min: Number(min), max: Number(max), mean: Number(mean) };
    }
    case 'q2': {
      const t = await df.groupby('UniqueCarrier').agg({ mean: ['ArrDelay', 'mean'], n: ['ArrDelay', 'count'] }).compute();
      return sortQ2(t.toArray().map((r) => [String(r.UniqueCarrier), Number(r.mean), Number(r.n)]));
    }
    case 'q3': {
      const t = await df.groupby('Origin').apply(OLS, { params: { y: 'ArrDelay', x: ['DepDelay', 'Distance'] }, columns: ['ArrDelay', 'DepDelay', 'Distance'] }).compute();
      return sortQ3(t.toArray().map((r) => [String(r.Origin), Number(r.n), Number(r.intercept), Number(r.DepDelay), Number(r.Distance)]));
    }
    case 'q4': {
      const late = df.filter(df.col('DepDelay').gt(60).and(df.col('Cancelled').eq(0)));
      const t = await late.groupby('Month').size().compute();
      return sortQ4(t.toArray().map((r) => [Number(r.Month), Number(r.size)]));
    }
  }
}
