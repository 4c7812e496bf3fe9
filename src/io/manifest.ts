// `_tessera.json`: the manifest every tessera writer puts in a directory output, listing its parts with their
// rows and bytes. Readers check it (a missing or truncated part is an error, never a short read) and
// `overwrite` uses it as proof that a directory holds tessera output and nothing else.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Schema } from 'apache-arrow';

export const MANIFEST_NAME = '_tessera.json';

export type OutputFormat = 'parquet' | 'arrow-ipc' | 'csv';

/** One file a writer produced: its path relative to the output directory (with '/'), rows and bytes. */
export interface ManifestPart {
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface Manifest {
  readonly writer: 'tessera';
  readonly version: 1;
  readonly format: OutputFormat;
  readonly rows: number;
  readonly bytes: number;
  readonly parts: readonly ManifestPart[];
  /** Column names and Arrow types, for a person reading the file (readers take types from the parts). */
  readonly schema: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}

export function makeManifest(format: OutputFormat, schema: Schema, parts: readonly ManifestPart[]): Manifest {
  return {
    writer: 'tessera',
    version: 1,
    format,
    rows: parts.reduce((s, p) => s + p.rows, 0),
    bytes: parts.reduce((s, p) => s + p.bytes, 0),
    parts,
    schema: schema.fields.map((f) => ({ name: f.name, type: String(f.type) })),
  };
}

/** Write the manifest into `dir` and flush it to disk (it is the last file written before the rename). */
export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileDurably(path.join(dir, MANIFEST_NAME), JSON.stringify(manifest, null, 1) + '\n');
}

/** Write bytes or text to a file (replacing it) and fsync it before closing, so a rename after it never exposes a torn file. */
export function writeFileDurably(file: string, data: string | Uint8Array): number {
  const fd = fs.openSync(file, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let at = 0;
    while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    fs.fsyncSync(fd);
    return bytes.length;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The manifest of `dir`, or null when it has none (a directory written by another tool). A manifest that
 * cannot be parsed is an error: the directory claims to be tessera output but cannot prove what it holds.
 */
export function readManifest(dir: string, fail: (msg: string) => Error): Manifest | null {
  const file = path.join(dir, MANIFEST_NAME);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fail(`cannot read '${file}': ${(e as Error).message}`);
  }
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw fail(`'${file}' is not valid JSON (${(e as Error).message}); the output in '${dir}' is damaged: write it again`);
  }
  if (!isManifest(m)) throw fail(`'${file}' is not a tessera manifest (no writer/version/format/parts); the output in '${dir}' is damaged: write it again`);
  return m;
}

function isManifest(m: unknown): m is Manifest {
  if (typeof m !== 'object' || m === null) return false;
  const x = m as Record<string, unknown>;
  return x.writer === 'tessera' && x.version === 1 && typeof x.format === 'string' && Array.isArray(x.parts) &&
    x.parts.every((p: unknown) => {
      const q = p as Record<string, unknown>;
      return typeof p === 'object' && p !== null && typeof q.path === 'string' && !q.path.split('/').includes('..') &&
        !path.isAbsolute(q.path) && Number.isInteger(q.rows) && Number.isInteger(q.bytes);
    });
}

const FORMAT_READER: Record<OutputFormat, string> = { parquet: 'readParquet', 'arrow-ipc': 'readArrowIpc', csv: 'readCsv' };

/**
 * The part files a manifest lists, as paths under `dir`, after checking each exists with the size that was
 * written. A missing or resized part fails naming it: reading the others would silently give fewer rows.
 */
export function manifestParts(dir: string, manifest: Manifest, format: OutputFormat, what: string, fail: (msg: string) => Error): string[] {
  if (manifest.format !== format) {
    throw fail(`${what}: '${dir}' holds ${manifest.format} files written by tessera (see ${MANIFEST_NAME}); read it with ${FORMAT_READER[manifest.format]}()`);
  }
  return manifest.parts.map((p) => {
    const file = path.join(dir, ...p.path.split('/'));
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      throw fail(`${what}: part '${p.path}' of '${dir}' is missing (its ${MANIFEST_NAME} lists ${manifest.parts.length} parts, ${manifest.rows} rows); the output is incomplete: write it again`);
    }
    if (size !== p.bytes) {
      throw fail(`${what}: part '${p.path}' of '${dir}' has ${size} bytes but ${MANIFEST_NAME} says ${p.bytes}; it was truncated or changed after it was written: write the output again`);
    }
    return file;
  });
}

/**
 * Why `dir` may not be replaced by `overwrite`, or null when it holds exactly a tessera output: its manifest
 * and the parts it lists (and their folders), nothing else. Anything else in it is someone's data.
 */
export function notReplaceable(dir: string): string | null {
  let manifest: Manifest | null;
  try {
    manifest = readManifest(dir, (m) => new Error(m));
  } catch (e) {
    return (e as Error).message;
  }
  if (manifest === null) return `it holds no ${MANIFEST_NAME}, so tessera did not write it`;
  const owned = new Set([MANIFEST_NAME]);
  for (const p of manifest.parts) {
    const segs = p.path.split('/');
    for (let i = 1; i <= segs.length; i++) owned.add(segs.slice(0, i).join('/'));
  }
  const stack = [''];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (!owned.has(r)) return `it holds '${r}', which its ${MANIFEST_NAME} does not list`;
      if (e.isDirectory()) stack.push(r);
      else if (!e.isFile()) return `'${r}' is not a regular file`;
    }
  }
  return null;
}
