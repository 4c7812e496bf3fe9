// Sort case of bench/verbs.ts: every airline row sorted by DepDelay (nulls last), all columns moved.
// The answer is the row count and the DepDelay at 1001 evenly spaced positions, which every correct sort
// gives whatever order it leaves ties in.

import { DuckDBInstance } from '@duckdb/node-api';
import type { Engine, VerbCase, VerbInputs } from './case.ts';

interface Answer { rows: number; picks: Array<number | null> }
const POINTS = 1001;
const positions = (n: number) => Array.from({ length: n > 0 ? POINTS : 0 }, (_, k) => Math.floor((k * (n - 1)) / (POINTS - 1)));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

async function run(engine: Engine, inputs: VerbInputs): Promise<Answer> {
  switch (engine) {
    case 'tessera': {
      const { readCsv } = await import('../../src/index.ts');
      const t = await readCsv([...inputs.airlineFiles]).sortValues('DepDelay').compute();
      const col = t.getChild('DepDelay')!;
      return { rows: t.numRows, picks: positions(t.numRows).map((p) => num(col.get(p))) };
    }
    case 'duckdb': {
      const db = await (await DuckDBInstance.create(':memory:')).connect();
      const src = `read_csv([${inputs.airlineFiles.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}], nullstr='NA')`;
      // Every column is sorted and stored, as the other engines do; then the picks are read by position.
      await db.run(`create table s as select *, row_number() over (order by DepDelay nulls last) - 1 as pos from ${src}`);
      const n = Number((await db.runAndReadAll('select count(*) from s')).getRows()[0]![0]);
      const want = positions(n);
      const rows = (await db.runAndReadAll(`select pos, DepDelay from s where pos in (${want.join(',') || '-1'})`)).getRows();
      const at = new Map(rows.map((r) => [Number(r[0]), num(r[1])]));
      return { rows: n, picks: want.map((p) => at.get(p) ?? null) };
    }
    case 'polars': {
      const pl = (await import('nodejs-polars')).default;
      const df = pl.concat(inputs.airlineFiles.map((f) => pl.scanCSV(f, { nullValues: 'NA' }))).sort('DepDelay', false, true).collectSync();
      const col = df.getColumn('DepDelay');
      return { rows: df.height, picks: positions(df.height).map((p) => num(col.get(p))) };
    }
  }
}

export const sortCase: VerbCase = {
  id: 'sort',
  title: 'sortValues of every airline row by DepDelay (nulls last)',
  run,
  check(ours, peer, name) {
    const a = ours as Answer;
    const b = peer as Answer;
    if (a.rows !== b.rows) throw new Error(`${name}: ${b.rows} rows, tessera ${a.rows}`);
    const i = a.picks.findIndex((v, k) => v !== b.picks[k]);
    if (i >= 0) throw new Error(`${name}: DepDelay at position ${positions(a.rows)[i]} is ${b.picks[i]}, tessera ${a.picks[i]}`);
  },
};
