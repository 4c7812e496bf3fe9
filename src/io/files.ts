// Turning a reader's first argument (a file, a directory, a glob, or a list of them) into files, for every
// format; finding hive-style `key=value` folders between the root and each file; pinning inputs by size and mtime.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { tinyglobby } from './lazy-packages.ts';
import { type OutputFormat, manifestParts, readManifest } from './manifest.ts';
import { registerErrorClass } from '../scheduler/remote-errors.ts';

export interface FoundFile {
  readonly path: string;
  /** `key=value` folder segments between the root that was named and the file, in order (values decoded). */
  readonly hive: ReadonlyArray<readonly [string, string | null]>;
}

/** The folder name hive tools write for a null partition value. */
export const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/** What a reader looks for: its name (for messages), the extensions it reads in a directory, its format. */
export interface FileKind {
  readonly what: string;
  readonly extensions: readonly string[];
  readonly format: OutputFormat;
  /** Builds the reader's own error type. */
  readonly fail: (msg: string) => Error;
  /** What the reader calls one of its files in a not-found message (default: 'readX: file'). */
  readonly noun?: string;
}

/**
 * Expand inputs in order (each glob's or directory's matches sorted), dropping duplicates. In a directory,
 * a tessera manifest (`_tessera.json`) decides the files and every part is checked against it; without one,
 * files with the kind's extensions are taken and names starting with '_' or '.' (_SUCCESS, _metadata) skipped.
 */
export function findFiles(input: string | readonly string[], kind: FileKind): FoundFile[] {
  const { what, extensions, fail } = kind;
  const patterns = typeof input === 'string' ? [input] : [...input];
  if (patterns.length === 0) throw fail(`${what} needs at least one path, directory or glob; got an empty list`);
  const out: FoundFile[] = [];
  const seen = new Set<string>();
  const add = (file: string, root: string | null) => {
    // One key per file however it was named: globs give paths relative to the working directory, a user
    // may name the same file by an absolute path (both once read it twice, a repeated string only once).
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path: file, hive: root === null ? [] : hiveSegments(root, file) });
  };
  for (const p of patterns) {
    if (typeof p !== 'string' || p.length === 0) throw fail(`${what} paths must be non-empty strings, got ${JSON.stringify(p)}`);
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(p);
    } catch {
      st = null;
    }
    if (st?.isDirectory()) {
      const manifest = readManifest(p, (m) => fail(`${what}: ${m}`));
      if (manifest !== null) {
        for (const file of manifestParts(p, manifest, kind.format, what, fail)) add(file, p);
        if (manifest.parts.length === 0) throw fail(`${what}: '${p}' is a tessera output with no parts`);
        continue;
      }
      const matches = tinyglobby().globSync(extensions.map((e) => `**/*${e}`), { cwd: p, onlyFiles: true, expandDirectories: false })
        .filter((m) => !m.split('/').some((seg) => seg.startsWith('_') || seg.startsWith('.')))
        .sort();
      if (matches.length === 0) throw fail(`directory '${p}' holds no ${extensions.join(' / ')} files`);
      for (const m of matches) add(path.join(p, m), p);
    } else if (st === null && tinyglobby().isDynamicPattern(p)) {
      const matches = tinyglobby().globSync(p, { onlyFiles: true, expandDirectories: false }).sort();
      if (matches.length === 0) throw fail(`glob '${p}' matched no files (relative to ${process.cwd()})`);
      const root = staticPrefix(p);
      for (const m of matches) add(m, root);
    } else if (st === null) {
      throw fail(`${kind.noun ?? `${what}: file`} not found: '${p}' (relative to ${process.cwd()})`);
    } else {
      add(p, null);
    }
  }
  return out;
}

/** The folders of a glob before its first dynamic segment ('data/y=*\/*.parquet' -> 'data'). */
function staticPrefix(glob: string): string {
  const segs = glob.split('/');
  const fixed: string[] = [];
  for (const s of segs.slice(0, -1)) {
    if (tinyglobby().isDynamicPattern(s)) break;
    fixed.push(s);
  }
  return fixed.join('/') || '.';
}

function hiveSegments(root: string, file: string): Array<[string, string | null]> {
  const rel = path.relative(root, path.dirname(file));
  if (rel === '' || rel.startsWith('..')) return [];
  const out: Array<[string, string | null]> = [];
  for (const seg of rel.split(path.sep)) {
    const eq = seg.indexOf('=');
    if (eq <= 0) continue;
    const raw = seg.slice(eq + 1);
    out.push([decode(seg.slice(0, eq)), raw === HIVE_NULL ? null : decode(raw)]);
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Encode a hive folder segment value so that any string survives a path (and `decode` inverts it). */
export function encodeHiveValue(v: string | null): string {
  return v === null ? HIVE_NULL : encodeURIComponent(v);
}

// ---- pinning inputs --------------------------------------------------------------------------------

/** A file's size and modification time when a reader first looked at it. */
export interface FilePin {
  readonly size: number;
  readonly mtimeMs: number;
}

/** A task found an input file different from when its reader was called: the data would be stale or torn. */
export class InputChangedError extends Error {
  override name = 'InputChangedError';
}
registerErrorClass(InputChangedError);

export interface PinCheck {
  /** How the message names the file: `'data/a.csv'`, or with the row groups the task reads. */
  readonly label: string;
  /** The call that pinned it ('readCsv'), so the message can say how to pick up the new content. */
  readonly reader: string;
  /** Builds the reader's error type (default InputChangedError). */
  readonly fail?: (msg: string) => Error;
}

/** Fail unless `file` (or the open descriptor `fd` on it) still has the pinned size and mtime. */
export function checkPin(file: string, pin: FilePin, check: PinCheck, fd?: number): void {
  const fail = check.fail ?? ((m: string) => new InputChangedError(m));
  let st: fs.Stats;
  try {
    st = fd === undefined ? fs.statSync(file) : fs.fstatSync(fd);
  } catch (e) {
    const gone = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw fail(`${check.label} ${gone ? 'was removed' : `cannot be read (${(e as Error).message})`} since ${check.reader}() was called; call ${check.reader}() again`);
  }
  if (st.size === pin.size && st.mtimeMs === pin.mtimeMs) return;
  const changes: string[] = [];
  if (st.size !== pin.size) changes.push(`size ${pin.size} -> ${st.size} bytes`);
  if (st.mtimeMs !== pin.mtimeMs) changes.push(`modified ${new Date(pin.mtimeMs).toISOString()} -> ${new Date(st.mtimeMs).toISOString()}`);
  throw fail(`${check.label} changed on disk since ${check.reader}() was called (${changes.join(', ')}); a result would mix old and new data: call ${check.reader}() again to read its current content`);
}
