// Sort case of bench/verbs.ts with bounded memory: every airline row sorted by DepDelay and written to Parquet
// (tessera with shuffle: 'disk', so shuffle pieces and input partitions wait on disk, not in memory; DuckDB's
// COPY ... ORDER BY; polars' sinkParquet). The answer is read back from the files each engine wrote.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Engine, VerbCase, VerbInputs } from './case.ts';

interface Answer { rows: number; picks: Array<number | null> }
const POINTS = 1001;
const positions = (n: number) => Array.from({ length: n > 0 ? POINTS : 0 }, (_, k) => Math.floor((k * (n - 1)) / (POINTS - 1)));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const quote = (f: string) => `'${f.replace(/'/g, "''")}'`;

/** DepDelay at the pick positions of files read in the order given (row order inside a file by its row number). */
async function picksOf(files: readonly string[]): Promise<Answer> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const counts: number[] = [];
  for (const f of files) counts.push(Number((await db.runAndReadAll(`select count(*) from read_parquet(${quote(f)})`)).getRows()[0]![0]));
  const n = counts.reduce((a, b) => a + b, 0);
  const want = positions(n);
  const at = new Map<number, number | null>();
  let base = 0;
  for (let i = 0; i < files.length; i++) {
    const here = want.filter((p) => p >= base && p < base + counts[i]!).map((p) => p - base);
    if (here.length > 0) {
      const rows = (await db.runAndReadAll(`select file_row_number, DepDelay from read_parquet(${quote(files[i]!)}, file_row_number = true) where file_row_number in (${here.join(',')})`)).getRows();
      for (const r of rows) at.set(base + Number(r[0]), num(r[1]));
    }
    base += counts[i]!;
  }
  return { rows: n, picks: want.map((p) => at.get(p) ?? null) };
}

async function run(engine: Engine, inputs: VerbInputs): Promise<Answer> {
  const out = path.join(inputs.scratch, `sorted-${engine}-${process.pid}`);
  fs.mkdirSync(out);
  try {
    switch (engine) {
      case 'tessera': {
        const { readCsv, toParquet } = await import('../../src/index.ts');
        const files = await toParquet(readCsv([...inputs.airlineFiles]).sortValues('DepDelay'), out, { shuffle: 'disk', nameFunction: (i) => `part-${String(i).padStart(5, '0')}.parquet` });
        return await picksOf(files);
      }
      case 'duckdb': {
        const db = await (await DuckDBInstance.create(':memory:')).connect();
        const file = path.join(out, 'sorted.parquet');
        await db.run(`copy (select * from read_csv([${inputs.airlineFiles.map(quote).join(', ')}], nullstr='NA') order by DepDelay nulls last) to ${quote(file)} (format parquet)`);
        return await picksOf([file]);
      }
      case 'polars': {
        const pl = (await import('nodejs-polars')).default;
        const file = path.join(out, 'sorted.parquet');
        await pl.concat(inputs.airlineFiles.map((f) => pl.scanCSV(f, { nullValues: 'NA' }))).sort('DepDelay', false, true).sinkParquet(file).collect();
        return await picksOf([file]);
      }
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

export const sortToDisk: VerbCase = {
  id: 'sort-disk',
  title: "sortValues of every airline row by DepDelay written to Parquet (tessera shuffle: 'disk'; DuckDB COPY; polars sinkParquet); answer read back",
  run,
  check(ours, peer, name) {
    const a = ours as Answer;
    const b = peer as Answer;
    if (a.rows !== b.rows) throw new Error(`${name}: ${b.rows} rows, tessera ${a.rows}`);
    const i = a.picks.findIndex((v, k) => v !== b.picks[k]);
    if (i >= 0) throw new Error(`${name}: DepDelay at position ${positions(a.rows)[i]} is ${b.picks[i]}, tessera ${a.picks[i]}`);
  },
};
