// Where partitions travel on the 'distributed' scheduler: a directory every host reaches (file:// URL).
// Big values become immutable files (written under a temporary name, then renamed) and small references.

import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A value kept on storage: what a worker returns instead of the data. `uri` is relative to the storage
 * root, so hosts that mount the shared directory at different paths still agree on it.
 */
export interface StoredRef {
  readonly $tesseraStored: 'arrow' | 'typed';
  readonly uri: string;
  /** Rows of an Arrow value; elements of a typed array. */
  readonly rows: number;
  readonly bytes: number;
  /** Arrow: which object it was ('batch' | 'table' | 'vector' | 'data') and its top-level names. */
  readonly kind?: string;
  readonly names?: readonly string[];
  /** Typed array: its constructor ('Float64Array', ...). */
  readonly dtype?: string;
}

export function isStoredRef(x: unknown): x is StoredRef {
  return typeof x === 'object' && x !== null && typeof (x as StoredRef).$tesseraStored === 'string' && typeof (x as StoredRef).uri === 'string';
}

/** The directory a storage URL names; only file:// URLs (a shared filesystem) are supported. */
export function storageRoot(url: string): string {
  if (!url.startsWith('file:///')) {
    throw new TypeError(`storage must be a file:/// URL of a directory every worker host can reach (a shared filesystem); got '${url}'`);
  }
  const dir = fileURLToPath(url);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`storage directory ${dir} (from '${url}') does not exist on this host: create it on the shared filesystem, or fix the URL`);
  }
  return resolve(dir);
}

/** Absolute path of `uri` under `root`; refuses anything that would leave the root (a hostile descriptor). */
export function pathOf(root: string, uri: string): string {
  if (typeof uri !== 'string' || uri.length === 0 || isAbsolute(uri)) throw new Error(`bad storage reference '${String(uri)}': expected a path relative to the storage root`);
  const p = resolve(root, uri);
  const rel = relative(root, p);
  if (rel.startsWith('..') || rel.split(sep).includes('..') || isAbsolute(rel)) throw new Error(`storage reference '${uri}' leaves the storage root ${root}`);
  return p;
}

/**
 * Write `bytes` at `path` atomically: a temporary name in the same directory, fsync'd, then renamed. A
 * reader sees the whole file or none; a re-run of the same task renames the same content over it.
 * The directory must exist (the client makes it): a worker never creates directories, so a run that
 * already ended (and was cleaned up) cannot have files written into it afterwards.
 */
export function writeAtomic(path: string, chunks: readonly Uint8Array[]): void {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `cannot write ${path}: its run directory does not exist on this host. Either the run already ended ` +
          `(it was cancelled or failed), or this worker's --storage is not the same shared directory as the client's storage`,
        { cause: err },
      );
    }
    throw err;
  }
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.byteLength) off += writeSync(fd, c, off, c.byteLength - off);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkQuietly(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** The whole file, into memory the caller may share with worker threads (a SharedArrayBuffer). */
export function readShared(path: string, bytes: number): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(bytes));
  const fd = openSync(path, 'r');
  try {
    let off = 0;
    while (off < bytes) {
      const n = readSync(fd, out, off, bytes - off, off);
      if (n === 0) throw new Error(`${path} is shorter than its reference says (${off} of ${bytes} bytes): the storage was changed under this run`);
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Remove a file this run made; one already gone is fine. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already removed (a retry, or the end-of-run sweep)
  }
}
