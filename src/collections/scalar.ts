// A lazy scalar: a reduction of a column, or arithmetic on such reductions (s.sum().div(s.count())).

import { type ComputeOptions, computeOne, explainOutputs } from './compute.ts';
import { COLLECTION, type Collection, type FrameRewrite, type Output, describeReductions } from './output.ts';
import type { ReductionRequest, ScalarNode } from './plan.ts';
import { requestsOf } from './lower.ts';
import type { ScalarValue } from '../kernels/summary.ts';

const SCALAR = Symbol.for('tessera.scalar');

/** True for a Scalar of any copy of tessera (a brand, not instanceof). */
export function isScalar(x: unknown): x is Scalar {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[SCALAR] === true;
}

/** A scalar's output: its reductions are lowered fused with every other output's; it finishes to one value. */
function scalarOutput(node: ScalarNode): Output<ScalarValue> {
  return {
    frames: [],
    reductions: requestsOf(node),
    withFrames: (rw) => scalarOutput(mapRequests(node, rw)),
    lower: (builder) => [builder.scalar(node)],
    finish: (values) => values[0] as ScalarValue,
    explain: () => describeReductions(requestsOf(node)),
  };
}

function mapRequests(n: ScalarNode, rw: FrameRewrite): ScalarNode {
  if (n.kind === 'reduce') {
    const request: ReductionRequest = rw.request(n.request);
    return request === n.request ? n : { kind: 'reduce', request };
  }
  const l = typeof n.l === 'number' ? n.l : mapRequests(n.l, rw);
  const r = typeof n.r === 'number' ? n.r : mapRequests(n.r, rw);
  return l === n.l && r === n.r ? n : { ...n, l, r };
}

type Operand = Scalar | number;

/**
 * A lazy value of type `T`: `col.mean()` is a `Scalar<number | null>` (null when there is no data),
 * `col.count()` a `Scalar<number>`, `col.sum()` a `Scalar<number | bigint>` (exact integer sums beyond
 * 2^53 are bigints). Arithmetic on scalars gives a `Scalar` of any scalar value.
 */
export class Scalar<T extends ScalarValue = ScalarValue> implements Collection {
  readonly [SCALAR] = true;
  constructor(readonly node: ScalarNode) {}

  [COLLECTION](): Output<ScalarValue> {
    return scalarOutput(this.node);
  }

  private binary(op: 'add' | 'sub' | 'mul' | 'div' | 'pow', other: Operand): Scalar {
    if (typeof other !== 'number' && !isScalar(other)) throw new TypeError(`${op}() takes a Scalar or a number; got ${String(other)}`);
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
    return (await computeOne(scalarOutput(this.node), options)) as T;
  }

  explain(options: ComputeOptions = {}): string {
    return explainOutputs([scalarOutput(this.node)], options);
  }
}
