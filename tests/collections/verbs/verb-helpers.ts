// Shared by the element-wise verb tests: build a frame at several partition counts (one, several, more
// partitions than rows so some are empty), compute a verb's result at each, and insist they agree.

import * as assert from 'uvu/assert';
import { Dictionary, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { type DataFrame, type SchedulerName, type Series, fromArrow, fromColumns, toRecords } from '../../../src/index.ts';

/** One partition, several, and more partitions than rows (so some partitions are empty). */
export const PARTITIONS = [1, 4, 40];

export type Columns = Record<string, unknown[]> | ReadonlyMap<string, unknown[]>;

/** A frame from plain columns; names listed in `dictionary` become dictionary-encoded string columns. */
export function frameOf(columns: Columns, npartitions: number, dictionary: readonly string[] = []): DataFrame {
  const entries = columns instanceof Map ? [...columns.entries()] : Object.entries(columns);
  if (dictionary.length === 0) return fromColumns(columns as Record<string, unknown[]>, { npartitions });
  // Arrow builds these: a dictionary column made independently of tessera's own kernels.
  // An own property even for '__proto__' (plain assignment would set the prototype).
  const vectors: Record<string, unknown> = Object.create(null);
  for (const [k, v] of entries) {
    const vec = dictionary.includes(k) ? vectorFromArray(v as (string | null)[], new Dictionary(new Utf8(), new Int32())) : vectorFromArray(v as never);
    Object.defineProperty(vectors, k, { value: vec, enumerable: true });
  }
  return fromArrow(new Table(vectors as never), { npartitions });
}

/** Rows of a computed frame or Series (as {name: value} records). */
export async function rowsOf(x: DataFrame | Series, scheduler: SchedulerName = 'sync'): Promise<Record<string, unknown>[]> {
  if ('str' in x) return (await x.toList({ scheduler })).map((v) => ({ [x.name]: v }));
  return toRecords(await x.compute({ scheduler }));
}

/** The verb's result at every partition count: all equal (compared as JSON with bigints and NaN marked); returns it. */
export async function samePerPartitioning(make: (p: number) => DataFrame | Series, scheduler: SchedulerName = 'sync'): Promise<Record<string, unknown>[]> {
  let first: Record<string, unknown>[] | null = null;
  for (const p of PARTITIONS) {
    const rows = await rowsOf(make(p), scheduler);
    if (first === null) first = rows;
    else assert.equal(show(rows), show(first), `${p} partitions vs 1`);
  }
  return first!;
}

/** JSON with bigints, NaN, ±Infinity, -0 and Dates kept distinguishable. */
export function show(x: unknown): string {
  return JSON.stringify(x, (_k, v) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (Object.is(v, -0)) return '-0';
    return v;
  });
}

/** A column of the result rows. */
export const col = (rows: Record<string, unknown>[], name: string): unknown[] => rows.map((r) => r[name]);
