// How a basic slice of a chunked axis maps onto its chunks: which input chunk each output chunk comes
// from and what to take inside it. Used both to size the result when it is built and to lower it.

import { offsets, type Chunks } from './chunks.ts';
import type { AxisSelection } from './node.ts';

/** One output chunk along an axis: taken from input chunk `block` with `local` selection. */
export interface AxisPiece {
  readonly block: number;
  readonly local: AxisSelection;
}

/** Pieces along one axis, in output order (a negative step walks the chunks backwards). */
export function axisPieces(chunks: readonly number[], sel: AxisSelection): AxisPiece[] {
  const starts = offsets(chunks);
  if (sel.kind === 'index') {
    const block = starts.findIndex((s, i) => i < chunks.length && sel.index >= s && sel.index < s + chunks[i]!);
    return [{ block, local: { kind: 'index', index: sel.index - starts[block]! } }];
  }
  // an axis of unknown length can only be taken whole: each block keeps all it has (count -1)
  if (chunks.some((c) => Number.isNaN(c))) return chunks.map((_, block) => ({ block, local: { kind: 'range', start: 0, step: 1, count: -1 } }));
  const pieces: AxisPiece[] = [];
  const order = sel.step > 0 ? chunks.map((_, i) => i) : chunks.map((_, i) => chunks.length - 1 - i);
  for (const b of order) {
    const lo = starts[b]!, hi = starts[b + 1]!;
    // selected elements are start + j*step for j < count; find those in [lo, hi)
    let jFirst: number, jLast: number;
    if (sel.step > 0) {
      jFirst = Math.max(0, Math.ceil((lo - sel.start) / sel.step));
      jLast = Math.min(sel.count - 1, Math.floor((hi - 1 - sel.start) / sel.step));
    } else {
      jFirst = Math.max(0, Math.ceil((hi - 1 - sel.start) / sel.step));
      jLast = Math.min(sel.count - 1, Math.floor((lo - sel.start) / sel.step));
    }
    if (jLast < jFirst) continue;
    pieces.push({ block: b, local: { kind: 'range', start: sel.start + jFirst * sel.step - lo, step: sel.step, count: jLast - jFirst + 1 } });
  }
  // an empty selection still has one (empty) chunk
  if (pieces.length === 0) pieces.push({ block: 0, local: { kind: 'range', start: 0, step: 1, count: 0 } });
  return pieces;
}

export function slicedChunks(chunks: Chunks, selection: readonly AxisSelection[]): Chunks {
  const out: number[][] = [];
  selection.forEach((sel, axis) => {
    if (sel.kind === 'range') out.push(axisPieces(chunks[axis]!, sel).map((p) => (p.local.kind !== 'range' ? 0 : p.local.count < 0 ? NaN : p.local.count)));
  });
  return out;
}

/** Normalises one user index for an axis of length n: an integer (negative from the end), [start, stop, step] or null. */
export function parseSelection(spec: unknown, n: number, axis: number): AxisSelection {
  if (spec === null || spec === undefined) return { kind: 'range', start: 0, step: 1, count: n };
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < -n || spec >= n) throw new RangeError(`slice: index ${spec} is out of bounds for axis ${axis} of length ${n}`);
    return { kind: 'index', index: spec < 0 ? spec + n : spec };
  }
  if (Array.isArray(spec) && spec.length <= 3 && spec.every((x) => x === null || x === undefined || Number.isInteger(x))) {
    const step = (spec[2] ?? 1) as number;
    if (step === 0) throw new RangeError(`slice: step cannot be 0 (axis ${axis})`);
    // Python's slice.indices
    const clamp = (v: number | null | undefined, dflt: number, lo: number, hi: number): number => {
      if (v === null || v === undefined) return dflt;
      const x = v < 0 ? v + n : v;
      return Math.min(Math.max(x, lo), hi);
    };
    const start = step > 0 ? clamp(spec[0], 0, 0, n) : clamp(spec[0], n - 1, -1, n - 1);
    const stop = step > 0 ? clamp(spec[1], n, 0, n) : clamp(spec[1], -1, -1, n - 1);
    const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((stop - start) / step));
    return { kind: 'range', start, step, count };
  }
  throw new TypeError(`slice: axis ${axis} takes an integer, [start, stop, step] (each may be null or negative) or null, got ${JSON.stringify(spec)}`);
}
