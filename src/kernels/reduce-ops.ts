// Tree reductions as three ops: chunk (one partition -> partial summaries of several expressions in a
// single scan each), combine (merge up to splitEvery partials), finalize (partials -> requested values).

import type { RecordBatch } from 'apache-arrow';
import type { ColExpr, Literal } from '../expr.ts';
import { evaluate, evaluateColumn, type Evaluated } from './evaluate.ts';
import { type ExtraOutput, gatherExtras } from './summary-extras.ts';
import { recordOf } from './name-records.ts';
import {
  type Needs,
  type ReductionName,
  type ScalarValue,
  type Summary,
  emptySummary,
  finalizeSummary,
  mergeSummaries,
  summarize,
} from './summary.ts';

export function reduceChunk(batch: RecordBatch, exprs: readonly ColExpr[], needs: readonly Needs[]): Summary[] {
  const cache = new Map<string, Evaluated>();
  return exprs.map((expr, i) => {
    const e = evaluate(batch, expr, cache);
    const s = 'lit' in e ? literalSummary(e.lit, batch.numRows) : summarize(e.data, needs[i]!);
    const { values, sketch, co } = needs[i]!;
    if (values || sketch || (co && co.length > 0)) {
      const column = (j: number) => evaluateColumn(batch, exprs[j]!, cache);
      s.extra = gatherExtras(column(i), needs[i]!, column);
    }
    return s;
  });
}

/** A literal reduced over n rows (e.g. df.assign({one: 1}).col('one').sum()). */
function literalSummary(v: Literal, n: number): Summary {
  const s = emptySummary(typeof v === 'bigint' || typeof v === 'boolean');
  if (v === null || n === 0 || typeof v === 'string') return { ...s, n: v === null ? 0 : n };
  const x = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
  return {
    ...s,
    n,
    sum: typeof v === 'number' ? x * n : 0,
    isum: typeof v === 'bigint' ? v * BigInt(n) : typeof v === 'boolean' ? BigInt(x * n) : null,
    min: typeof v === 'boolean' ? v : v,
    max: typeof v === 'boolean' ? v : v,
    nan: Number.isNaN(x),
    mean: x,
    m2: 0,
    prod: x ** n,
    any: x !== 0,
    all: x !== 0,
  };
}

export function reduceCombine(parts: readonly Summary[][]): Summary[] {
  const out = parts[0]!.slice();
  for (let p = 1; p < parts.length; p++) {
    const part = parts[p]!;
    for (let i = 0; i < out.length; i++) out[i] = mergeSummaries(out[i]!, part[i]!);
  }
  return out;
}

export interface ReductionOutput extends ExtraOutput {
  /** Index into the chunk's expression list. */
  readonly expr: number;
  readonly name: ReductionName;
  readonly ddof: number;
}

export function reduceFinalize(summaries: readonly Summary[], outputs: readonly ReductionOutput[]): ScalarValue[] {
  return outputs.map((o) => finalizeSummary(summaries[o.expr]!, o.name, o.ddof, o));
}

export function pick(values: readonly unknown[], index: number): unknown {
  return values[index];
}

export function pickRecord(values: readonly unknown[], names: readonly string[], indices: readonly number[]): Record<string, unknown> {
  return recordOf(names.map((n, i) => [n, values[indices[i]!]] as const));
}

export type ScalarBinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow';

/** Arithmetic on computed scalars: exact when both are integers (bigint), JS numbers otherwise; null propagates. */
export function scalarBinary(a: ScalarValue, b: ScalarValue, op: ScalarBinaryOp): ScalarValue {
  if (a === null || b === null) return null;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const isInt = (x: ScalarValue) => typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x));
    if (isInt(a) && isInt(b) && op !== 'div' && op !== 'pow') {
      const x = BigInt(a as number | bigint);
      const y = BigInt(b as number | bigint);
      const r = op === 'add' ? x + y : op === 'sub' ? x - y : x * y;
      return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
    }
  }
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return x / y;
    case 'pow':
      return x ** y;
  }
}

/** Partials of a frame with no partitions: the identity of every statistic. */
export function reduceEmpty(integral: readonly boolean[]): Summary[] {
  return integral.map((i) => emptySummary(i));
}
