// UTF-8 checking of a partition's bytes before parsing: invalid bytes in a requested column are an error
// naming file, line, byte offset and column, unless options.encodingErrors is 'replace' (U+FFFD, as TextDecoder).

import { isUtf8 } from 'node:buffer';
import { CsvParseError, where } from './errors.ts';
import type { PartitionPlan } from './plan.ts';
import type { RowProblems } from './problems.ts';

export const ENCODING_ERRORS = ['error', 'replace'] as const;
export type EncodingErrors = (typeof ENCODING_ERRORS)[number];

const NL = 10;

/** The bytes to parse: `bytes` when valid (one native pass), or with invalid sequences replaced when asked. */
export function checkedUtf8(bytes: Uint8Array, plan: PartitionPlan, problems: RowProblems): Uint8Array {
  if (isUtf8(bytes)) return bytes;
  if (plan.encodingErrors === 'replace') return new TextEncoder().encode(new TextDecoder().decode(bytes));
  const bad = firstBadField(bytes, plan);
  if (bad === null) return bytes; // only in fields nobody asked for: never decoded
  const loc = problems.locate(bad.rowStart);
  const column = plan.columns.find((c) => c.field === bad.field)!.name;
  throw new CsvParseError(
    `${where(loc)}, column '${column}': the field at byte ${problems.fileOffset(bad.fieldStart)} is not valid UTF-8; convert the file to UTF-8, or pass encodingErrors: 'replace' to read invalid bytes as U+FFFD`,
    loc, column, null, 'UTF-8',
  );
}

/** The first field of a requested column holding invalid UTF-8 (a quote-aware walk over the rows), or null. */
function firstBadField(b: Uint8Array, plan: PartitionPlan): { rowStart: number; fieldStart: number; field: number } | null {
  const wanted = new Set(plan.columns.map((c) => c.field));
  const delim = new TextEncoder().encode(plan.dialect.delimiter);
  const comment = plan.dialect.comment === null ? null : new TextEncoder().encode(plan.dialect.comment);
  const Q = plan.dialect.quoteChar.charCodeAt(0);
  let rowStart = 0;
  let fieldStart = 0;
  let field = 0;
  let inQuotes = false;
  const bad = (end: number): boolean => wanted.has(field) && !isUtf8(b.subarray(fieldStart, end));
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (inQuotes) {
      if (c === Q) {
        if (b[i + 1] === Q) i++;
        else inQuotes = false;
      }
      continue;
    }
    if (i === rowStart && comment !== null && startsWith(b, i, comment)) {
      const nl = b.indexOf(NL, i);
      i = nl < 0 ? b.length : nl;
      rowStart = fieldStart = i + 1;
      continue;
    }
    if (c === Q && i === fieldStart) inQuotes = true;
    else if (c === NL) {
      if (bad(i)) return { rowStart, fieldStart, field };
      rowStart = fieldStart = i + 1;
      field = 0;
    } else if (c === delim[0] && startsWith(b, i, delim)) {
      if (bad(i)) return { rowStart, fieldStart, field };
      i += delim.length - 1;
      fieldStart = i + 1;
      field++;
    }
  }
  return fieldStart < b.length && bad(b.length) ? { rowStart, fieldStart, field } : null;
}

function startsWith(b: Uint8Array, p: number, prefix: Uint8Array): boolean {
  if (p + prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[p + i] !== prefix[i]) return false;
  return true;
}
