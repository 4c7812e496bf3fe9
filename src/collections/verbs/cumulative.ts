// Boundary-crossing verbs: cumsum/cumprod/cummin/cummax, shift/diff/pctChange, ffill/bfill. Each is a
// verb node (plan.ts) lowered as: an edge task per partition, a chain of tiny carry steps (partition i's
// carry folds in partition i-1's edge; bfill and negative shifts chain from the last partition), and an
// apply task per partition. Rows are preserved, so the result lines up with its input frame.

import { type DataType, Field, Schema, Type } from 'apache-arrow';
import { type ColExpr, columnsOf, describeExpr, exprType, kindOf } from '../../expr.ts';
import { type FrameNode, type DerivedNode, assignNode, projectNode } from '../plan.ts';
import { ref } from '../../scheduler/graph.ts';
import type { GraphBuilder } from '../lower.ts';
import { type UnaryVerb, unaryNode } from './unary-verb.ts';
import { type CumOp, cumulativeType } from '../../kernels/cumulative.ts';
import { type CarryMode, type Definitions, carryDirection } from '../../kernels/carry-ops.ts';
import { assertKnownOptions } from '../../config.ts';

function describeMode(mode: CarryMode): string {
  if (mode.kind === 'cum') return mode.op;
  if (mode.kind === 'shift') return `shift(${mode.periods})`;
  return `${mode.direction === 'forward' ? 'ffill' : 'bfill'}${mode.limit ? `(limit ${mode.limit})` : ''}`;
}

function outputType(mode: CarryMode, input: DataType): DataType {
  return mode.kind === 'cum' ? cumulativeType(mode.op, input) : input;
}

/** The verb: `defs` (output name, expression) computed with `mode`, every other column passed through. */
export function carryVerb(defs: Definitions, mode: CarryMode): UnaryVerb {
  const names = defs.map(([n]) => n);
  return {
    name: `${describeMode(mode)} ${defs.map(([n, e]) => (e.t === 'col' && e.name === n ? n : `${n}=${describeExpr(e)}`)).join(', ')}`,
    params: { defs, mode },
    schemaOver(input: FrameNode) {
      const fields = [...input.schema.fields];
      for (const [name, expr] of defs) {
        const field = new Field(name, outputType(mode, exprType(expr, input.schema)), true);
        const at = fields.findIndex((f) => f.name === name);
        if (at >= 0) fields[at] = field;
        else fields.push(field);
      }
      return new Schema(fields);
    },
    npartitionsOver: (input) => input.npartitions,
    inputColumns(need, input) {
      if (need === null) return null;
      const out = new Set<string>();
      for (const c of need) if (!names.includes(c)) out.add(c);
      // Every definition is evaluated by the apply task, so its columns are read whatever is needed.
      for (const [, e] of defs) for (const c of columnsOf(e)) out.add(c);
      const have = new Set(input.schema.fields.map((f) => f.name));
      return new Set([...out].filter((c) => have.has(c)));
    },
    rowPreservingExcept: names,
    lower(builder: GraphBuilder, inputKeys: readonly string[], outKeys: readonly string[], node: DerivedNode) {
      const exact = defs.map(([, e]) => {
        const t = exprType(e, node.inputs[0]!.schema);
        return t.typeId === Type.Int || t.typeId === Type.Bool;
      });
      const p = inputKeys.length;
      const edges = inputKeys.map((k, i) => builder.addTask(`${node.token}-edge#${i}`, 'verbs.carry-edge', [ref(k), defs, mode]));
      // carry[i] holds what comes from the partitions before i (in the chain's direction); the first has none.
      const carries: Array<ReturnType<typeof ref> | null> = new Array(p).fill(null);
      const forward = carryDirection(mode) === 'forward';
      const order = Array.from({ length: p }, (_, j) => (forward ? j : p - 1 - j));
      for (let j = 1; j < p; j++) {
        const i = order[j]!;
        const prev = order[j - 1]!;
        carries[i] = ref(builder.addTask(`${node.token}-carry#${i}`, 'verbs.carry-step', [carries[prev], ref(edges[prev]!), mode, exact]));
      }
      inputKeys.forEach((k, i) => builder.addTask(outKeys[i]!, 'verbs.carry-apply', [ref(k), carries[i], defs, mode]));
    },
  };
}

function checkCumulative(op: CumOp, name: string, type: DataType): void {
  const k = kindOf(type);
  const ok = k === 'float' || k === 'int' || k === 'bigint' || k === 'null' || (k === 'bool' && (op === 'cumsum' || op === 'cumprod'));
  if (!ok) throw new TypeError(`${op}() needs a numeric column; '${name}' is ${String(type)}`);
}

/** A column over a frame: its expression and output name. */
export interface ColumnRef {
  readonly frame: FrameNode;
  readonly expr: ColExpr;
  readonly name: string;
}

/**
 * The frame a Series verb runs over, and the hidden column holding its result (a fresh name, so the
 * result still lines up row for row with the Series' frame: s.sub(s.shift(1)) works).
 */
function seriesVerb(s: ColumnRef, mode: CarryMode): { frame: FrameNode; column: string } {
  const taken = new Set(s.frame.schema.fields.map((f) => f.name));
  let column = `${describeMode(mode)}(${describeExpr(s.expr)})`;
  while (taken.has(column)) column += "'";
  return { frame: unaryNode(s.frame, carryVerb([[column, s.expr]], mode)), column };
}

export function seriesCumulative(s: ColumnRef, op: CumOp): { frame: FrameNode; column: string } {
  checkCumulative(op, s.name, exprType(s.expr, s.frame.schema));
  return seriesVerb(s, { kind: 'cum', op });
}

function checkPeriods(periods: unknown, where: string): number {
  if (!Number.isSafeInteger(periods)) throw new TypeError(`${where}: periods must be an integer; got ${String(periods)}`);
  return periods as number;
}

export function seriesShift(s: ColumnRef, periods: number, where = 'shift()'): { frame: FrameNode; column: string } {
  return seriesVerb(s, { kind: 'shift', periods: checkPeriods(periods, where) });
}

export interface FillOptions {
  /** Fill at most this many nulls in a row (counted across partitions); the rest of a longer run stays null. */
  limit?: number;
}

/** The fill mode of ffill/bfill(options), options checked. */
export function fillMode(direction: 'forward' | 'backward', options: FillOptions = {}): CarryMode {
  const where = direction === 'forward' ? 'ffill()' : 'bfill()';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, e.g. {limit: 2}`);
  assertKnownOptions(where, options, ['limit']);
  const { limit } = options;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) throw new TypeError(`${where}: limit must be a positive integer; got ${String(limit)}`);
  return limit === undefined ? { kind: 'fill', direction } : { kind: 'fill', direction, limit };
}

export function seriesFill(s: ColumnRef, direction: 'forward' | 'backward', options: FillOptions = {}): { frame: FrameNode; column: string } {
  return seriesVerb(s, fillMode(direction, options));
}

/** Checks diff/pctChange's column, then its shifted copy. */
export function seriesLagged(s: ColumnRef, periods: number, where: string): { frame: FrameNode; column: string } {
  const t = exprType(s.expr, s.frame.schema);
  const k = kindOf(t);
  if (!['float', 'int', 'bigint', 'null'].includes(k)) throw new TypeError(`${where} needs a numeric column; '${s.name}' is ${String(t)}`);
  return seriesShift(s, periods, where);
}

/** Frame versions: every column the verb applies to (all for shift and fills, numbers for cum*). */
export function frameCarry(frame: FrameNode, mode: CarryMode, where: string, numericOnly = false): FrameNode {
  const defs: Array<[string, ColExpr]> = [];
  const skipped: string[] = [];
  for (const f of frame.schema.fields) {
    const k = kindOf(f.type);
    const numeric = k === 'float' || k === 'int' || k === 'bigint' || k === 'null' || (k === 'bool' && mode.kind === 'cum' && (mode.op === 'cumsum' || mode.op === 'cumprod'));
    if (mode.kind === 'cum' && !numeric) skipped.push(`${f.name} (${String(f.type)})`);
    else defs.push([f.name, { t: 'col', name: f.name }]);
  }
  if (skipped.length > 0 && !numericOnly) throw new TypeError(`${where} does not apply to ${skipped.join(', ')}; select other columns or pass {numericOnly: true}`);
  if (defs.length === 0) throw new TypeError(`${where}: no column to compute`);
  return unaryNode(frame, carryVerb(defs, mode));
}

export function frameShift(frame: FrameNode, periods: number): FrameNode {
  return frameCarry(frame, { kind: 'shift', periods: checkPeriods(periods, 'shift()') }, 'shift()');
}

/** diff / pctChange of a frame: each numeric column against its copy shifted by `periods`. */
export function frameLagged(frame: FrameNode, periods: number, kind: 'diff' | 'pctChange', numericOnly = false): FrameNode {
  const where = `${kind}()`;
  checkPeriods(periods, where);
  const numeric: string[] = [];
  const skipped: string[] = [];
  for (const f of frame.schema.fields) {
    if (['float', 'int', 'bigint', 'null'].includes(kindOf(f.type))) numeric.push(f.name);
    else skipped.push(`${f.name} (${String(f.type)})`);
  }
  if (skipped.length > 0 && !numericOnly) throw new TypeError(`${where} does not apply to ${skipped.join(', ')}; select other columns or pass {numericOnly: true}`);
  const taken = new Set(frame.schema.fields.map((f) => f.name));
  const hidden = numeric.map((c) => {
    let h = `shift(${c})`;
    while (taken.has(h)) h += "'";
    taken.add(h);
    return h;
  });
  const shifted = unaryNode(frame, carryVerb(numeric.map((c, i) => [hidden[i]!, { t: 'col', name: c }] as const), { kind: 'shift', periods }));
  const assigned = assignNode(shifted, numeric.map((c, i) => [c, laggedExpr(kind, { t: 'col', name: c }, hidden[i]!)] as const));
  return projectNode(assigned, frame.schema.fields.map((f) => f.name));
}

/** x - shifted (integers stay integers, docs/TYPES.md), or x / shifted - 1 (float64). */
export function laggedExpr(kind: 'diff' | 'pctChange', x: ColExpr, shifted: string): ColExpr {
  const s: ColExpr = { t: 'col', name: shifted };
  if (kind === 'diff') return { t: 'bin', op: 'sub', l: x, r: s };
  return { t: 'bin', op: 'sub', l: { t: 'bin', op: 'div', l: x, r: s }, r: { t: 'lit', value: 1 } };
}
