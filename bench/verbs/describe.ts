// Describe case of bench/verbs.ts: count, mean, std, min, 25/50/75% (exact, linear interpolation) and max of
// every numeric airline column. tessera: readCsv(...).describe() (one pass per partition, quantiles from
// merged sorted runs); DuckDB: one SELECT of count/avg/stddev_samp/min/quantile_cont/max per column;
// polars: the same expressions on a lazy scan. Answers must agree to 1e-9 before any time counts.

import { DuckDBInstance } from '@duckdb/node-api';
import type { Engine, VerbCase, VerbInputs } from './case.ts';

/** The numeric columns of the airline files (the others are carrier, tail number, airports, a code). */
const COLUMNS = ['Year', 'Month', 'DayofMonth', 'DayOfWeek', 'DepTime', 'CRSDepTime', 'ArrTime', 'CRSArrTime', 'FlightNum', 'ActualElapsedTime', 'CRSElapsedTime', 'AirTime', 'ArrDelay', 'DepDelay', 'Distance', 'Cancelled'];
const STATS = ['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max'] as const;

/** column -> the eight statistics in STATS order (null where undefined). */
type Answer = Record<string, Array<number | null>>;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

async function run(engine: Engine, inputs: VerbInputs): Promise<Answer> {
  const out: Answer = Object.create(null);
  switch (engine) {
    case 'tessera': {
      const { readCsv } = await import('../../src/index.ts');
      const t = await readCsv([...inputs.airlineFiles]).select(COLUMNS).describe().compute();
      for (const c of COLUMNS) out[c] = STATS.map((_, i) => num(t.getChild(c)!.get(i)));
      return out;
    }
    case 'duckdb': {
      const db = await (await DuckDBInstance.create(':memory:')).connect();
      const src = `read_csv([${inputs.airlineFiles.map(sqlString).join(', ')}], nullstr='NA')`;
      const q = (c: string) => {
        const x = `"${c}"`;
        return `count(${x}), avg(${x}), stddev_samp(${x}), min(${x}), quantile_cont(${x}, 0.25), quantile_cont(${x}, 0.5), quantile_cont(${x}, 0.75), max(${x})`;
      };
      const row = (await db.runAndReadAll(`select ${COLUMNS.map(q).join(', ')} from ${src}`)).getRows()[0]!;
      COLUMNS.forEach((c, j) => (out[c] = row.slice(j * 8, j * 8 + 8).map(num)));
      return out;
    }
    case 'polars': {
      const pl = (await import('nodejs-polars')).default;
      const exprs = COLUMNS.flatMap((c) => {
        const x = pl.col(c).cast(pl.Float64);
        return [x.isNotNull().sum().alias(`${c}|count`), x.mean().alias(`${c}|mean`), x.std().alias(`${c}|std`), x.min().alias(`${c}|min`), x.quantile(0.25, 'linear').alias(`${c}|25%`), x.quantile(0.5, 'linear').alias(`${c}|50%`), x.quantile(0.75, 'linear').alias(`${c}|75%`), x.max().alias(`${c}|max`)];
      });
      const df = pl.concat(inputs.airlineFiles.map((f) => pl.scanCSV(f, { nullValues: 'NA' }))).select(...exprs).collectSync();
      for (const c of COLUMNS) out[c] = STATS.map((s) => num(df.getColumn(`${c}|${s}`).get(0)));
      return out;
    }
  }
}

export const describeCase: VerbCase = {
  id: 'describe',
  title: 'describe() of the 16 numeric airline columns (count, mean, std, min, exact quartiles, max)',
  run,
  check(ours, peer, name) {
    const a = ours as Answer;
    const b = peer as Answer;
    for (const c of COLUMNS) {
      STATS.forEach((s, i) => {
        const x = a[c]![i]!;
        const y = b[c]![i]!;
        const close = x === y || (x !== null && y !== null && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)));
        if (!close) throw new Error(`${name}: ${s} of ${c} is ${y}, tessera ${x}`);
      });
    }
  },
};
