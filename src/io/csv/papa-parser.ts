// The general path: papaparse tokenises the partition's text (any delimiter, multi-character ones too)
// and values are converted from JS strings with values.ts. Same contract and builders as the fast path.

import { papa } from '../lazy-packages.ts';
import type { BigIntBuilder, BoolBuilder, ColumnBuilder, DictBuilder, Float64Builder, Int32Builder, Utf8Builder } from './builders.ts';
import { makeBuilder } from './builders.ts';
import type { OutColumn, ParsedColumns, PartitionPlan } from './plan.ts';
import type { RowProblems } from './problems.ts';
import { inputIndex, lfRowEnds } from './row-ends.ts';
import { isStringNumberText, parseBool, parseDate, parseFloat64, parseInt32, parseInt64, parseFormatted, parseTimestamp } from './values.ts';

const decoder = new TextDecoder();

export function parsePapa(bytes: Uint8Array, plan: PartitionPlan, problems: RowProblems): ParsedColumns {
  // Rows end at `\n` and at `\r\n` alike, as in the fast parser (a file may mix them).
  const raw = decoder.decode(bytes);
  const lf = lfRowEnds(raw, plan.dialect);
  const text = lf.text;
  const capacity = Math.ceil((bytes.length / Math.max(1, plan.rowBytes)) * 1.1) + 16;
  const builders = plan.columns.map((c) => makeBuilder(c.kind, c.dictId, capacity, Math.ceil(bytes.length / Math.max(1, plan.columns.length))));
  const na = new Set(plan.naValues);
  // Char offsets from papaparse become byte offsets (for error messages) only when a row fails.
  const byteOffset = (charIndex: number): number => Buffer.byteLength(raw.slice(0, inputIndex(lf, charIndex)));
  let rowStartChar = 0;
  let rows = 0;
  papa().parse<string[]>(text, {
    delimiter: plan.dialect.delimiter,
    quoteChar: plan.dialect.quoteChar,
    escapeChar: plan.dialect.quoteChar,
    comments: plan.dialect.comment ?? false,
    newline: '\n',
    // Only a line with no bytes is blank: papaparse's skipEmptyLines would also drop a row holding just `""`.
    skipEmptyLines: false,
    step(results) {
      const fields = results.data;
      const at = rowStartChar;
      rowStartChar = results.meta.cursor;
      if (fields.length === 1 && fields[0] === '' && !text.startsWith(plan.dialect.quoteChar, at)) return;
      if (results.errors.length > 0) {
        problems.badLine(byteOffset(at), fields.length, `broken quoting (${results.errors[0]!.message})`);
      } else if (fields.length !== plan.nfields) {
        problems.badLine(byteOffset(at), fields.length, null);
      } else {
        convertRow(fields, plan.columns, builders, na, () => byteOffset(at), problems);
        rows++;
      }
    },
  });
  return { builders, rows };
}

function convertRow(fields: string[], columns: readonly OutColumn[], builders: ColumnBuilder[], na: Set<string>, offset: () => number, problems: RowProblems): void {
  for (let ci = 0; ci < columns.length; ci++) {
    const col = columns[ci]!;
    const builder = builders[ci]!;
    const text = col.field < 0 ? '' : fields[col.field]!;
    if (col.field < 0 || na.has(text)) builder.appendNull();
    else if (!appendValue(text, col, builder)) problems.badValue(offset(), col, text);
  }
}

function appendValue(text: string, col: OutColumn, builder: ColumnBuilder): boolean {
  const numeric = col.kind === 'float64' || col.kind === 'int32' || col.kind === 'int64';
  if (numeric && !col.forced && isStringNumberText(text)) return false;
  switch (col.kind) {
    case 'float64': return appendIf(parseFloat64(text), (v) => (builder as Float64Builder).append(v));
    case 'int32': return appendIf(parseInt32(text), (v) => (builder as Int32Builder).append(v));
    case 'int64': return appendIf(parseInt64(text), (v) => (builder as BigIntBuilder).appendBigInt(v));
    case 'bool': return appendIf(parseBool(text), (v) => (builder as BoolBuilder).append(v));
    case 'date': return appendIf(parseDate(text), (v) => (builder as Int32Builder).append(v));
    case 'timestamp': return appendIf(col.format === undefined ? parseTimestamp(text) : parseFormatted(text, col.format), (v) => (builder as BigIntBuilder).appendBigInt(BigInt(v)));
    case 'category':
      (builder as DictBuilder).appendString(text);
      return true;
    case 'string':
      (builder as Utf8Builder).appendString(text);
      return true;
  }
}

function appendIf<T>(v: T | undefined, append: (v: T) => void): boolean {
  if (v === undefined) return false;
  append(v);
  return true;
}
