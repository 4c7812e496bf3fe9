// Arrow values as text for the terminal and as JSON: dates and timestamps as ISO strings, 64-bit
// integers as exact decimal text.

import { type DataType, Type } from 'apache-arrow';
import { formatValue } from './table.ts';

export function isTemporal(t: DataType): boolean {
  return t.typeId === Type.Timestamp || t.typeId === Type.Date;
}

/** A JSON-safe value: bigint -> number when exact, else string; temporal -> ISO string. */
export function jsonValue(v: unknown, type: DataType): unknown {
  if (v === null || v === undefined) return null;
  if (isTemporal(type) && (typeof v === 'number' || typeof v === 'bigint')) return new Date(Number(v)).toISOString();
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

export function textValue(v: unknown, type: DataType): string {
  if (v === null || v === undefined) return 'null';
  if (isTemporal(type) && (typeof v === 'number' || typeof v === 'bigint')) return new Date(Number(v)).toISOString();
  return formatValue(v);
}
