// A lazy scalar: a reduction of a column, or arithmetic on such reductions (s.sum().div(s.count())).

import { COLLECTION, type Collection, type ComputeOptions, type OutputPlan, explainPlans, run } from './compute.ts';
import type { ScalarNode } from './plan.ts';
import type { ScalarValue } from '../kernels/summary.ts';

type Operand = Scalar | number;

export class Scalar implements Collection {
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
  async compute(options: ComputeOptions = {}): Promise<ScalarValue> {
    return (await run([this._output()], options))[0] as ScalarValue;
  }

  explain(options: ComputeOptions = {}): string {
    return explainPlans([this._output()], options);
  }
}
