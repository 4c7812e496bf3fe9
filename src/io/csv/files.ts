// Turning `readCsv`'s first argument (a path, a glob, or a list of either) into stat'ed files.
// Everything is checked up front so a missing file fails at readCsv time, not in partition 37.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { CsvFileError } from './errors.ts';
import { readAt } from '../read-fully.ts';

export type Compression = 'none' | 'gzip' | 'bz2';

export interface CsvFile {
  readonly path: string;
  /** Size on disk (compressed size for .gz/.bz2). */
  readonly size: number;
  readonly mtimeMs: number;
  readonly compression: Compression;
}

export function compressionOf(path: string): Compression {
  if (/\.gz$/i.test(path)) return 'gzip';
  if (/\.bz2$/i.test(path)) return 'bz2';
  return 'none';
}

/** Expand globs, keep list order (each glob's matches sorted), drop duplicates, stat everything. */
export function resolveFiles(input: string | readonly string[]): CsvFile[] {
  const patterns = typeof input === 'string' ? [input] : [...input];
  if (patterns.length === 0) throw new CsvFileError('readCsv needs at least one path or glob; got an empty list');
  const paths: string[] = [];
  for (const p of patterns) {
    if (typeof p !== 'string' || p.length === 0) throw new CsvFileError(`readCsv paths must be non-empty strings, got ${JSON.stringify(p)}`);
    if (isDynamicPattern(p) && !fs.existsSync(p)) {
      const matches = globSync(p, { absolute: false, onlyFiles: true, expandDirectories: false }).sort();
      if (matches.length === 0) throw new CsvFileError(`glob '${p}' matched no files (relative to ${process.cwd()})`);
      paths.push(...matches);
    } else {
      paths.push(p);
    }
  }
  return [...new Set(paths)].map(statFile);
}

function statFile(path: string): CsvFile {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CsvFileError(`CSV file not found: '${path}' (relative to ${process.cwd()})`);
    throw new CsvFileError(`cannot stat CSV file '${path}': ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new CsvFileError(`'${path}' is not a file; pass a file, a list of files or a glob such as '${path}/*.csv'`);
  return { path, size: st.size, mtimeMs: st.mtimeMs, compression: compressionOf(path) };
}

/** Read bytes [start, end) of an uncompressed file (clamped to its size). */
export function readRange(path: string, start: number, end: number): Uint8Array {
  const fd = fs.openSync(path, 'r');
  try {
    return readAt(fd, start, end - start);
  } finally {
    fs.closeSync(fd);
  }
}

/** The whole decompressed content of a file (compressed files are one partition: they cannot be split). */
export function readWhole(file: { path: string; compression: Compression }): Uint8Array {
  const raw = fs.readFileSync(file.path);
  if (file.compression === 'gzip') return gunzip(file.path, raw, false);
  if (file.compression === 'bz2') return bunzip(file.path, raw);
  return raw;
}

/** The first bytes of the decompressed content, for dialect sniffing and type inference. */
export function readHead(file: CsvFile, bytes: number): Uint8Array {
  if (file.compression === 'none') return readRange(file.path, 0, Math.min(bytes, file.size));
  if (file.compression === 'bz2') return readWhole(file).subarray(0, bytes);
  // A truncated gzip stream inflates as far as it goes with a sync flush; 4x covers typical CSV ratios.
  const head = gunzip(file.path, readRange(file.path, 0, Math.min(file.size, Math.max(bytes, 65536))), true);
  return head.length >= bytes || file.size <= bytes ? head.subarray(0, bytes) : readHeadFromWhole(file, bytes);
}

function readHeadFromWhole(file: CsvFile, bytes: number): Uint8Array {
  return readWhole(file).subarray(0, bytes);
}

function gunzip(path: string, raw: Uint8Array, partial: boolean): Uint8Array {
  try {
    return zlib.gunzipSync(raw, partial ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {});
  } catch (e) {
    throw new CsvFileError(`cannot decompress gzip file '${path}': ${(e as Error).message}`);
  }
}

/** bz2 is decoded with `seek-bzip` (a small pure-JS decoder): Node has no bzip2 codec of its own. */
function bunzip(path: string, raw: Uint8Array): Uint8Array {
  const mod = createRequire(import.meta.url)('seek-bzip') as { decode(b: Uint8Array): Uint8Array };
  try {
    return mod.decode(Buffer.from(raw));
  } catch (e) {
    throw new CsvFileError(`cannot decompress '${path}' as bzip2: ${(e as Error).message}; is it a complete .bz2 file?`);
  }
}
