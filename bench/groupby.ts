// Groupby benchmark on generated airline-like data, side by side with DuckDB and nodejs-polars in the
// same run. Q2: mean ArrDelay and count per UniqueCarrier (from CSV, and on data already in memory).
// Q3: per-Origin OLS ArrDelay ~ DepDelay + Distance (tessera: a JS function per group on the thread pool;
// DuckDB: SQL sums of products solved in JS; polars: partitionBy + the same JS loop per group).
// Answers are checked against DuckDB before any time is reported.
// usage: node --import tsx bench/groupby.ts [--files 2] [--rows 500000] [--reps 3]

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { readCsv, udf, type DataFrame } from '../src/index.ts';
import { fitOls } from '../examples/ols.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const FILES = arg('files', 2);
const ROWS = arg('rows', 500_000);
const REPS = arg('reps', 3);
const dir = join(process.cwd(), 'bench', 'data', `airline-${FILES}x${ROWS}`);
if (!existsSync(join(dir, `airline_${2000 + FILES}.csv`))) {
  execFileSync(process.execPath, ['datasets/gen-airline.mjs', dir, String(FILES), String(ROWS)], { stdio: 'inherit' });
}
const files = Array.from({ length: FILES }, (_, i) => join(dir, `airline_${2001 + i}.csv`));

async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

type CarrierRow = { key: string; mean: number; n: number };
type OlsRow = { key: string; n: number; b0: number; b1: number; b2: number };

function checkCarriers(name: string, got: CarrierRow[], want: CarrierRow[]): void {
  const m = new Map(got.map((r) => [r.key, r]));
  for (const w of want) {
    const g = m.get(w.key);
    if (!g || g.n !== w.n || Math.abs(g.mean - w.mean) > 1e-9 * Math.max(1, Math.abs(w.mean))) throw new Error(`${name}: carrier ${w.key} ${JSON.stringify(g)} != ${JSON.stringify(w)}`);
  }
  if (got.length !== want.length) throw new Error(`${name}: ${got.length} carriers, expected ${want.length}`);
}

function checkOls(name: string, got: OlsRow[], want: OlsRow[]): void {
  const m = new Map(got.map((r) => [r.key, r]));
  for (const w of want) {
    const g = m.get(w.key);
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
    if (!g || g.n !== w.n || !close(g.b0, w.b0) || !close(g.b1, w.b1) || !close(g.b2, w.b2)) throw new Error(`${name}: origin ${w.key} ${JSON.stringify(g)} != ${JSON.stringify(w)}`);
  }
}

// ---------- DuckDB ----------
const duck = await (await DuckDBInstance.create(':memory:')).connect();
const src = `read_csv([${files.map((f) => `'${f}'`).join(', ')}], nullstr='NA')`;
const q2sql = (from: string) => `select UniqueCarrier as key, avg(ArrDelay) as mean, count(ArrDelay) as n from ${from} group by 1 order by 1`;
const q3sql = (from: string) => `select Origin as key, count(*) as n, sum(DepDelay) a, sum(Distance) b, sum(ArrDelay) y,
  sum(DepDelay*DepDelay) aa, sum(DepDelay::double*Distance) ab, sum(Distance::double*Distance) bb, sum(DepDelay*ArrDelay) ay, sum(Distance::double*ArrDelay) by_
  from ${from} where ArrDelay is not null and DepDelay is not null and Distance is not null group by 1 order by 1`;
const duckRows = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjects() as Array<Record<string, unknown>>;
const duckCarriers = async (from: string) => (await duckRows(q2sql(from))).map((r) => ({ key: String(r.key), mean: Number(r.mean), n: Number(r.n) }));
function solve3(r: Record<string, unknown>): OlsRow {
  const n = Number(r.n);
  const [a, b, y, aa, ab, bb, ay, by] = ['a', 'b', 'y', 'aa', 'ab', 'bb', 'ay', 'by_'].map((k) => Number(r[k]));
  // centred normal equations for the slopes, then the intercept
  const saa = aa! - (a! * a!) / n, sbb = bb! - (b! * b!) / n, sab = ab! - (a! * b!) / n;
  const say = ay! - (a! * y!) / n, sby = by! - (b! * y!) / n;
  const det = saa * sbb - sab * sab;
  const b1 = (say * sbb - sby * sab) / det, b2 = (sby * saa - say * sab) / det;
  return { key: String(r.key), n, b0: (y! - b1 * a! - b2 * b!) / n, b1, b2 };
}
const duckOls = async (from: string) => (await duckRows(q3sql(from))).filter((r) => Number(r.n) > 3).map(solve3);

// ---------- tessera ----------
const flights = readCsv(files);
const q2 = (df: DataFrame) => df.groupby('UniqueCarrier').agg({ mean: ['ArrDelay', 'mean'], n: ['ArrDelay', 'count'] });
const tesseraCarriers = async (df: DataFrame, scheduler: 'sync' | 'threads') =>
  (await q2(df).compute({ scheduler })).toArray().map((r) => ({ key: r.UniqueCarrier, mean: r.mean, n: Number(r.n) })); // counts are Int64 (bigint)
const OLS = udf(new URL('../examples/ols.ts', import.meta.url).href, 'fitOls');
const q3params = { y: 'ArrDelay', x: ['DepDelay', 'Distance'] };
const tesseraOls = async (df: DataFrame, scheduler: 'sync' | 'threads') =>
  (await df.groupby('Origin').apply(OLS, { params: q3params, columns: ['ArrDelay', 'DepDelay', 'Distance'] }).compute({ scheduler }))
    .toArray()
    .filter((r) => r.n > 3)
    .map((r) => ({ key: r.Origin, n: r.n, b0: r.intercept, b1: r.DepDelay, b2: r.Distance }));

// ---------- polars ----------
const polarsFrame = () => pl.concat(files.map((f) => pl.readCSV(f, { nullValues: 'NA' })));
const polarsCarriers = (df: pl.DataFrame) =>
  (df.lazy().groupBy('UniqueCarrier').agg(pl.col('ArrDelay').mean().alias('mean'), pl.col('ArrDelay').count().alias('n')).collectSync().toRecords() as Array<Record<string, unknown>>).map(
    (r) => ({ key: String(r.UniqueCarrier), mean: Number(r.mean), n: Number(r.n) }),
  );
const polarsCarriersScan = async () => {
  const lazy = pl.concat(files.map((f) => pl.scanCSV(f, { nullValues: 'NA' })));
  return (lazy.groupBy('UniqueCarrier').agg(pl.col('ArrDelay').mean().alias('mean'), pl.col('ArrDelay').count().alias('n')).collectSync().toRecords() as Array<Record<string, unknown>>).map(
    (r) => ({ key: String(r.UniqueCarrier), mean: Number(r.mean), n: Number(r.n) }),
  );
};
const polarsOls = (df: pl.DataFrame) =>
  df
    .select('Origin', 'ArrDelay', 'DepDelay', 'Distance')
    .partitionBy(['Origin'], true, true)
    .map((g) => {
      const col = (c: string) => Float64Array.from(g.getColumn(c).toArray() as Array<number | null>, (v) => (v === null ? NaN : v));
      const cols: Record<string, Float64Array> = { ArrDelay: col('ArrDelay'), DepDelay: col('DepDelay'), Distance: col('Distance') };
      const fit = fitOls({ col: (c: string) => cols[c]!, numbers: (c: string) => cols[c]!, numRows: g.height } as never, q3params);
      return { key: String(g.getColumn('Origin').get(0)), n: fit.n as number, b0: fit.intercept as number, b1: fit.DepDelay as number, b2: fit.Distance as number };
    })
    .filter((r) => r.n > 3);

// ---------- run ----------
const rows: Array<[string, string, number]> = [];
const wantCarriers = await duckCarriers(src);
const wantOls = await duckOls(src);

checkCarriers('tessera threads', await tesseraCarriers(flights, 'threads'), wantCarriers);
checkCarriers('polars scan', await polarsCarriersScan(), wantCarriers);
rows.push(['Q2 from CSV', 'DuckDB', await median(() => duckCarriers(src))]);
rows.push(['Q2 from CSV', 'nodejs-polars (lazy scan)', await median(polarsCarriersScan)]);
rows.push(['Q2 from CSV', 'tessera threads', await median(() => tesseraCarriers(flights, 'threads'))]);
rows.push(['Q2 from CSV', 'tessera sync', await median(() => tesseraCarriers(flights, 'sync'))]);

// Data already in memory: each engine's own in-memory form, loaded once outside the timing.
await duck.run(`create table flights as select * from ${src}`);
const mem = await readCsv(files).persist({ scheduler: 'threads' });
const pdf = polarsFrame();
checkCarriers('tessera in memory', await tesseraCarriers(mem, 'threads'), wantCarriers);
checkCarriers('polars in memory', polarsCarriers(pdf), wantCarriers);
rows.push(['Q2 in memory', 'DuckDB (table)', await median(() => duckCarriers('flights'))]);
rows.push(['Q2 in memory', 'nodejs-polars (DataFrame)', await median(async () => polarsCarriers(pdf))]);
rows.push(['Q2 in memory', 'tessera threads (persisted)', await median(() => tesseraCarriers(mem, 'threads'))]);
rows.push(['Q2 in memory', 'tessera sync (persisted)', await median(() => tesseraCarriers(mem, 'sync'))]);

checkOls('tessera threads', await tesseraOls(flights, 'threads'), wantOls);
checkOls('polars partitionBy', polarsOls(pdf), wantOls);
rows.push(['Q3 OLS per Origin from CSV', 'DuckDB (SQL sums, JS solve)', await median(() => duckOls(src))]);
rows.push(['Q3 OLS per Origin from CSV', 'tessera threads (JS fn per group)', await median(() => tesseraOls(flights, 'threads'))]);
rows.push(['Q3 OLS per Origin in memory', 'DuckDB (table)', await median(() => duckOls('flights'))]);
rows.push(['Q3 OLS per Origin in memory', 'nodejs-polars (partitionBy + JS fn)', await median(async () => polarsOls(pdf))]);
rows.push(['Q3 OLS per Origin in memory', 'tessera threads (JS fn per group)', await median(() => tesseraOls(mem, 'threads'))]);

console.log(`\n${FILES} files x ${ROWS} rows, median of ${REPS}; all answers equal to DuckDB's (checked first)\n`);
console.log('| query | engine | seconds | vs tessera threads |');
console.log('|---|---|---|---|');
for (const [q, engine, s] of rows) {
  const ours = rows.find((r) => r[0] === q && r[1].startsWith('tessera threads'))?.[2] ?? NaN;
  console.log(`| ${q} | ${engine} | ${s.toFixed(3)} | ${(s / ours).toFixed(2)}x |`);
}
process.exit(0);
