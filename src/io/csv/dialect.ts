// The dialect of a set of CSV files: delimiter (sniffed from the first rows when not given), quote, comment prefix,
// and whether the byte-level fast parser can read it (single-byte delimiter and quote).

import { papa } from '../lazy-packages.ts';
import type { QuoteDialect } from './boundaries.ts';
import type { ResolvedCsvOptions } from './options.ts';

export interface Dialect {
  readonly delimiter: string;
  readonly quoteChar: string;
  readonly comment: string | null;
}

/** Delimiters the sniffer chooses among, in order of preference on a tie (comma first). */
const CANDIDATES = [',', '\t', ';', '|', '\x1e', '\x1f'];
/** Rows looked at when sniffing. */
const SNIFF_ROWS = 50;

export function resolveDialect(opts: ResolvedCsvOptions, sampleText: string): Dialect {
  return {
    delimiter: opts.delimiter ?? sniffDelimiter(sampleText, opts.quoteChar, opts.comment),
    quoteChar: opts.quoteChar,
    comment: opts.comment,
  };
}

/**
 * The delimiter that splits the first row (the header) into more than one field and the most following
 * rows into as many fields as the header; ties go to the earlier candidate, so comma wins them, except in a
 * header-only text, where no row can judge: there the candidate giving the header most fields wins
 * (`c0|c1|x;y` splits at `|`). Blank lines
 * (a trailing newline too) are not rows. Values holding another candidate (`1,x;y;z`) do not mislead it:
 * the header has one field for that candidate, or the rows disagree with it.
 */
export function sniffDelimiter(text: string, quoteChar: string, comment: string | null): string {
  const ended = /\n\s*$/.test(text);
  let best = ',';
  let bestScore = -1;
  let bestFields = 0;
  for (const d of CANDIDATES) {
    const res = papa().parse<string[]>(text, {
      delimiter: d, quoteChar, escapeChar: quoteChar, comments: comment ?? false, skipEmptyLines: true, preview: SNIFF_ROWS + 1,
    });
    // The sniffed text may end mid-row: its last row only counts when the text ends with a newline.
    const rows = ended || res.data.length <= 2 ? res.data : res.data.slice(0, -1);
    const header = rows[0]?.length ?? 0;
    if (header < 2) continue;
    const agree = rows.filter((r) => r.length === header).length;
    const score = agree / rows.length;
    const headerOnly = rows.length === 1;
    if (score > bestScore || (headerOnly && score === bestScore && header > bestFields)) {
      best = d;
      bestScore = score;
      bestFields = header;
    }
  }
  return best;
}

/** The fast parser works on bytes: delimiter and quote must each be one byte (ASCII). */
export function fastPathAllowed(d: Dialect): boolean {
  return d.delimiter.length === 1 && d.delimiter.charCodeAt(0) < 128 && d.quoteChar.charCodeAt(0) < 128;
}

export function quoteDialect(d: Dialect): QuoteDialect {
  const delim = Buffer.from(d.delimiter, 'utf8');
  return { quote: d.quoteChar.charCodeAt(0), delimLast: delim[delim.length - 1]! };
}
