// Cutting each file into row-aligned byte ranges (partitions) and choosing the ranges sampled for type
// inference, both from ONE quote-aware scan per file. Compressed files cannot be split: one partition each.

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

export interface FileRanges {
  readonly partitions: ByteRange[];
  /** Sampled ranges; `truncated` when the range ends mid-file at an arbitrary byte (its last row is dropped). */
  readonly samples: (ByteRange & { truncated: boolean })[];
}

/** Spread-out sample ranges per file besides its start (at 1/4, 2/4, 3/4 of the data). */
const SPREAD = 3;

export function fileRanges(layout: FileLayout, dialect: Dialect, opts: ResolvedCsvOptions): FileRanges {
  if (layout.empty) return { partitions: [], samples: [] };
  const start = layout.dataStart;
  if (layout.file.compression !== 'none') {
    const sample = opts.sampleBytes === 'full' ? { start, end: -1, truncated: false } : { start, end: start + opts.sampleBytes, truncated: true };
    return { partitions: [{ start, end: -1 }], samples: [sample] };
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
  const starts = scanRowStarts(layout.file.path, size, start, targets, dialect);
  const at = new Map(targets.map((t, i) => [t, starts[i]!]));
  const bounds = [start, ...cuts.map((c) => at.get(c)!), size];
  const partitions: ByteRange[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (bounds[i + 1]! > bounds[i]!) partitions.push({ start: bounds[i]!, end: bounds[i + 1]! });
  }
  if (opts.sampleBytes === 'full') return { partitions, samples: partitions.map((p) => ({ ...p, truncated: false })) };
  const samples = [{ start, end: Math.min(size, start + opts.sampleBytes), truncated: start + opts.sampleBytes < size }];
  for (const t of spread) {
    const s = at.get(t)!;
    if (s < size && s >= samples[samples.length - 1]!.end) samples.push({ start: s, end: Math.min(size, s + sampleSize), truncated: s + sampleSize < size });
  }
  return { partitions, samples };
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
