// DuckDB as the oracle for the reshaping verbs: load JS columns as a typed table, run SQL, and compare
// row multisets (or ordered rows) with tessera's records, values normalised (int64 bigint = number).

import { query, sqlString, duck } from '../../differential/oracle.ts';

export type DuckType = 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN';

const literal = (v: unknown, t: DuckType): string => {
  if (v === null || v === undefined) return 'NULL';
  if (t === 'VARCHAR') return sqlString(String(v));
  if (t === 'DOUBLE' && typeof v === 'number' && !Number.isFinite(v)) return `'${String(v)}'::DOUBLE`;
  return String(v);
};

/** CREATE OR REPLACE TABLE name from columns (quoted identifiers, so hostile names are fine). */
export async function duckTable(name: string, columns: Record<string, { type: DuckType; values: readonly unknown[] }>): Promise<void> {
  const conn = await duck();
  const cols = Object.entries(columns);
  const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
  await conn.run(`CREATE OR REPLACE TABLE ${ident(name)} (${cols.map(([c, { type }]) => `${ident(c)} ${type}`).join(', ')})`);
  const n = cols[0]![1].values.length;
  for (let start = 0; start < n; start += 500) {
    const rows: string[] = [];
    for (let i = start; i < Math.min(n, start + 500); i++) rows.push(`(${cols.map(([, { type, values }]) => literal(values[i], type)).join(', ')})`);
    if (rows.length > 0) await conn.run(`INSERT INTO ${ident(name)} VALUES ${rows.join(', ')}`);
  }
}

const norm = (v: unknown): string => {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return `n${v}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `n${v}` : `n${v}`;
  return JSON.stringify(v);
};

/** Rows as normalised strings (one per row), from records with the given column order. */
export function rowStrings(records: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): string[] {
  return records.map((r) => columns.map((c) => norm(r[c])).join('|'));
}

/** The rows of a query as normalised strings. */
export async function duckRows(sql: string): Promise<string[]> {
  return (await query(sql)).map((row) => row.map(norm).join('|'));
}

export const sorted = (xs: readonly string[]): string[] => [...xs].sort();
