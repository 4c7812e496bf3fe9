// Building a CsvSource synchronously, as Dask does at graph-build time: stat the files, sniff the dialect,
// read each header, cut row-aligned partitions, sample every file and fix one schema for all partitions.

import { tokenize } from '../../scheduler/tokenize.ts';
import type { ColumnKind } from './builders.ts';
import { type Dialect, fastPathAllowed, resolveDialect } from './dialect.ts';
import { CsvFileError, CsvOptionError } from './errors.ts';
import { type CsvFile, resolveFiles } from './files.ts';
import { ColumnStats, type SampleTotals, addSample, resolveKind } from './infer.ts';
import { type FileLayout, fileLayout, headText } from './layout.ts';
import { type CsvOptions, type ResolvedCsvOptions, resolveOptions } from './options.ts';
import { type FileRanges, fileRanges } from './partitions.ts';
import { readSample } from './samples.ts';
import { CsvSource, type CsvSourceDescription, type SchemaColumn } from './source.ts';

export function csvSource(input: string | readonly string[], options: CsvOptions = {}): CsvSource {
  const opts = resolveOptions(options);
  const files = resolveFiles(input);
  const dialect = resolveDialect(opts, firstText(files, opts));
  const engine = chooseEngine(opts, dialect);
  const layouts = files.map((f) => fileLayout(f, dialect, opts));
  const { names, fieldOf } = alignColumns(layouts, opts);
  const ranges = layouts.map((l) => fileRanges(l, dialect, opts));
  const totals: SampleTotals = { bytes: 0, rows: 0 };
  checkColumnOptions(names, opts);
  const stats = sampleAll(layouts, ranges, names, fieldOf, dialect, opts, totals);
  const columns = schemaColumns(stats, opts);
  const keep = opts.columns?.filter((c) => c !== opts.pathColumn) ?? null;
  const projected = keep ? keep.map((c) => columns[names.indexOf(c)]!) : columns;
  const projectedFieldOf = fieldOf.map((fo) => (keep ? keep.map((c) => fo[names.indexOf(c)]!) : fo));
  const description: CsvSourceDescription = {
    token: tokenize('read-csv', files.map((f) => [f.path, f.size, f.mtimeMs]), opts),
    columns: projected,
    files: layouts.map((l, i) => ({
      path: l.file.path, compression: l.file.compression, size: l.file.size, mtimeMs: l.file.mtimeMs, nfields: l.names.length, newline: l.newline,
      fieldOf: projectedFieldOf[i]!, checkQuotes: ranges[i]!.checkQuotes,
    })),
    parts: partsOf(layouts, ranges),
    dialect, naValues: opts.naValues, onBadLines: opts.onBadLines, pathColumn: opts.pathColumn, engine, encodingErrors: opts.encodingErrors,
    rowBytes: totals.rows > 0 ? Math.max(1, totals.bytes / totals.rows) : 64,
    blocksize: opts.blocksize,
  };
  return new CsvSource(description);
}

function firstText(files: readonly CsvFile[], opts: ResolvedCsvOptions): string {
  if (opts.delimiter !== null) return '';
  for (const f of files) {
    const text = headText(f);
    if (text.trim().length > 0) return text.split('\n').slice(opts.skipRows).join('\n');
  }
  return '';
}

function chooseEngine(opts: ResolvedCsvOptions, dialect: Dialect): 'fast' | 'papaparse' {
  const allowed = fastPathAllowed(dialect);
  if (opts.engine === 'fast' && !allowed) {
    throw new CsvOptionError(`engine 'fast' needs a one-byte ASCII delimiter and quote; got delimiter ${JSON.stringify(dialect.delimiter)}: use engine 'auto' or 'papaparse'`);
  }
  if (opts.engine === 'papaparse') return 'papaparse';
  return allowed ? 'fast' : 'papaparse';
}

/** One column list for all files: identical headers, or (alignColumns: 'byName') the union in first-seen order. */
function alignColumns(layouts: readonly FileLayout[], opts: ResolvedCsvOptions): { names: string[]; fieldOf: number[][] } {
  const nonEmpty = layouts.filter((l) => !l.empty);
  if (nonEmpty.length === 0) {
    if (!opts.names) {
      throw new CsvFileError(`no columns: ${layouts.length === 1 ? `'${layouts[0]!.file.path}' is` : `all ${layouts.length} files are`} empty (no header row); pass options.names to read them as an empty frame`);
    }
    return { names: [...opts.names], fieldOf: layouts.map(() => opts.names!.map(() => -1)) };
  }
  const first = nonEmpty[0]!;
  const names = [...first.names];
  for (const l of nonEmpty) {
    if (sameList(l.names, first.names)) continue;
    if (opts.alignColumns !== 'byName') {
      throw new CsvFileError(`files have different columns: '${first.file.path}' has ${JSON.stringify(first.names)} but '${l.file.path}' has ${JSON.stringify(l.names)}; pass alignColumns: 'byName' to align them by name (missing columns become null)`);
    }
    for (const n of l.names) if (!names.includes(n)) names.push(n);
  }
  return { names, fieldOf: layouts.map((l) => names.map((n) => l.names.indexOf(n))) };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sampleAll(layouts: readonly FileLayout[], ranges: readonly FileRanges[], names: string[], fieldOf: number[][],
  dialect: Dialect, opts: ResolvedCsvOptions, totals: SampleTotals): ColumnStats[] {
  const stats = names.map((n) => new ColumnStats(n, opts.parseDates === true || (Array.isArray(opts.parseDates) && opts.parseDates.includes(n))));
  const na = new Set(opts.naValues);
  const decoder = new TextDecoder();
  layouts.forEach((l, i) => {
    for (const r of ranges[i]!.samples) {
      const { bytes, truncated } = readSample(l.file, r, dialect);
      addSample(decoder.decode(bytes), truncated && bytes.length > 0, { path: l.file.path, newline: l.newline, nfields: l.names.length }, fieldOf[i]!, stats, na, dialect, totals);
    }
  });
  return stats;
}

function schemaColumns(stats: readonly ColumnStats[], opts: ResolvedCsvOptions): SchemaColumn[] {
  return stats.map((s) => {
    const { kind, forced, dates, format } = resolveKind(s, opts);
    return dates ? { name: s.name, kind, forced, dates } : format !== undefined ? { name: s.name, kind, forced, format } : { name: s.name, kind, forced };
  });
}

function checkColumnOptions(names: readonly string[], opts: ResolvedCsvOptions): void {
  const known = (what: string, list: readonly string[]): void => {
    const missing = list.filter((c) => !names.includes(c));
    if (missing.length > 0) {
      throw new CsvOptionError(`${what} names ${missing.map((m) => `'${m}'`).join(', ')}, not among the columns ${names.map((n) => `'${n}'`).join(', ')}`);
    }
  };
  if (opts.columns) known('options.columns', opts.columns.filter((c) => c !== opts.pathColumn));
  known('options.dtype', Object.keys(opts.dtype));
  if (Array.isArray(opts.parseDates)) known('options.parseDates', opts.parseDates);
  const unknownFormat = Object.keys(opts.dateFormats).find((c) => !names.includes(c));
  if (unknownFormat !== undefined) throw new CsvOptionError(`options.parseDates names '${unknownFormat}', which is not a column (columns: ${names.map((n) => `'${n}'`).join(', ')})`);
  if (opts.pathColumn && names.includes(opts.pathColumn)) {
    throw new CsvOptionError(`options.includePathColumn would add '${opts.pathColumn}', but the files already have a column of that name; pass another name: includePathColumn: 'source_file'`);
  }
}

function partsOf(layouts: readonly FileLayout[], ranges: readonly FileRanges[]): CsvSourceDescription['parts'] {
  const parts = ranges.flatMap((r, file) => r.partitions.map((p) => ({ file, start: p.start, end: p.end, cut: p.cut })));
  if (parts.length > 0) return parts;
  // No rows anywhere (header-only files): one empty partition keeps the schema flowing through the graph.
  const file = Math.max(0, layouts.findIndex((l) => !l.empty));
  return [{ file, start: layouts[file]!.dataStart, end: layouts[file]!.dataStart, cut: layouts[file]!.dataStart }];
}
