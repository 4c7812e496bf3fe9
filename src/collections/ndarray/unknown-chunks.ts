// Chunks whose lengths are known only after the data is read (a DataFrame's partitions, a boolean mask), as
// Dask: such a chunk length is NaN, and so is the axis length. What may still be done with them, and the error.

import { refine, type Chunks } from './chunks.ts';
import { BroadcastError, broadcastShapes } from '../../kernels/array/broadcast.ts';
import type { ArrayNode } from './node.ts';

/** An operation needs chunk lengths that are not known until the array is computed. */
export class UnknownChunksError extends RangeError {
  override name = 'UnknownChunksError';
}

export const isUnknown = (n: number): boolean => Number.isNaN(n);

/** Axes with at least one chunk of unknown length. */
export function unknownAxes(chunks: Chunks): number[] {
  return chunks.flatMap((c, axis) => (c.some(isUnknown) ? [axis] : []));
}

export function hasUnknownChunks(node: { readonly chunks: Chunks }): boolean {
  return node.chunks.some((c) => c.some(isUnknown));
}

/** Throws, saying how to fix it, when `node` has chunks of unknown length (on `axes`, or any axis). */
export function requireKnownChunks(node: ArrayNode, what: string, axes?: readonly number[]): void {
  const bad = unknownAxes(node.chunks).filter((a) => !axes || axes.includes(a));
  if (bad.length === 0) return;
  throw new UnknownChunksError(
    `${what} needs known chunk lengths, but axis ${bad.join(', ')} of this array of shape (${node.shape.map(fmtLength).join(', ')}) has chunks of unknown length ` +
      `(it comes from df.toArray() or a boolean mask, whose lengths are known only once the data is read); ` +
      `call \`x = await x.computeChunkSizes()\` first`,
  );
}

export const fmtLength = (n: number): string => (Number.isNaN(n) ? 'nan' : String(n));

/** Same chunks, where an unknown length matches only an unknown length (Dask compares NaN chunk lists equal). */
export function sameChunkLengths(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/**
 * The chunks of one axis on which several operands must line up, when some have unknown lengths there: all
 * of them must have the same chunks, unknown where the others' are unknown (they are then assumed to line up, as
 * in Dask; each task checks that its blocks do).
 */
export function unifyUnknownAxis(lists: ReadonlyArray<readonly number[]>, axis: number, what: string): number[] {
  const first = lists[0]!;
  for (const l of lists) {
    if (!sameChunkLengths(l, first)) {
      throw new UnknownChunksError(
        `${what}: along axis ${axis} one operand has chunks [${first.map(fmtLength).join(', ')}] and another [${l.map(fmtLength).join(', ')}]; ` +
          `chunks of unknown length line up only with the same number of unknown chunks (e.g. two df.toArray() of one frame); call \`await x.computeChunkSizes()\` on each first`,
      );
    }
  }
  return [...first];
}

/** The chunks several operands share along one axis: the common refinement, or the same unknown chunks. */
export function unifyAxis(lists: ReadonlyArray<readonly number[]>, axis: number, what: string): number[] {
  if (lists.every((l) => sameChunkLengths(l, lists[0]!))) return [...lists[0]!];
  if (lists.some((l) => l.some(isUnknown))) return unifyUnknownAxis(lists, axis, what);
  return refine(lists);
}

/** NumPy broadcasting where an unknown length stretches nothing and only meets unknown lengths or 1. */
export function broadcastWithUnknown(shapes: ReadonlyArray<readonly number[]>): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (let k = 1; k <= nd; k++) {
    const lengths = shapes.map((s) => s[s.length - k]).filter((d): d is number => d !== undefined && d !== 1);
    if (!lengths.some(isUnknown)) continue;
    if (!lengths.every(isUnknown)) {
      throw new BroadcastError(`shapes ${shapes.map((s) => `(${s.map(fmtLength).join(', ')})`).join(' and ')} do not broadcast: axis -${k} has an unknown length in one and ${lengths.find((d) => !isUnknown(d))} in another; call \`await x.computeChunkSizes()\` first`);
    }
    out[nd - k] = NaN;
  }
  // the known axes by the usual rules
  const known = broadcastShapes(...shapes.map((s) => s.map((d) => (isUnknown(d) ? 1 : d))));
  return known.map((d, i) => (isUnknown(out[i]!) ? NaN : d));
}
