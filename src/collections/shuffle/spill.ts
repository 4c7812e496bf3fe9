// Shuffle pieces on disk (config `shuffle: 'disk'`): a split task writes each non-empty piece to an Arrow
// IPC file in a directory the run owns, and hands on only its path; the consuming task reads it back into
// shared memory. The run path makes the directory before the graph runs and removes it, whatever happened,
// when the attempt ends: nothing of it outlives the compute, and nothing else is ever deleted.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { type RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { batchesFromIpc, oneBatch } from '../../io/shared-ipc.ts';

/** A piece written to disk: where, and how many rows (0-row pieces are never written). */
export interface SpilledPiece {
  readonly spilled: string;
  readonly rows: number;
}

/** Where a split task writes: the run's directory and a file-name prefix unique to the task. */
export interface SpillTarget {
  readonly dir: string;
  readonly name: string;
}

export function isSpilled(x: unknown): x is SpilledPiece {
  return typeof x === 'object' && x !== null && typeof (x as SpilledPiece).spilled === 'string';
}

/** A fresh directory path for one run's shuffle files (created by the run path, not here). */
export function newSpillDir(): string {
  return path.join(os.tmpdir(), `tessera-shuffle-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Write the non-empty pieces; the directory must exist (a task never creates it, so a finished run's stays gone). */
export function spillPieces(pieces: readonly RecordBatch[], target: SpillTarget | null): Array<RecordBatch | SpilledPiece> {
  if (target === null) return [...pieces];
  return pieces.map((p, j) => {
    if (p.numRows === 0) return p;
    const file = path.join(target.dir, `${target.name}-${j}.arrow`);
    fs.writeFileSync(file, tableToIPC(new Table([p]), 'file'));
    return { spilled: file, rows: p.numRows };
  });
}

/** A piece as a batch, read back from disk when it was spilled. */
export function loadPiece(p: RecordBatch | SpilledPiece): RecordBatch {
  if (!isSpilled(p)) return p;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(p.spilled);
  } catch (e) {
    throw new Error(`shuffle piece ${p.spilled} could not be read back (${(e as Error).message}); was the temporary directory removed during the compute?`, { cause: e });
  }
  const { schema, batches } = batchesFromIpc(bytes);
  return oneBatch(schema, batches);
}

/** Make the run's shuffle directories; remove them (only them) when the attempt is over. */
export function makeSpillDirs(dirs: readonly string[]): void {
  for (const d of dirs) fs.mkdirSync(d, { recursive: false, mode: 0o700 });
}
export function removeSpillDirs(dirs: readonly string[]): void {
  // A task of a cancelled session may still be finishing a write: retry a directory that is not empty yet.
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true, maxRetries: 3 });
}
