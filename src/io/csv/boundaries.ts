// Quote-aware row boundaries. A byte range of a CSV file starts at a row start only if the newline before it
// is outside quotes, which depends on every quote since the start of the file: a quoted field may hold
// newlines. So the quote state is tracked from a known row start, jumping from quote to quote with indexOf
// (memchr speed when quotes are rare); newlines are only searched for near the requested offsets.

const NL = 10;
/** Read chunk size for file scans: big enough to amortise syscalls, small enough to stay in cache. */
const CHUNK = 4 << 20;

export interface QuoteDialect {
  /** Byte of the quote character. */
  readonly quote: number;
  /** Last byte of the delimiter: a quote right after it (or after a newline) opens a quoted field. */
  readonly delimLast: number;
}

/** Gives a view of the bytes starting at `pos` (any non-empty length), or an empty view at the end. */
export type ChunkReader = (pos: number) => Uint8Array;

export function bufferReader(bytes: Uint8Array): ChunkReader {
  return (pos) => bytes.subarray(pos);
}

/** Reads a file in CHUNK-sized pieces into one reused buffer. */
export function fileReader(fd: number, size: number, readSync: (fd: number, b: Uint8Array, o: number, l: number, p: number) => number): ChunkReader {
  const buf = new Uint8Array(CHUNK);
  return (pos) => {
    if (pos >= size) return buf.subarray(0, 0);
    const n = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
    return buf.subarray(0, Math.max(0, n));
  };
}

/**
 * For each target offset (ascending), the first row start >= target, scanning from `from` (a row start,
 * outside quotes) up to `end`. A row start is `from` or the byte after a newline outside quotes; targets
 * with no row start before `end` map to `end`.
 */
export function rowStartsAtOrAfter(read: ChunkReader, from: number, end: number, targets: readonly number[], d: QuoteDialect): number[] {
  const out: number[] = [];
  let ti = 0;
  while (ti < targets.length && targets[ti]! <= from) out[ti++] = from;
  let inQuotes = false;
  let prev = NL; // byte before the scan position: `from` is a row start
  let pendingQuote = false; // a quote ended the previous chunk while in quotes: is it doubled?
  let base = from;
  while (ti < targets.length && base < end) {
    const chunk = read(base);
    const n = Math.min(chunk.length, end - base);
    if (n <= 0) break;
    let pos = 0;
    if (pendingQuote) {
      pendingQuote = false;
      if (chunk[0] === d.quote) pos = 1;
      else inQuotes = false;
    }
    let nextQuote = -2; // cached position of the next quote at or after pos (-1: none in chunk)
    while (pos < n && ti < targets.length) {
      if (nextQuote < pos && nextQuote !== -1) nextQuote = indexIn(chunk, d.quote, pos, n);
      if (inQuotes) {
        if (nextQuote === -1) break;
        const q = nextQuote;
        if (q + 1 >= n) {
          pendingQuote = base + n < end;
          if (!pendingQuote) inQuotes = false;
          pos = n;
        } else if (chunk[q + 1] === d.quote) {
          pos = q + 2; // doubled quote: a literal quote inside the field
        } else {
          inQuotes = false;
          pos = q + 1;
        }
        continue;
      }
      const want = Math.max(pos, targets[ti]! - 1 - base);
      const nl = want < n ? indexIn(chunk, NL, want, n) : -1;
      if (nextQuote !== -1 && (nl === -1 || nextQuote < nl)) {
        const q = nextQuote;
        const before = q > 0 ? chunk[q - 1] : prev;
        if (before === d.delimLast || before === NL) inQuotes = true; // a quote elsewhere is literal text
        pos = q + 1;
        continue;
      }
      if (nl === -1) break;
      const start = base + nl + 1;
      while (ti < targets.length && targets[ti]! <= start) out[ti++] = start;
      pos = nl + 1;
    }
    prev = chunk[n - 1]!;
    base += n;
  }
  while (ti < targets.length) out[ti++] = end;
  return out;
}

function indexIn(chunk: Uint8Array, byte: number, from: number, n: number): number {
  const i = chunk.indexOf(byte, from);
  return i >= n ? -1 : i;
}

/** End of the row starting at `from` in an in-memory buffer: the byte after its closing newline (or the end). */
export function rowEnd(bytes: Uint8Array, from: number, d: QuoteDialect): number {
  return rowStartsAtOrAfter(bufferReader(bytes), from, bytes.length, [from + 1], d)[0]!;
}
