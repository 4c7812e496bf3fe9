// DuckDB as the independent reader: it is told every column's type and the dialect (never sniffs), loads a
// case's files into table t (with a row number for file order), and answers SQL as plain JS values.

import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import * as fs from 'node:fs';
import { type ColType, type CsvCase, renderFile } from './generate.ts';

export const DUCK_TYPES: Record<ColType, string> = {
  int32: 'INTEGER', int64: 'BIGINT', float64: 'DOUBLE', bool: 'BOOLEAN', string: 'VARCHAR', date: 'DATE',
  // TIMESTAMPTZ applies a written offset (+02:00) as tessera does; plain TIMESTAMP ignores it.
  timestamp: 'TIMESTAMPTZ',
};

/** tessera's default naValues (docs/CSV.md), given to DuckDB as its null strings. */
const NULL_STRINGS = ['', 'NA', 'NaN', 'null', 'NULL'];

let connection: Promise<DuckDBConnection> | null = null;

async function connect(): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  // One thread: keeps insertion order obvious and leaves the cores to tessera's pools.
  await conn.run("SET threads = 1; SET TimeZone = 'UTC'; SET preserve_insertion_order = true");
  return conn;
}

export function duck(): Promise<DuckDBConnection> {
  connection ??= connect();
  return connection;
}

/** A SQL string literal; NUL cannot appear inside one, so it is spliced in with chr(0). */
export const sqlString = (s: string): string => s.split('\u0000').map((part) => `'${part.replace(/'/g, "''")}'`).join(' || chr(0) || ');
/** Column j of the case is c{j} in DuckDB, so hostile names never reach SQL. */
export const dcol = (j: number): string => `c${j}`;

/** Load the case's files into table t, typed explicitly, with __rid = row number in file order. */
export async function loadCase(c: CsvCase, paths: string[], types: ColType[]): Promise<void> {
  const conn = await duck();
  // A file mixing LF and CRLF row ends: DuckDB fixes one newline per file (a stray \r ends up in the last
  // field or as an extra row), so it reads a copy whose row ends are all LF; quoted newlines are untouched.
  paths = paths.map((p, i) => {
    const f = c.files[i]!;
    if (new Set(f.ends.filter((e) => e !== '')).size <= 1) return p;
    const copy = p.replace(/\.csv$/, '.duck.csv');
    fs.writeFileSync(copy, renderFile(c, { ...f, ends: f.ends.map((e) => (e === '' ? '' : '\n')) }));
    return copy;
  });
  const columns = `{${types.map((t, j) => `${sqlString(dcol(j))}: ${sqlString(DUCK_TYPES[t])}`).join(', ')}}`;
  const read = `read_csv([${paths.map(sqlString).join(', ')}], delim=${sqlString(c.delimiter)}, quote='"', escape='"', header=true, auto_detect=false, columns=${columns}, nullstr=[${NULL_STRINGS.map(sqlString).join(', ')}])`;
  await conn.run(`CREATE OR REPLACE TABLE t AS SELECT *, row_number() OVER () AS __rid FROM ${read}`);
}

/** Rows of a query as arrays of JS values (DOUBLE -> number incl. NaN/Infinity, BIGINT/HUGEINT -> bigint). */
export async function query(sql: string): Promise<unknown[][]> {
  const conn = await duck();
  const res = await conn.runAndReadAll(sql);
  return res.getRows() as unknown[][];
}

/** A column as a comparable JS value in SQL: dates as day numbers, timestamps as epoch milliseconds. */
export function selectExpr(j: number, t: ColType): string {
  if (t === 'date') return `(${dcol(j)} - DATE '1970-01-01')`;
  if (t === 'timestamp') return `epoch_ms(${dcol(j)})`;
  return dcol(j);
}
