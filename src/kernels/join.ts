// The local hash join of one merge partition: a table of the right side's keys, the left side probed group
// by group (one lookup per distinct key, not per row), then every output column gathered once from the
// (left row, right row) pairs. Null keys never match; duplicates on both sides give every pair.

import type { Data, RecordBatch } from 'apache-arrow';
import { makeBatch } from './arrow-build.ts';
import { concatData } from './concat.ts';
import { takeData } from './take.ts';
import { castData, takeOrNull } from './union-cast.ts';
import { concatPieces } from './split-concat.ts';
import { keyGroups } from './hash-partition.ts';
import type { SpilledPiece } from '../collections/shuffle/spill.ts';

export type JoinHow = 'inner' | 'left' | 'right' | 'outer' | 'semi' | 'anti';

/** Where an output column comes from: a left column, a right column, or a key present on both (coalesced). */
export type JoinColumn =
  | { readonly from: 'left'; readonly index: number }
  | { readonly from: 'right'; readonly index: number }
  | { readonly from: 'both'; readonly left: number; readonly right: number };

export interface JoinSpec {
  readonly how: JoinHow;
  readonly leftKeys: readonly string[];
  readonly rightKeys: readonly string[];
  readonly columns: readonly JoinColumn[];
  /** Empty batches carrying the input and output schemas (Arrow types travel inside batches). */
  readonly leftLike: RecordBatch;
  readonly rightLike: RecordBatch;
  readonly outLike: RecordBatch;
}

/** Row pairs of a join; -1 = no row on that side. Rows with no left row come last. */
export function joinPairs(left: RecordBatch, right: RecordBatch, spec: Pick<JoinSpec, 'how' | 'leftKeys' | 'rightKeys'>): { l: Int32Array; r: Int32Array } {
  const { how } = spec;
  const R = keyGroups(right, spec.rightKeys);
  const byKey = new Map<string, number>();
  R.canonical.forEach((c, g) => byKey.set(c, g));
  // Right rows grouped by key (CSR): rows of group g are order[start[g] .. start[g + 1]).
  const ng = R.canonical.length;
  const start = new Int32Array(ng + 1);
  for (let i = 0; i < R.ids.length; i++) if (R.ids[i]! >= 0) start[R.ids[i]! + 1]! += 1;
  let unique = true;
  for (let g = 0; g < ng; g++) {
    if (start[g + 1]! > 1) unique = false;
    start[g + 1]! += start[g]!;
  }
  const fill = start.slice(0, ng);
  const order = new Int32Array(start[ng]!);
  for (let i = 0; i < R.ids.length; i++) if (R.ids[i]! >= 0) order[fill[R.ids[i]!]!++] = i;

  // The right group of every left row (-1: null key or no match), one lookup per distinct left key.
  const L = keyGroups(left, spec.leftKeys);
  const match = new Int32Array(L.canonical.length);
  L.canonical.forEach((c, g) => (match[g] = byKey.get(c) ?? -1));
  const nl = left.numRows;
  const rowMatch = new Int32Array(nl);
  for (let i = 0; i < nl; i++) {
    const g = L.ids[i]!;
    rowMatch[i] = g >= 0 ? match[g]! : -1;
  }

  if (how === 'semi' || how === 'anti') {
    const keep = new Int32Array(nl);
    let k = 0;
    if (how === 'semi') for (let i = 0; i < nl; i++) if (rowMatch[i]! >= 0) keep[k++] = i;
    if (how === 'anti') for (let i = 0; i < nl; i++) if (rowMatch[i]! < 0) keep[k++] = i;
    return { l: keep.subarray(0, k), r: new Int32Array(0) };
  }
  const keepUnmatchedLeft = how === 'left' || how === 'outer';
  let total = 0;
  for (let i = 0; i < nl; i++) {
    const g = rowMatch[i]!;
    total += g >= 0 ? start[g + 1]! - start[g]! : keepUnmatchedLeft ? 1 : 0;
  }
  const rightMatched = how === 'right' || how === 'outer' ? new Uint8Array(right.numRows) : null;
  let unmatchedRight = 0;
  if (rightMatched) {
    const used = new Uint8Array(ng);
    for (let g = 0; g < match.length; g++) if (match[g]! >= 0) used[match[g]!] = 1;
    for (let i = 0; i < right.numRows; i++) {
      const g = R.ids[i]!;
      if (g >= 0 && used[g]) rightMatched[i] = 1;
      else unmatchedRight++;
    }
  }
  const l = new Int32Array(total + unmatchedRight);
  const r = new Int32Array(total + unmatchedRight);
  let k = 0;
  if (unique) {
    // Every right key once (a lookup table): at most one pair per left row.
    for (let i = 0; i < nl; i++) {
      const g = rowMatch[i]!;
      if (g >= 0) {
        l[k] = i;
        r[k++] = order[start[g]!]!;
      } else if (keepUnmatchedLeft) {
        l[k] = i;
        r[k++] = -1;
      }
    }
  } else {
    for (let i = 0; i < nl; i++) {
      const g = rowMatch[i]!;
      if (g >= 0) {
        for (let j = start[g]!, end = start[g + 1]!; j < end; j++) {
          l[k] = i;
          r[k++] = order[j]!;
        }
      } else if (keepUnmatchedLeft) {
        l[k] = i;
        r[k++] = -1;
      }
    }
  }
  if (rightMatched) {
    for (let i = 0; i < right.numRows; i++) {
      if (rightMatched[i]) continue;
      l[k] = -1;
      r[k++] = i;
    }
  }
  return { l, r };
}

/** One merge output partition from its pieces of each side. */
export function joinPieces(leftPieces: ReadonlyArray<RecordBatch | SpilledPiece>, rightPieces: ReadonlyArray<RecordBatch | SpilledPiece>, spec: JoinSpec): RecordBatch {
  const left = concatPieces(leftPieces, spec.leftLike);
  const right = concatPieces(rightPieces, spec.rightLike);
  return joinBatches(left, right, spec);
}

export function joinBatches(left: RecordBatch, right: RecordBatch, spec: JoinSpec): RecordBatch {
  const { l, r } = joinPairs(left, right, spec);
  const schema = spec.outLike.schema;
  // Pairs with a left row come first: the right-only rows (right/outer joins) are the tail from `m`.
  let m = l.length;
  while (m > 0 && l[m - 1]! < 0) m--;
  const cols: Data[] = spec.columns.map((c, i) => {
    const type = schema.fields[i]!.type;
    const what = `merge: column '${schema.fields[i]!.name}'`;
    if (c.from === 'left') return castData(takeOrNull(left.data.children[c.index]!, l), type, what);
    if (c.from === 'right') return castData(takeOrNull(right.data.children[c.index]!, r), type, what);
    // A key on both sides: the left value where there is a left row, else the right one.
    const fromLeft = castData(takeData(left.data.children[c.left]!, l.subarray(0, m)), type, what);
    if (m === l.length) return fromLeft;
    const fromRight = castData(takeData(right.data.children[c.right]!, r.subarray(m)), type, what);
    return concatData(type, [fromLeft, fromRight]);
  });
  return makeBatch(schema, cols);
}
