// Series.map(fn): a user function called once per value (once per distinct entry of a dictionary column),
// its results checked against the dtype declared when the expression was built. Functions arrive shipped
// (collections/udf.ts); a module reference is imported before the partition's kernel runs (the *-udf ops).

import { type Data, type DataType, Type } from 'apache-arrow';
import type { ColExpr } from '../expr.ts';
import { kindOf } from '../expr.ts';
import { registerExprFunction } from './expr-functions.ts';
import { typeFromTag } from './type-tags.ts';
import { buildColumn } from './cleaning.ts';
import { boolBytes } from './column-values.ts';
import { validityOf } from './validity.ts';
import { stringAt } from './strings.ts';
import { epochMsReader, isTemporalType } from './dates.ts';
import { type UdfRef, loadUdf } from './groupby/udf-runtime.ts';
import { registerOp } from '../scheduler/registry.ts';
import { assign, filter } from './frame-ops.ts';
import { reduceChunk } from './reduce-ops.ts';
import type { RecordBatch } from 'apache-arrow';
import type { Needs } from './summary.ts';

type Fn = (value: unknown, params?: unknown) => unknown;

export interface MapOptions {
  readonly fn: UdfRef;
  /** Type tag of the result (float64, int32, int64, bool, utf8). */
  readonly dtype: string;
  /** pandas' na_action='ignore': nulls stay null without calling fn (the default here). */
  readonly skipNulls: boolean;
  readonly params: unknown;
}

/** Module functions this thread has imported, by module#export (filled by the *-udf ops before kernels run). */
const imported = new Map<string, Fn>();

function functionOf(ref: UdfRef): Fn {
  if (ref.kind === 'module') {
    const f = imported.get(`${ref.module}#${ref.export}`);
    if (!f) throw new Error('internal: a module function of Series.map was not imported before its kernel ran');
    return f;
  }
  return loadUdf(ref) as Fn;
}

function valueReader(d: Data): (i: number) => unknown {
  const k = kindOf(d.type);
  if (k === 'string') return stringAt(d);
  if (k === 'bool') {
    const b = boolBytes(d);
    return (i) => b[i] === 1;
  }
  if (isTemporalType(d.type)) {
    const ms = epochMsReader(d);
    return (i) => new Date(ms(i));
  }
  const v = d.values as ArrayLike<number | bigint>;
  return (i) => {
    const x = v[i]!;
    return typeof x === 'bigint' && x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
  };
}

/** The user's result as a value of the declared type, or a TypeError naming the input and what to declare. */
function checked(out: unknown, input: unknown, type: DataType, what: string): number | bigint | string | boolean | null {
  if (out === null || out === undefined) return null;
  const k = kindOf(type);
  const bad = (): never => {
    throw new TypeError(`${what}: the function returned ${typeof out === 'string' ? JSON.stringify(out) : String(out)} (${typeof out}) for ${typeof input === 'string' ? JSON.stringify(input) : String(input)}, but the declared dtype is ${String(type)}; pass {dtype: ...} to map() to match what it returns`);
  };
  switch (k) {
    case 'float':
      return typeof out === 'number' ? out : typeof out === 'bigint' ? Number(out) : bad();
    case 'int':
      return typeof out === 'number' && Number.isInteger(out) ? out : bad();
    case 'bigint':
      return typeof out === 'bigint' || (typeof out === 'number' && Number.isSafeInteger(out)) ? out : bad();
    case 'bool':
      return typeof out === 'boolean' ? out : bad();
    default:
      return typeof out === 'string' ? out : bad();
  }
}

registerExprFunction('map', {
  type([t], opts: { dtype: string }, _args, what) {
    if (kindOf(t!) === 'other' && !isTemporalType(t!)) throw new TypeError(`${what}: map() cannot read values of ${String(t)}`);
    return typeFromTag(opts.dtype);
  },
  evaluate([x], n, opts: MapOptions, type, what) {
    const fn = functionOf(opts.fn);
    const call = (v: unknown): unknown => {
      try {
        return fn(v, opts.params);
      } catch (e) {
        const err = new Error(`${what}: the function threw for ${typeof v === 'string' ? JSON.stringify(v) : String(v)}: ${(e as Error)?.message ?? String(e)}`);
        (err as { cause?: unknown }).cause = e;
        throw err;
      }
    };
    if ('lit' in x!) return { lit: (x.lit === null && opts.skipNulls ? null : checked(call(x.lit), x.lit, type, what)) as never };
    const d = x.data;
    const valid = d.typeId === Type.Null ? new Uint8Array((n + 7) >> 3) : validityOf(d);
    const isValid = (i: number) => valid === null || ((valid[i >> 3]! >> (i & 7)) & 1) === 1;
    const read = d.typeId === Type.Null ? () => null : valueReader(d);
    // A dictionary column calls fn once per distinct entry.
    const memo = d.typeId === Type.Dictionary ? new Map<number, unknown>() : null;
    const codes = d.values as ArrayLike<number>;
    return {
      data: buildColumn(type, n, (i) => {
        if (!isValid(i)) return opts.skipNulls ? null : checked(call(null), null, type, what);
        if (memo) {
          const c = codes[i]!;
          if (memo.has(c)) return memo.get(c) as never;
          const v = read(i);
          const out = checked(call(v), v, type, what);
          memo.set(c, out);
          return out;
        }
        const v = read(i);
        return checked(call(v), v, type, what);
      }),
    };
  },
});

/** Module references among the `map` calls of some expressions. */
function moduleRefs(exprs: readonly ColExpr[]): UdfRef[] {
  const out: UdfRef[] = [];
  const visit = (e: ColExpr): void => {
    if (e.t === 'bin') {
      visit(e.l);
      visit(e.r);
    } else if (e.t === 'un') visit(e.x);
    else if (e.t === 'call') {
      if (e.fn === 'map' && (e.opts as MapOptions).fn.kind === 'module') out.push((e.opts as MapOptions).fn);
      e.args.forEach(visit);
    }
  };
  exprs.forEach(visit);
  return out;
}

async function importAll(exprs: readonly ColExpr[]): Promise<void> {
  for (const ref of moduleRefs(exprs)) {
    if (ref.kind !== 'module') continue;
    const key = `${ref.module}#${ref.export}`;
    if (!imported.has(key)) imported.set(key, (await loadUdf(ref)) as Fn);
  }
}

// The same ops as frame.assign / frame.filter / reduce.chunk, after importing the module functions they call.
registerOp('frame.assign-udf', async (batch: RecordBatch, assignments: ReadonlyArray<readonly [string, ColExpr]>) => {
  await importAll(assignments.map(([, e]) => e));
  return assign(batch, assignments);
});
registerOp('frame.filter-udf', async (batch: RecordBatch, predicate: ColExpr) => {
  await importAll([predicate]);
  return filter(batch, predicate);
});
registerOp('reduce.chunk-udf', async (batch: RecordBatch, exprs: readonly ColExpr[], needs: readonly Needs[]) => {
  await importAll(exprs);
  return reduceChunk(batch, exprs, needs);
});
