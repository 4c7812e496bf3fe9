// nodejs-polars: lazy scanCSV + expressions for Q1, Q2 and Q4 (its fastest path); Q3 has no way to run a
// JS function inside a lazy groupBy, so it reads eagerly, partitionBy('Origin') and fits each group in JS.

import pl from 'nodejs-polars';
import { fitOls } from '../../examples/ols.ts';
import { type Answer, type Q3, type QueryId, sortQ2, sortQ3, sortQ4 } from './answers.ts';

const records = (df: pl.DataFrame) => df.toRecords() as Array<Record<string, unknown>>;

export async function run(query: QueryId, files: string[]): Promise<Answer> {
  const scan = () => pl.concat(files.map((f) => pl.scanCSV(f, { nullValues: 'NA' })));
  switch (query) {
    case 'q1': {
      const d = pl.col('DepDelay');
      const [r] = records(scan().select(d.min().alias('min'), d.max().alias('max'), d.mean().alias('mean')).collectSync());
      return { min: Number(r!.min), max: Number(r!.max), mean: Number(r!.mean) };
    }
    case 'q2': {
      const t = scan().groupBy('UniqueCarrier').agg(pl.col('ArrDelay').mean().alias('mean'), pl.col('ArrDelay').count().alias('n')).collectSync();
      return sortQ2(records(t).map((r) => [String(r.UniqueCarrier), Number(r.mean), Number(r.n)]));
    }
    case 'q3': {
      const df = pl.concat(files.map((f) => pl.readCSV(f, { nullValues: 'NA', columns: ['Origin', 'ArrDelay', 'DepDelay', 'Distance'] })));
      const out: Q3 = df.partitionBy(['Origin'], true, true).map((g) => {
        const col = (c: string) => Float64Array.from(g.getColumn(c).toArray() as Array<number | null>, (v) => (v === null ? NaN : v));
        const cols: Record<string, Float64Array> = { ArrDelay: col('ArrDelay'), DepDelay: col('DepDelay'), Distance: col('Distance') };
        // The same function tessera runs per group, given the part of the GroupFrame interface it reads.
        const group = { col: (c: string) => cols[c]!, numbers: (c: string) => cols[c]!, numRows: g.height };
        const f = fitOls(group as never, { y: 'ArrDelay', x: ['DepDelay', 'Distance'] });
        return [String(g.getColumn('Origin').get(0)), Number(f.n), Number(f.intercept), Number(f.DepDelay), Number(f.Distance)];
      });
      return sortQ3(out);
    }
    case 'q4': {
      const t = scan().filter(pl.col('DepDelay').gt(60).and(pl.col('Cancelled').eq(0))).groupBy('Month').agg(pl.len().alias('n')).collectSync();
      return sortQ4(records(t).map((r) => [Number(r.Month), Number(r.n)]));
    }
  }
}
