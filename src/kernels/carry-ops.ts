// The three ops of a boundary-crossing verb (cumsum, shift, ffill...): `edge` summarises one partition
// (its running total, edge rows or edge values), `step` folds an edge into the carry of the partitions
// before it (a chain, so partition i waits only for 0..i-1), `apply` computes a partition from its carry.

import { Field, type RecordBatch, Schema } from 'apache-arrow';
import type { ColExpr } from '../expr.ts';
import { evaluateColumn, type Evaluated } from './evaluate.ts';
import { makeBatch } from './arrow-build.ts';
import { type CumOp, type CumValue, combine, cumulativeColumn, cumulativeTotal } from './cumulative.ts';
import { type Direction, type FillCarry, edgeRows, fillCarryStep, fillColumn, fillEdge, shiftCarryStep, shiftColumn } from './carry-rows.ts';

export type CarryMode = { readonly kind: 'cum'; readonly op: CumOp } | { readonly kind: 'shift'; readonly periods: number } | { readonly kind: 'fill'; readonly direction: Direction; readonly limit?: number | null };

export type Definitions = ReadonlyArray<readonly [string, ColExpr]>;

/** A partition's contribution to later (or earlier) partitions. */
export type Edge = CumValue[] | RecordBatch | FillCarry;
/** What partition i receives from all partitions before it in the chain; null = nothing (the first). */
export type Carry = CumValue[] | RecordBatch | FillCarry | null;

export function carryDirection(mode: CarryMode): Direction {
  if (mode.kind === 'fill') return mode.direction;
  if (mode.kind === 'shift') return mode.periods >= 0 ? 'forward' : 'backward';
  return 'forward';
}

/** The defined columns evaluated over a partition, as a batch named by their output names. */
function evaluated(batch: RecordBatch, defs: Definitions): RecordBatch {
  const cache = new Map<string, Evaluated>();
  const cols = defs.map(([, e]) => evaluateColumn(batch, e, cache));
  return makeBatch(new Schema(defs.map(([n], i) => new Field(n, cols[i]!.type, true))), cols);
}

export function carryEdge(batch: RecordBatch, defs: Definitions, mode: CarryMode): Edge {
  const cols = evaluated(batch, defs);
  switch (mode.kind) {
    case 'cum':
      return cols.data.children.map((d) => cumulativeTotal(mode.op, d));
    case 'shift':
      return edgeRows(cols, Math.abs(mode.periods), carryDirection(mode));
    case 'fill':
      return fillEdge(cols, mode.direction);
  }
}

export function carryStep(carry: Carry, edge: Edge, mode: CarryMode, exact: readonly boolean[]): Carry {
  switch (mode.kind) {
    case 'cum': {
      const prev = carry as CumValue[] | null;
      return (edge as CumValue[]).map((v, i) => {
        const p = prev ? prev[i]! : null;
        return v === null ? p : combine(mode.op, p, v, exact[i]!);
      });
    }
    case 'shift':
      return shiftCarryStep(carry as RecordBatch | null, edge as RecordBatch, Math.abs(mode.periods), carryDirection(mode));
    case 'fill':
      return fillCarryStep(carry as FillCarry | null, edge as FillCarry);
  }
}

/** The partition with the defined columns replaced (in place) or appended, computed from the carry. */
export function carryApply(batch: RecordBatch, carry: Carry, defs: Definitions, mode: CarryMode): RecordBatch {
  const cols = evaluated(batch, defs);
  const fields = [...batch.schema.fields];
  const data = [...batch.data.children];
  defs.forEach(([name], i) => {
    const d = cols.data.children[i]!;
    let out;
    if (mode.kind === 'cum') out = cumulativeColumn(mode.op, d, carry ? (carry as CumValue[])[i]! : null, name);
    else if (mode.kind === 'shift') out = shiftColumn(d, carry ? (carry as RecordBatch).data.children[i]! : null, mode.periods);
    else {
      const fc = carry as FillCarry | null;
      out = fillColumn(d, fc ? fc.values.data.children[i]! : null, mode.direction, mode.limit ?? null, fc ? fc.gaps[i]! : 0);
    }
    const field = new Field(name, out.type, true);
    const at = fields.findIndex((f) => f.name === name);
    if (at >= 0) {
      fields[at] = field;
      data[at] = out;
    } else {
      fields.push(field);
      data.push(out);
    }
  });
  return makeBatch(new Schema(fields), data);
}
