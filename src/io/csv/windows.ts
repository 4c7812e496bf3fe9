// Reading one partition of an uncompressed file in windows of whole rows, so its raw bytes are never all
// resident (a 64 MiB partition in 8 MiB windows: one window per worker, not the partition). Each window
// ends at a row end that the parser itself would find there, so parsing the windows one after another
// gives exactly the rows of parsing the partition in one piece; the incomplete last row of a window is
// carried to the front of the next one (a row longer than a window makes the window grow to hold it).

import { readFully } from '../read-fully.ts';

const NL = 10;
const CR = 13;

/** Window size; tests shrink it to a few bytes (TESSERA_CSV_WINDOW_BYTES reaches worker threads too). */
export const windowTuning = {
  bytes: Number(process.env.TESSERA_CSV_WINDOW_BYTES) > 0 ? Math.floor(Number(process.env.TESSERA_CSV_WINDOW_BYTES)) : 8 << 20,
};

/** The bytes that decide where rows end. */
export interface RowSyntax {
  readonly quote: number;
  readonly delimiter: number;
  /** The comment prefix's bytes, or null. */
  readonly comment: Uint8Array | null;
}

/**
 * Where the complete rows of `b` end: the byte after the last row that the fast parser (fast-parser.ts
 * `tokenize`) would end with a newline inside `b`, reading from offset 0, a row start. 0 when no row is
 * complete yet. It follows the parser's rules, not the partitioner's: a quote opens a quoted field only at
 * a field start; doubled quotes are literal; text after a closing quote makes the rest of the line (to the
 * next newline, quotes or not) one bad line; a comment line ends at its first newline. Wherever the answer
 * would depend on bytes after `b` (a quote, CR or comment prefix at the very end, an unclosed quote), the
 * rows from there on count as incomplete.
 */
export function completeRowsEnd(b: Uint8Array, syntax: RowSyntax, quoteFree: boolean): number {
  const n = b.length;
  // Without a quote character every newline ends a row (comment lines included).
  if (quoteFree) return Buffer.from(b.buffer, b.byteOffset, n).lastIndexOf(NL) + 1;
  const { quote: Q, delimiter: D, comment } = syntax;
  let p = 0;
  let last = 0;
  rows: while (p < n) {
    const c0 = b[p]!;
    if (c0 === NL) { last = ++p; continue; }
    if (c0 === CR) {
      if (p + 1 >= n) break;
      if (b[p + 1] === NL) { last = p += 2; continue; }
    }
    if (comment !== null) {
      if (p + comment.length > n) break;
      if (startsWith(b, p, comment)) {
        const nl = b.indexOf(NL, p);
        if (nl < 0) break;
        last = p = nl + 1;
        continue;
      }
    }
    for (;;) {
      if (b[p] === Q) {
        let q = p + 1;
        for (;;) {
          q = b.indexOf(Q, q);
          if (q < 0 || q + 1 >= n) break rows; // not closed yet, or a closing quote whose next byte decides
          if (b[q + 1] !== Q) break;
          q += 2;
        }
        p = q + 1;
        if (b[p] === CR) {
          if (p + 1 >= n) break rows;
          if (b[p + 1] === NL) p++;
        }
        if (b[p] !== D && b[p] !== NL) { // a bad line: it runs to the next newline
          const nl = b.indexOf(NL, p);
          if (nl < 0) break rows;
          last = p = nl + 1;
          continue rows;
        }
      } else {
        while (p < n && b[p] !== D && b[p] !== NL) p++;
        if (p >= n) break rows;
      }
      if (b[p] === D) {
        p++;
        if (p >= n) break rows;
        continue;
      }
      last = ++p; // the newline ending the row
      continue rows;
    }
  }
  return last;
}

function startsWith(b: Uint8Array, p: number, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (b[p + i] !== prefix[i]) return false;
  return true;
}

/**
 * Read bytes [start, end) of an open file window by window and hand `use` each run of whole rows with its
 * offset from `start` and whether it holds no quote character. `buffer(length)` gives the memory to read
 * into (at least `length` bytes, from offset 0; its contents need not survive between calls); `use` may
 * overwrite the bytes after its rows. A file shorter than `end` ends the partition where it ends.
 */
export function readWindows(
  fd: number, start: number, end: number, syntax: RowSyntax, windowBytes: number,
  buffer: (length: number) => Uint8Array,
  use: (rows: Uint8Array, offset: number, quoteFree: boolean) => void,
): void {
  let tail = new Uint8Array(0); // the incomplete row(s) carried to the next window
  let carry = 0;
  let pos = start;
  let offset = 0;
  for (;;) {
    const want = Math.max(0, Math.min(windowBytes, end - pos));
    const buf = buffer(carry + want);
    if (carry > 0) buf.set(tail.subarray(0, carry));
    const got = want > 0 ? readFully(fd, buf, carry, want, pos) : 0;
    pos += got;
    const n = carry + got;
    const final = pos >= end || got < want;
    const bytes = buf.subarray(0, n);
    const quoteFree = Buffer.from(bytes.buffer, bytes.byteOffset, n).indexOf(syntax.quote) < 0;
    const cut = final ? n : completeRowsEnd(bytes, syntax, quoteFree);
    const rest = n - cut;
    if (rest > 0) {
      if (tail.length < rest) tail = new Uint8Array(Math.max(rest, Math.min(2 * tail.length, windowBytes)));
      tail.set(bytes.subarray(cut, n));
    }
    carry = rest;
    if (cut > 0) {
      // A run with no quote in the window has none in its rows either; with one, the rows may still be free of it.
      use(bytes.subarray(0, cut), offset, quoteFree);
      offset += cut;
    }
    if (final) return;
  }
}
