// Verb case "cleaning": the first lines of most pandas scripts on the airline CSVs: drop rows without
// delays, fill the missing elapsed times, convert types, then summarise, by tessera, DuckDB and nodejs-polars.

import { DuckDBInstance } from '@duckdb/node-api';
import { compute, readCsv } from '../../src/index.ts';
import type { Engine, VerbCase, VerbInputs } from './case.ts';

/** What every engine answers: rows kept and sums over the cleaned columns. */
interface Digest {
  rows: number;
  arrDelay: number;
  elapsed: number;
  distance: number;
  airTime: number;
}

const sqlList = (files: readonly string[]) => `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;

async function tessera(inputs: VerbInputs): Promise<Digest> {
  // dropna + fillna + astype, as a pandas user writes them; the sums read the cleaned frame in one pass.
  const df = readCsv([...inputs.airlineFiles])
    .dropna({ subset: ['ArrDelay', 'DepDelay'] })
    .fillna({ ActualElapsedTime: 0, AirTime: 0 })
    .astype({ ArrDelay: 'float64', Distance: 'float64', ActualElapsedTime: 'int64', AirTime: 'float64' });
  const [rows, arrDelay, elapsed, distance, airTime] = await compute(
    df.col('ArrDelay').count(),
    df.col('ArrDelay').sum(),
    df.col('ActualElapsedTime').sum(),
    df.col('Distance').sum(),
    df.col('AirTime').sum(),
  );
  return { rows: Number(rows), arrDelay: Number(arrDelay), elapsed: Number(elapsed), distance: Number(distance), airTime: Number(airTime) };
}

async function duckdb(inputs: VerbInputs): Promise<Digest> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const sql = `
    WITH cleaned AS (
      SELECT ArrDelay::DOUBLE AS ArrDelay, Distance::DOUBLE AS Distance,
             coalesce(ActualElapsedTime, 0)::BIGINT AS ActualElapsedTime, coalesce(AirTime, 0)::DOUBLE AS AirTime
      FROM read_csv(${sqlList(inputs.airlineFiles)}, nullstr='NA')
      WHERE ArrDelay IS NOT NULL AND DepDelay IS NOT NULL)
    SELECT count(ArrDelay), sum(ArrDelay), sum(ActualElapsedTime), sum(Distance), sum(AirTime) FROM cleaned`;
  const [row] = (await conn.runAndReadAll(sql)).getRows();
  const [rows, arrDelay, elapsed, distance, airTime] = row!.map((v) => Number(v));
  return { rows: rows!, arrDelay: arrDelay!, elapsed: elapsed!, distance: distance!, airTime: airTime! };
}

async function polars(inputs: VerbInputs): Promise<Digest> {
  // Loaded on use: nodejs-polars lives in bench/node_modules (scripts/install-tools.mjs bench).
  const { default: pl } = await import('nodejs-polars');
  const lazy = pl.concat(inputs.airlineFiles.map((f) => pl.scanCSV(f, { nullValues: 'NA' })));
  const out = lazy
    .dropNulls(['ArrDelay', 'DepDelay'])
    .withColumns(pl.col('ActualElapsedTime').fillNull(0), pl.col('AirTime').fillNull(0))
    .withColumns(
      pl.col('ArrDelay').cast(pl.Float64),
      pl.col('Distance').cast(pl.Float64),
      pl.col('ActualElapsedTime').cast(pl.Int64),
      pl.col('AirTime').cast(pl.Float64),
    )
    .select(
      pl.col('ArrDelay').count().alias('rows'),
      pl.col('ArrDelay').sum().alias('arrDelay'),
      pl.col('ActualElapsedTime').sum().alias('elapsed'),
      pl.col('Distance').sum().alias('distance'),
      pl.col('AirTime').sum().alias('airTime'),
    )
    .collectSync()
    .toRecords()[0] as Record<string, unknown>;
  return { rows: Number(out.rows), arrDelay: Number(out.arrDelay), elapsed: Number(out.elapsed), distance: Number(out.distance), airTime: Number(out.airTime) };
}

export const cleaning: VerbCase = {
  id: 'cleaning',
  title: 'dropna(subset) + fillna({col: 0}) + astype({...}) then count and four sums, airline CSVs',
  run(engine: Engine, inputs: VerbInputs): Promise<Digest> {
    return engine === 'tessera' ? tessera(inputs) : engine === 'duckdb' ? duckdb(inputs) : polars(inputs);
  },
  check(t: unknown, p: unknown, peerName: Engine): void {
    const a = t as Digest;
    const b = p as Digest;
    if (a.rows !== b.rows) throw new Error(`cleaning: tessera kept ${a.rows} rows, ${peerName} ${b.rows}`);
    for (const k of ['arrDelay', 'elapsed', 'distance', 'airTime'] as const) {
      // Integer-valued sums are exact on every side; a float64 sum may differ in its last bits by order.
      if (Math.abs(a[k] - b[k]) > 1e-9 * Math.max(1, Math.abs(b[k]))) throw new Error(`cleaning: sum of ${k}: tessera ${a[k]}, ${peerName} ${b[k]}`);
    }
  },
};

export default cleaning;
