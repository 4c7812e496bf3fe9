// The result of groupby(...).apply(fn) / .transform(fn). Its schema comes from what the function really
// returns for real groups (never from running it on fake data), so it is known after compute();
// persist() turns it into an ordinary lazy DataFrame to continue from.

import type { RecordBatch, Table } from 'apache-arrow';
import { type ComputeOptions, computeOne, explainOutputs } from './compute.ts';
import { COLLECTION, type Collection, type Output } from './output.ts';
import { assembleApplied } from './apply-result.ts';
import { describePlan } from './plan.ts';
import { DataFrame } from './dataframe.ts';
import { fromArrow } from './constructors.ts';
import type { ApplyNode } from './plan.ts';

/** Buckets of a shuffle, each running the user's function on its groups; finished into one sorted Table. */
function appliedOutput(node: ApplyNode): Output<Table> {
  return {
    frames: [{ node: node.input, need: null }],
    reductions: [],
    withFrames: (rw) => appliedOutput({ ...node, input: rw.frame(node.input) }),
    lower: (builder) => builder.applied(node),
    finish: (values) => assembleApplied(values as Array<RecordBatch | null>, node),
    explain: () =>
      `groupby [${node.keys.join(', ')}] ${node.mode} ${typeof node.fn === 'function' ? node.fn.name || 'function' : 'module function'} over ${node.nbuckets} shuffle buckets\n${describePlan(node.input, '  ')}`,
  };
}

export class AppliedFrame implements Collection {
  constructor(readonly node: ApplyNode) {}

  get npartitions(): number {
    return this.node.nbuckets;
  }

  [COLLECTION](): Output<Table> {
    return appliedOutput(this.node);
  }

  /** One row per group (or per returned row), key columns first, sorted by key. */
  async compute(options: ComputeOptions = {}): Promise<Table> {
    return computeOne(appliedOutput(this.node), options);
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
    return explainOutputs([appliedOutput(this.node)], options);
  }
}
