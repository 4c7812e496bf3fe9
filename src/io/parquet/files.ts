// Turning readParquet / readArrowIpc's first argument (a file, a directory, a glob, or a list of them)
// into files, and finding hive-style `key=value` folders between the root and each file.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';

export interface FoundFile {
  readonly path: string;
  /** `key=value` folder segments between the root that was named and the file, in order (values decoded). */
  readonly hive: ReadonlyArray<readonly [string, string | null]>;
}

/** The folder name hive tools write for a null partition value. */
export const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/**
 * Expand inputs in order (each glob's or directory's matches sorted), dropping duplicates. `extensions`
 * picks the files inside a directory; names starting with '_' or '.' (_SUCCESS, _metadata) are skipped there.
 * `fail` builds the caller's error type.
 */
export function findFiles(input: string | readonly string[], extensions: readonly string[], what: string, fail: (msg: string) => Error): FoundFile[] {
  const patterns = typeof input === 'string' ? [input] : [...input];
  if (patterns.length === 0) throw fail(`${what} needs at least one path, directory or glob; got an empty list`);
  const out: FoundFile[] = [];
  const seen = new Set<string>();
  const add = (file: string, root: string | null) => {
    if (seen.has(file)) return;
    seen.add(file);
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
      const matches = globSync(extensions.map((e) => `**/*${e}`), { cwd: p, onlyFiles: true, expandDirectories: false })
        .filter((m) => !m.split('/').some((seg) => seg.startsWith('_') || seg.startsWith('.')))
        .sort();
      if (matches.length === 0) throw fail(`directory '${p}' holds no ${extensions.join(' / ')} files`);
      for (const m of matches) add(path.join(p, m), p);
    } else if (st === null && isDynamicPattern(p)) {
      const matches = globSync(p, { onlyFiles: true, expandDirectories: false }).sort();
      if (matches.length === 0) throw fail(`glob '${p}' matched no files (relative to ${process.cwd()})`);
      const root = staticPrefix(p);
      for (const m of matches) add(m, root);
    } else if (st === null) {
      throw fail(`${what}: file not found: '${p}' (relative to ${process.cwd()})`);
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
    if (isDynamicPattern(s)) break;
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
