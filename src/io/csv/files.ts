// Turning `readCsv`'s first argument (a path, a directory, a glob, or a list of them; io/files.ts) into
// stat'ed files, and reading their bytes, checked against the size and mtime they had at readCsv time.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { CsvFileError } from './errors.ts';
import { type FilePin, checkPin, findFiles } from '../files.ts';
import { readAt, readFully } from '../read-fully.ts';

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

/** Files a directory of CSV is made of (compressed ones included). */
const EXTENSIONS = ['.csv', '.tsv', '.txt', '.csv.gz', '.tsv.gz', '.txt.gz', '.csv.bz2', '.tsv.bz2', '.txt.bz2'];

/** Expand globs and directories, keep list order (each one's matches sorted), drop duplicates, stat everything. */
export function resolveFiles(input: string | readonly string[]): CsvFile[] {
  const found = findFiles(input, { what: 'readCsv', extensions: EXTENSIONS, format: 'csv', noun: 'CSV file', fail: (m) => new CsvFileError(m) });
  return found.map((f) => statFile(f.path));
}

const PIN_CHECK = (path: string) => ({ label: `CSV file '${path}'`, reader: 'readCsv' });

function openFile(path: string, pin: FilePin | undefined): number {
  try {
    return fs.openSync(path, 'r');
  } catch (e) {
    if (pin) checkPin(path, pin, PIN_CHECK(path)); // says it was removed since readCsv()
    throw new CsvFileError(`cannot open CSV file '${path}': ${(e as Error).message}`);
  }
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

/** Read bytes [start, end) of an uncompressed file (clamped to its size); with a pin, fail if the file changed. */
export function readRange(path: string, start: number, end: number, pin?: FilePin): Uint8Array {
  const fd = openFile(path, pin);
  try {
    if (pin) checkPin(path, pin, PIN_CHECK(path), fd);
    return readAt(fd, start, end - start);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Like readRange, but into `scratch` when it is large enough (else a new buffer): the caller owns the
 * bytes only until its next call, and must copy out anything it keeps.
 */
export function readRangeInto(path: string, start: number, end: number, pin: FilePin | undefined, scratch: (length: number) => Uint8Array): Uint8Array {
  const fd = openFile(path, pin);
  try {
    if (pin) checkPin(path, pin, PIN_CHECK(path), fd);
    const buf = scratch(Math.max(0, end - start));
    return buf.subarray(0, readFully(fd, buf, 0, Math.max(0, end - start), start));
  } finally {
    fs.closeSync(fd);
  }
}

/** Run `use` on the open file, checked against its pin first; closes it after. */
export function withPinnedFile<T>(path: string, pin: FilePin | undefined, use: (fd: number) => T): T {
  const fd = openFile(path, pin);
  try {
    if (pin) checkPin(path, pin, PIN_CHECK(path), fd);
    return use(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The whole decompressed content of a file (compressed files are one partition: they cannot be split). */
export function readWhole(file: { path: string; compression: Compression }, pin?: FilePin): Uint8Array {
  let raw: Uint8Array;
  const fd = openFile(file.path, pin);
  try {
    if (pin) checkPin(file.path, pin, PIN_CHECK(file.path), fd);
    raw = fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
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
