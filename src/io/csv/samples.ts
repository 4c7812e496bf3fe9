// Reading the byte ranges sampled for type inference. A range is cut at an arbitrary byte, so it is
// extended to the end of the row it cuts: every sampled row is complete and none is dropped.

import { bufferReader, rowStartsAtOrAfter } from './boundaries.ts';
import { type Dialect, quoteDialect } from './dialect.ts';
import { type CsvFile, readHead, readRange } from './files.ts';
import type { ByteRange } from './partitions.ts';

/** A row longer than this past the sample's end is not chased further: the sample's last row is dropped. */
const MAX_EXTENSION = 64 << 20;

export interface SampleBytes {
  readonly bytes: Uint8Array;
  /** True when the last row is incomplete (a row longer than MAX_EXTENSION): the caller drops it. */
  readonly truncated: boolean;
}

/**
 * Bytes of a sample range starting at a row start, extended to the first row start at or after its end
 * (quote-aware: a newline inside a quoted field does not end a row), or to the end of the content.
 */
export function readSample(file: CsvFile, range: ByteRange & { truncated: boolean }, dialect: Dialect): SampleBytes {
  const read = (start: number, end: number): Uint8Array =>
    file.compression === 'none' ? readRange(file.path, start, end) : readHead(file, end).subarray(start);
  if (!range.truncated || range.end < 0) return { bytes: read(range.start, range.end < 0 ? Number.MAX_SAFE_INTEGER : range.end), truncated: false };
  const target = range.end - range.start;
  const qd = quoteDialect(dialect);
  for (let want = target; ; want = Math.min(target + MAX_EXTENSION, want * 4)) {
    const bytes = read(range.start, range.start + want);
    if (bytes.length < want) return { bytes, truncated: false }; // the rest of the content
    // Searching up to one byte past the buffer tells "a row starts right at its end" from "none found".
    const rowStart = rowStartsAtOrAfter(bufferReader(bytes), 0, bytes.length + 1, [target], qd)[0]!;
    if (rowStart <= bytes.length) return { bytes: bytes.subarray(0, rowStart), truncated: false };
    if (want >= target + MAX_EXTENSION) return { bytes, truncated: true };
  }
}
