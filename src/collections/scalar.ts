// A lazy scalar: a reduction of a column, or arithmetic on such reductions (s.sum().div(s.count())).

import { COLLECTION, type Collection, type ComputeOptions, type OutputPlan, explainPlans, run } from './compute.ts';
import type { ScalarNode } from './plan.ts';
import type { ScalarValue } from '../kernels/summary.ts';

type Operand = Scalar | number;

/**
 * A lazy value of type `T`: `col.mean()` is a `Scalar<number | null>` (null when there is no data),
 * `col.count()` a `Scalar<number>`, `col.sum()` a `Scalar<number | bigint>` (exact integer sums beyond
 * 2^53 are bigints). Arithmetic on scalars gives a `Scalar` of any scalar value.
 */
export class Scalar<T extends ScalarValue = ScalarValue> implements Collection {
  readonly [COLLECTION] = true as const;
  constructor(readonly node: ScalarNode) {}

  _output(): OutputPlan {
    return { kind: 'scalar', node: this.node };
  }

  private binary(op: 'add' | 'sub' | 'mul' | 'div' | 'pow', other: Operand): Scalar {
    if (typeof other !== 'number' && !(other instanceof Scalar)) throw new TypeError(`${op}() takes a Scalar or a number; got ${String(other)}`);
    return new Scalar({ kind: 'binary', op, l: this.node, r: typeof other === 'number' ? other : other.node });
  }
  add(o: Operand): Scalar {
    return this.binary('add', o);
  }
  sub(o: Operand): Scalar {
    return this.binary('sub', o);
  }
  mul(o: Operand): Scalar {
    return this.binary('mul', o);
  }
  div(o: Operand): Scalar {
    return this.binary('div', o);
  }
  pow(o: Operand): Scalar {
    return this.binary('pow', o);
  }

  /** The value: a number, a bigint for integers beyond 2^53, a boolean (any/all), or null (no data). */
  async compute(options: ComputeOptions = {}): Promise<T> {
    return (await run([this._output()], options))[0] as T;
  }

  explain(options: ComputeOptions = {}): string {
    return explainPlans([this._output()], options);
  }
}
