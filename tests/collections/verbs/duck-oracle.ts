// DuckDB as the independent oracle of the summary verbs: numeric columns loaded from JS arrays (nulls as
// NULL), queried with SQL; hostile column names never reach SQL (columns are c0, c1, ...).

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let connection: Promise<DuckDBConnection> | null = null;

async function connect(): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run('SET threads = 1');
  return conn;
}

const literal = (v: number | null): string => (v === null ? 'NULL' : Number.isNaN(v) ? "'NaN'::DOUBLE" : Number.isFinite(v) ? `${v}::DOUBLE` : `'${v > 0 ? 'Infinity' : '-Infinity'}'::DOUBLE`);

/** Table t with DOUBLE columns c0..ck and a row id; returns a query runner. */
export async function duckTable(columns: ReadonlyArray<ReadonlyArray<number | null>>): Promise<(sql: string) => Promise<unknown[][]>> {
  connection ??= connect();
  const conn = await connection;
  const n = columns[0]?.length ?? 0;
  const defs = columns.map((_, j) => `c${j} DOUBLE`).join(', ');
  await conn.run(`CREATE OR REPLACE TABLE t (rid INTEGER, ${defs})`);
  for (let start = 0; start < n; start += 500) {
    const rows: string[] = [];
    for (let i = start; i < Math.min(n, start + 500); i++) rows.push(`(${i}, ${columns.map((c) => literal(c[i]!)).join(', ')})`);
    await conn.run(`INSERT INTO t VALUES ${rows.join(', ')}`);
  }
  return async (sql: string) => (await conn.runAndReadAll(sql)).getRows() as unknown[][];
}
