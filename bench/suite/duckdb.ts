// DuckDB through @duckdb/node-api: each query is one SQL statement over read_csv of the files; Q3 asks
// SQL for the sums of products of every origin's complete rows and solves the 3x3 system in JS.

import { DuckDBInstance } from '@duckdb/node-api';
import { type Answer, type QueryId, olsFromSums, sortQ2, sortQ3, sortQ4 } from './answers.ts';

export async function run(query: QueryId, files: string[]): Promise<Answer> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const src = `read_csv([${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}], nullstr='NA')`;
  const rows = async (sql: string) => (await db.runAndReadAll(sql)).getRows().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
  switch (query) {
    case 'q1': {
      const [r] = await rows(`select min(DepDelay), max(DepDelay), avg(DepDelay) from ${src}`);
      return { min: Number(r![0]), max: Number(r![1]), mean: Number(r![2]) };
    }
    case 'q2':
      return sortQ2((await rows(`select UniqueCarrier, avg(ArrDelay), count(ArrDelay) from ${src} group by 1`)).map((r) => [String(r[0]), Number(r[1]), Number(r[2])]));
    case 'q3': {
      const sql = `select Origin, count(*), sum(DepDelay::double), sum(Distance::double), sum(ArrDelay::double),
        sum(DepDelay::double*DepDelay), sum(DepDelay::double*Distance), sum(Distance::double*Distance),
        sum(DepDelay::double*ArrDelay), sum(Distance::double*ArrDelay)
        from ${src} where ArrDelay is not null and DepDelay is not null and Distance is not null group by 1`;
      return sortQ3((await rows(sql)).map((r) => {
        const [n, a, b, y, aa, ab, bb, ay, by] = r.slice(1).map(Number) as number[];
        return olsFromSums(String(r[0]), { n: n!, a: a!, b: b!, y: y!, aa: aa!, ab: ab!, bb: bb!, ay: ay!, by: by! });
      }));
    }
    case 'q4':
      return sortQ4((await rows(`select Month, count(*) from ${src} where DepDelay > 60 and Cancelled = 0 group by 1`)).map((r) => [Number(r[0]), Number(r[1])]));
  }
}
