// Row ends for text handed to papaparse, which takes ONE newline: both `\n` and `\r\n` end a row (as in the
// fast parser), so a `\r` right before a `\n` (or ending the text) outside a quoted field is removed first.

import type { Dialect } from './dialect.ts';

export interface LfText {
  /** The text with every row-ending `\r\n` (and a final `\r`) turned into `\n` (or nothing). */
  readonly text: string;
  /** Ascending indices in `text` before which a `\r` was removed: maps offsets back to the input's. */
  readonly removed: readonly number[];
}

/**
 * The text with LF row ends, to be parsed with `newline: '\n'`. Quote-aware like the parsers: a quote opens
 * a quoted field only at a field start, and a `\r\n` inside one is data; comment lines are left alone.
 */
export function lfRowEnds(text: string, dialect: Dialect): LfText {
  if (text.indexOf('\r') < 0) return { text, removed: [] };
  const { delimiter: D, quoteChar: Q, comment } = dialect;
  const d0 = D.charCodeAt(0);
  const parts: string[] = [];
  const removed: number[] = [];
  const n = text.length;
  let from = 0; // first input index not yet copied to parts
  let out = 0; // length of the output so far
  let i = 0;
  let rowStart = true;
  let fieldStart = true;
  while (i < n) {
    if (rowStart && comment && text.startsWith(comment, i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (fieldStart && text.startsWith(Q, i)) {
      let j = i + Q.length;
      for (;;) {
        const k = text.indexOf(Q, j);
        if (k < 0) { j = n; break; }
        if (text.startsWith(Q, k + Q.length)) { j = k + 2 * Q.length; continue; } // a doubled quote
        j = k + Q.length;
        break;
      }
      i = j;
      rowStart = fieldStart = false;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 13 && (i + 1 === n || text.charCodeAt(i + 1) === 10)) {
      parts.push(text.slice(from, i));
      out += i - from;
      removed.push(out);
      from = ++i;
    } else if (c === 10) {
      i++;
      rowStart = fieldStart = true;
    } else if (c === d0 && text.startsWith(D, i)) {
      i += D.length;
      fieldStart = true;
      rowStart = false;
    } else {
      i++;
      rowStart = fieldStart = false;
    }
  }
  parts.push(text.slice(from));
  return { text: parts.join(''), removed };
}

/** The input's index of an index into `lf.text` (counting the `\r`s removed before it). */
export function inputIndex(lf: LfText, index: number): number {
  let lo = 0;
  let hi = lf.removed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lf.removed[mid]! <= index) lo = mid + 1;
    else hi = mid;
  }
  return index + lo;
}
