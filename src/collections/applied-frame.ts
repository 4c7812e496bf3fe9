// The result of groupby(...).apply(fn) / .transform(fn). Its schema comes from what the function really
// returns for real groups (never from running it on fake data), so it is known after compute();
// persist() turns it into an ordinary lazy DataFrame to continue from.

import type { Table } from 'apache-arrow';
import { COLLECTION, type Collection, type ComputeOptions, type OutputPlan, explainPlans, run } from './compute.ts';
import { DataFrame } from './dataframe.ts';
import { fromArrow } from './constructors.ts';
import type { ApplyNode } from './plan.ts';

export class AppliedFrame implements Collection {
  readonly [COLLECTION] = true as const;
  constructor(readonly node: ApplyNode) {}

  get npartitions(): number {
    return this.node.nbuckets;
  }

  _output(): OutputPlan {
    return { kind: 'applied', node: this.node };
  }

  /** One row per group (or per returned row), key columns first, sorted by key. */
  async compute(options: ComputeOptions = {}): Promise<Table> {
    return (await run([this._output()], options))[0] as Table;
  }
  toArrow(options: ComputeOptions = {}): Promise<Table> {
    return this.compute(options);
  }

  /** Compute and continue lazily from the result. */
  async persist(options: ComputeOptions & { npartitions?: number } = {}): Promise<DataFrame> {
    const { npartitions, ...rest } = options;
    return fromArrow(await this.compute(rest), { npartitions: npartitions ?? 1 });
  }

  explain(options: ComputeOptions = {}): string {
    return explainPlans([this._output()], options);
  }
}
