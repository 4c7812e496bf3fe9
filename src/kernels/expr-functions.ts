// The registry of named element-wise functions a `call` expression (src/expr.ts) refers to: each entry
// gives its result type from the argument types (checked when the expression is built) and its kernel.

import type { Data, DataType } from 'apache-arrow';
import type { ColExpr, Literal } from '../expr.ts';

/** An evaluated argument: a column of the partition or a literal. */
export type FnOperand = { readonly data: Data } | { readonly lit: Literal };

export interface ExprFunction {
  /** Result type; throws a TypeError naming `what` when the arguments do not fit. */
  type(argTypes: readonly DataType[], opts: any, args: readonly ColExpr[], what: string): DataType;
  /** The kernel over one partition of `n` rows, in the type `type()` chose. */
  evaluate(args: readonly FnOperand[], n: number, opts: any, type: DataType, what: string): FnOperand;
}

const functions = new Map<string, ExprFunction>();

/** Register at module top level of a kernel module that evaluate.ts imports (so every worker has it). */
export function registerExprFunction(name: string, fn: ExprFunction): void {
  functions.set(name, fn);
}

export function exprFunction(name: string): ExprFunction {
  const f = functions.get(name);
  if (!f) throw new Error(`unknown expression function '${name}'; known: ${[...functions.keys()].join(', ')}`);
  return f;
}
