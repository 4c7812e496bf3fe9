// The dialect of a set of CSV files: delimiter (sniffed by papaparse when not given), quote, comment prefix,
// and whether the byte-level fast parser can read it (single-byte delimiter and quote).

import Papa from 'papaparse';
import type { QuoteDialect } from './boundaries.ts';
import type { ResolvedCsvOptions } from './options.ts';

export interface Dialect {
  readonly delimiter: string;
  readonly quoteChar: string;
  readonly comment: string | null;
}

/** Delimiters papaparse chooses among when sniffing (its own default list plus the ASCII separators). */
const CANDIDATES = [',', '\t', '|', ';', Papa.RECORD_SEP, Papa.UNIT_SEP];

export function resolveDialect(opts: ResolvedCsvOptions, sampleText: string): Dialect {
  return {
    delimiter: opts.delimiter ?? sniffDelimiter(sampleText, opts.quoteChar, opts.comment),
    quoteChar: opts.quoteChar,
    comment: opts.comment,
  };
}

/** papaparse scores each candidate by how consistent the field counts are over the first rows. */
export function sniffDelimiter(text: string, quoteChar: string, comment: string | null): string {
  if (text.length === 0) return ',';
  const res = Papa.parse<string[]>(text, {
    preview: 50,
    quoteChar,
    comments: comment ?? false,
    delimitersToGuess: CANDIDATES,
  } as Papa.ParseConfig<string[]>);
  const d = res.meta.delimiter;
  return typeof d === 'string' && d.length > 0 ? d : ',';
}

/** The fast parser works on bytes: delimiter and quote must each be one byte (ASCII). */
export function fastPathAllowed(d: Dialect): boolean {
  return d.delimiter.length === 1 && d.delimiter.charCodeAt(0) < 128 && d.quoteChar.charCodeAt(0) < 128;
}

export function quoteDialect(d: Dialect): QuoteDialect {
  const delim = Buffer.from(d.delimiter, 'utf8');
  return { quote: d.quoteChar.charCodeAt(0), delimLast: delim[delim.length - 1]! };
}
