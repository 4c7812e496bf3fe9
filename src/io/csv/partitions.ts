// Cutting each file into row-aligned byte ranges (partitions) and choosing the ranges sampled for type
// inference. Compressed files cannot be split: one partition each.
//
// Where a row starts depends on every quote since the start of the file (a quoted field may hold newlines),
// so an exact cut needs a quote-aware scan of the whole file, which costs a full read (~0.4 s per GB here).
// Most files hold no quote character at all. So each file is first cut at the first newline after each
// target (a few small reads), and its samples (start + 3 spread ranges) are checked for the quote
// character: if any holds one, the file gets the exact scan at once. Otherwise its partitions carry
// `checkQuotes`: each task looks for the quote character in its own bytes (memchr speed) and raises a
// CsvBoundaryConflict if it finds one; the source then re-cuts that file with the exact scan (same
// targets, same partition count) and the compute restarts. Every byte of the file belongs to one
// partition, so a file whose tasks all pass had no quote, and newline cuts were exact.

import * as fs from 'node:fs';
import { fileReader, rowStartsAtOrAfter } from './boundaries.ts';
import { type Dialect, quoteDialect } from './dialect.ts';
import type { FileLayout } from './layout.ts';
import type { ResolvedCsvOptions } from './options.ts';

export interface ByteRange {
  readonly start: number;
  /** Exclusive; -1 = to the end of the (decompressed) content. */
  readonly end: number;
}

/** A partition: its range and the target offset its start was found from (the exact re-cut reuses it). */
export interface PartitionRange extends ByteRange {
  readonly cut: number;
}

export interface FileRanges {
  readonly partitions: PartitionRange[];
  /** True when the cuts assume the file holds no quote character: tasks must check (see above). */
  readonly checkQuotes: boolean;
  /** Sampled ranges; `truncated` when the range ends mid-file at an arbitrary byte (its last row is dropped). */
  readonly samples: (ByteRange & { truncated: boolean })[];
}

/** Spread-out sample ranges per file besides its start (at 1/4, 2/4, 3/4 of the data). */
const SPREAD = 3;
/** Thresholds of the newline-cut shortcut; tests lower them to exercise it on small files. */
export const cutTuning = {
  /**
   * Bytes before each sample of a newline-cut file that must hold no quote either: a sample starting inside a
   * quoted field would have its text typed as rows, and such a start needs a quote before it. This covers
   * every small file whole, and quoted fields up to this long in big ones (a few small reads per file).
   */
  lookback: 256 << 10,
};

export function fileRanges(layout: FileLayout, dialect: Dialect, opts: ResolvedCsvOptions): FileRanges {
  if (layout.empty) return { partitions: [], samples: [], checkQuotes: false };
  const start = layout.dataStart;
  if (layout.file.compression !== 'none') {
    const sample = opts.sampleBytes === 'full' ? { start, end: -1, truncated: false } : { start, end: start + opts.sampleBytes, truncated: true };
    return { partitions: [{ start, end: -1, cut: start }], samples: [sample], checkQuotes: false };
  }
  const size = layout.file.size;
  const cuts: number[] = [];
  for (let b = start + opts.blocksize; b < size; b += opts.blocksize) cuts.push(b);
  const sampleSize = opts.sampleBytes === 'full' ? 0 : Math.max(1, Math.floor(opts.sampleBytes / 4));
  const spread: number[] = [];
  if (opts.sampleBytes !== 'full' && size - start > opts.sampleBytes * 2) {
    for (let j = 1; j <= SPREAD; j++) spread.push(start + Math.floor(((size - start) * j) / (SPREAD + 1)));
  }
  const targets = [...cuts, ...spread].sort((a, b) => a - b);
  const quote = quoteDialect(dialect).quote;
  if (opts.sampleBytes !== 'full' && targets.length > 0) {
    // Newline cuts, kept only if no sampled byte is a quote, nor any byte in a window before each sample
    // (a sample starting inside a quoted field would classify the field's text as rows).
    const fd = fs.openSync(layout.file.path, 'r');
    try {
      const starts = targets.map((t) => newlineRowStart(fd, size, start, t));
      const ranges = layoutRanges(start, size, cuts, spread, targets, starts, opts, sampleSize);
      const quoted = ranges.samples.some((r) => rangeHas(fd, Math.max(start, r.start - cutTuning.lookback), r.end, quote));
      if (!quoted) return { ...ranges, checkQuotes: ranges.partitions.length > 1 };
    } finally {
      fs.closeSync(fd);
    }
  }
  return { ...layoutRanges(start, size, cuts, spread, targets, scanRowStarts(layout.file.path, size, start, targets, dialect), opts, sampleSize), checkQuotes: false };
}

function layoutRanges(start: number, size: number, cuts: number[], spread: number[], targets: number[], starts: number[],
  opts: ResolvedCsvOptions, sampleSize: number): Omit<FileRanges, 'checkQuotes'> {
  const at = new Map(targets.map((t, i) => [t, starts[i]!]));
  const bounds = [start, ...cuts.map((c) => at.get(c)!), size];
  const from = [start, ...cuts];
  const partitions: PartitionRange[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (bounds[i + 1]! > bounds[i]!) partitions.push({ start: bounds[i]!, end: bounds[i + 1]!, cut: from[i]! });
  }
  if (opts.sampleBytes === 'full') return { partitions, samples: partitions.map((p) => ({ start: p.start, end: p.end, truncated: false })) };
  const samples = [{ start, end: Math.min(size, start + opts.sampleBytes), truncated: start + opts.sampleBytes < size }];
  for (const t of spread) {
    const s = at.get(t)!;
    if (s < size && s >= samples[samples.length - 1]!.end) samples.push({ start: s, end: Math.min(size, s + sampleSize), truncated: s + sampleSize < size });
  }
  return { partitions, samples };
}

/**
 * Exact partition starts of one file from a quote-aware scan, for the partitions' `cut` targets (the first
 * partition's cut is the data start). Keeps one range per partition, so the count does not change: a cut
 * inside a long quoted field gives an empty range.
 */
export function exactRanges(path: string, size: number, parts: readonly PartitionRange[], dialect: Dialect): PartitionRange[] {
  if (parts.length === 0) return [];
  const dataStart = parts[0]!.cut;
  const starts = [dataStart, ...scanRowStarts(path, size, dataStart, parts.slice(1).map((p) => p.cut), dialect)];
  return parts.map((p, i) => ({ start: starts[i]!, end: i + 1 < parts.length ? starts[i + 1]! : size, cut: p.cut }));
}

const WINDOW = 64 * 1024;

/** First byte after a newline at or after target - 1 (or `size`), reading small windows: not quote-aware. */
function newlineRowStart(fd: number, size: number, from: number, target: number): number {
  if (target <= from) return from;
  const buf = Buffer.allocUnsafe(WINDOW);
  for (let pos = target - 1; pos < size; pos += WINDOW) {
    const n = fs.readSync(fd, buf, 0, Math.min(WINDOW, size - pos), pos);
    if (n <= 0) break;
    const nl = buf.indexOf(10);
    if (nl >= 0 && nl < n) return pos + nl + 1;
  }
  return size;
}

function rangeHas(fd: number, start: number, end: number, byte: number): boolean {
  const buf = Buffer.allocUnsafe(Math.min(WINDOW * 4, Math.max(1, end - start)));
  for (let pos = start; pos < end; ) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
    if (n <= 0) break;
    const i = buf.indexOf(byte);
    if (i >= 0 && i < n) return true;
    pos += n;
  }
  return false;
}

function scanRowStarts(path: string, size: number, from: number, targets: number[], dialect: Dialect): number[] {
  if (targets.length === 0) return [];
  const fd = fs.openSync(path, 'r');
  try {
    return rowStartsAtOrAfter(fileReader(fd, size, fs.readSync), from, size, targets, quoteDialect(dialect));
  } finally {
    fs.closeSync(fd);
  }
}
