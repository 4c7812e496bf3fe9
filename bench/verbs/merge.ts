// Merge cases of bench/verbs.ts: the airline rows joined to a small airports table (one CSV: tessera
// broadcasts it; a second case forces the hash shuffle), then rows and mean arrival delay per state.
// prepare() writes the airports table from the codes in the data: every tenth code left out (those flights
// drop out of the inner join) and a few codes that no flight uses.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Engine, VerbCase, VerbInputs } from './case.ts';

type Answer = Array<[string, number, number]>;
const airportsFile = (inputs: VerbInputs) => path.join(inputs.scratch, 'airports.csv');
const sortAnswer = (rows: Answer): Answer => rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const csvList = (files: readonly string[]) => `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;

async function prepare(inputs: VerbInputs): Promise<void> {
  const file = airportsFile(inputs);
  if (fs.existsSync(file)) return;
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const codes = (await db.runAndReadAll(`select distinct Origin from read_csv(${csvList(inputs.airlineFiles)}, nullstr='NA') order by 1`)).getRows().map((r) => String(r[0]));
  const lines = ['iata,state,lat'];
  codes.forEach((c, i) => {
    if (i % 10 === 9) return;
    lines.push(`${c},S${(i * 7) % 50},${(25 + ((i * 37) % 230) / 10).toFixed(1)}`);
  });
  for (let i = 0; i < 20; i++) lines.push(`Q${String(i).padStart(2, '0')},S${i % 50},40.0`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

async function run(engine: Engine, inputs: VerbInputs, shuffle: boolean): Promise<Answer> {
  const airports = airportsFile(inputs);
  switch (engine) {
    case 'tessera': {
      const { readCsv } = await import('../../src/index.ts');
      const flights = readCsv([...inputs.airlineFiles]);
      const joined = flights.merge(readCsv(airports), { leftOn: 'Origin', rightOn: 'iata', ...(shuffle ? { broadcast: false } : {}) });
      const t = await joined.groupby('state').agg({ n: ['ArrDelay', 'count'], mean: ['ArrDelay', 'mean'] }).compute();
      return sortAnswer(t.toArray().map((r) => [String(r.state), Number(r.n), Number(r.mean)]));
    }
    case 'duckdb': {
      const db = await (await DuckDBInstance.create(':memory:')).connect();
      const sql = `select a.state, count(f.ArrDelay), avg(f.ArrDelay) from read_csv(${csvList(inputs.airlineFiles)}, nullstr='NA') f
        join read_csv('${airports}') a on f.Origin = a.iata group by 1`;
      return sortAnswer((await db.runAndReadAll(sql)).getRows().map((r) => [String(r[0]), Number(r[1]), Number(r[2])]));
    }
    case 'polars': {
      const pl = (await import('nodejs-polars')).default;
      const flights = pl.concat(inputs.airlineFiles.map((f) => pl.scanCSV(f, { nullValues: 'NA' })));
      const t = flights
        .join(pl.scanCSV(airports), { leftOn: 'Origin', rightOn: 'iata', how: 'inner' })
        .groupBy('state')
        .agg(pl.col('ArrDelay').count().alias('n'), pl.col('ArrDelay').mean().alias('mean'))
        .collectSync();
      return sortAnswer((t.toRecords() as Array<Record<string, unknown>>).map((r) => [String(r.state), Number(r.n), Number(r.mean)]));
    }
  }
}

function check(ours: unknown, peer: unknown, name: Engine): void {
  const a = ours as Answer;
  const b = peer as Answer;
  if (a.length !== b.length) throw new Error(`${name}: ${b.length} states, tessera ${a.length}`);
  a.forEach(([s, n, m], i) => {
    const [s2, n2, m2] = b[i]!;
    if (s !== s2 || n !== n2) throw new Error(`${name}: row ${i} is (${s2}, ${n2}), tessera (${s}, ${n})`);
    if (Math.abs(m - m2) > 1e-9 * Math.max(1, Math.abs(m))) throw new Error(`${name}: mean of ${s} is ${m2}, tessera ${m}`);
  });
}

export const mergeBroadcast: VerbCase = {
  id: 'merge',
  title: 'merge airline rows with a 300-row airports table (broadcast), rows and mean ArrDelay per state',
  prepare,
  run: (engine, inputs) => run(engine, inputs, false),
  check,
};

export const mergeShuffle: VerbCase = {
  id: 'merge-shuffle',
  title: 'the same merge through tessera\'s hash shuffle (broadcast: false; peers as above)',
  prepare,
  run: (engine, inputs) => run(engine, inputs, true),
  check,
};
