// Turning what a user passes next to a Series (another Series, a lazy Scalar, a literal, a Date) into an
// expression over one frame, with the checks every element-wise verb shares.

import type { BinaryOp, ColExpr, Literal } from '../../expr.ts';
import { columnsOf } from '../../expr.ts';
import { type FrameNode, rowAligned } from '../plan.ts';
import { Series, isSeries } from '../series.ts';
import { isScalar, type Scalar } from '../scalar.ts';
import { scalarLeaf } from '../scalar-leaf.ts';

export type Operand = Series | Scalar | Literal | Date;

/** The frame two expressions can both be evaluated on, or an error saying how to bring them together. */
export function alignFrames(a: FrameNode, aExpr: ColExpr, b: FrameNode, bExpr: ColExpr, where: string): FrameNode {
  if (a.token === b.token) return a;
  if (rowAligned(a, b, columnsOf(bExpr))) return a;
  if (rowAligned(b, a, columnsOf(aExpr))) return b;
  throw new Error(`${where}: the Series come from different DataFrames whose rows do not line up; combine columns of one DataFrame (df.assign brings them together)`);
}

/** `v` as an expression next to `s`; the frame is `s`'s unless `v` is a Series derived from it. */
export function operandOf(s: Series, v: Operand, where: string): { frame: FrameNode; expr: ColExpr } {
  if (isSeries(v)) return { frame: alignFrames(s.frame, s.expr, v.frame, v.expr, where), expr: v.expr };
  if (isScalar(v)) return { frame: s.frame, expr: scalarLeaf(v.node) };
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new TypeError(`${where}: the Date is invalid`);
    return { frame: s.frame, expr: { t: 'lit', value: v.toISOString() } };
  }
  if (v === null || ['number', 'bigint', 'string', 'boolean'].includes(typeof v)) return { frame: s.frame, expr: { t: 'lit', value: v } };
  throw new TypeError(`${where}: expected a Series, a Scalar, a number, bigint, string, boolean, Date or null; got ${String(v)}`);
}

/** `s op v` for a comparison or arithmetic operator, where `v` may also be a Scalar or a Date. */
export function compareWith(s: Series, op: BinaryOp, v: Operand, where: string): Series {
  const o = operandOf(s, v, where);
  return new Series(o.frame, { t: 'bin', op, l: s.expr, r: o.expr }, s.name);
}

/** A new Series from a call expression over `s` (and operands), keeping its name. */
export function callSeries(s: Series, fn: string, operands: readonly Operand[], opts: unknown, where: string): Series {
  let frame = s.frame;
  const args: ColExpr[] = [s.expr];
  for (const v of operands) {
    const o = operandOf(new Series(frame, s.expr, s.name), v, where);
    frame = o.frame;
    args.push(o.expr);
  }
  return new Series(frame, { t: 'call', fn, args, opts: opts ?? null }, s.name);
}

/** A plain options object (or nothing), with every key known: the shared edge check of verb options. */
export function optionsOf<T extends object>(where: string, options: T | undefined, known: readonly string[]): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(`${where}: options must be an object; got ${String(options)}`);
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new TypeError(`${where}: unknown option ${unknown.map((k) => `'${k}'`).join(', ')}; known: ${known.join(', ')}`);
  return options;
}
