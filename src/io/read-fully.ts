// Positional reads that loop until they have every byte asked for: fs.readSync may return fewer bytes
// than requested, so every reader (CSV ranges, Parquet column chunks and footers, Arrow IPC blocks) uses this.

import * as fs from 'node:fs';

/** Read `length` bytes at file `position` into `target` at `offset`; returns how many were read (fewer only at end of file). */
export function readFully(fd: number, target: Uint8Array, offset: number, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, target, offset + got, length - got, position + got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}

/** `length` bytes at `position` as a new buffer (shorter at end of file). */
export function readAt(fd: number, position: number, length: number): Uint8Array {
  const buf = Buffer.allocUnsafe(Math.max(0, length));
  return buf.subarray(0, readFully(fd, buf, 0, buf.length, position));
}
