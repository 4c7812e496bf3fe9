// The chaos test's workload: partitions of known values made by one op that can be told to misbehave
// (throw, end its worker, loop forever) after a delay spent either busy or waiting on a timer.

import { registerOp } from '../../src/scheduler/registry.ts';
import type { PartitionSource, PartitionTaskSpec } from '../../src/collections/source.ts';
import { rangeBatch } from '../scheduler/fixtures/test-ops.ts';

export const CHAOS_OPS_URL = import.meta.url;

export type PartitionFault = 'none' | 'throw' | 'die' | 'loop';

export interface PartitionPlan {
  readonly rows: number;
  readonly start: number;
  readonly delayMs: number;
  /** Spend the delay busy (holds the thread) or waiting on a timer (yields it). */
  readonly busy: boolean;
  readonly fault: PartitionFault;
}

function misbehave(plan: PartitionPlan, i: number): unknown {
  switch (plan.fault) {
    case 'throw':
      throw new Error(`chaos throw in partition ${i}`);
    case 'die':
      return process.exit(3); // ends a worker thread or process; on 'sync' this op is never planned
    case 'loop':
      for (;;);
    default:
      return rangeBatch(plan.rows, plan.start);
  }
}

registerOp('chaos.partition', (plan: PartitionPlan, i: number) => {
  if (plan.busy) {
    const end = performance.now() + plan.delayMs;
    while (performance.now() < end);
    return misbehave(plan, i);
  }
  return new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(misbehave(plan, i));
      } catch (e) {
        reject(e);
      }
    }, plan.delayMs),
  );
});

/** A frame whose partition i is made as `plans[i]` says. */
export class ChaosSource implements PartitionSource {
  readonly name = 'chaos';
  readonly token = `chaos:${Math.random()}`;
  readonly schema = rangeBatch(1).schema;
  readonly supportsProjection = false;
  constructor(readonly plans: readonly PartitionPlan[]) {}
  get npartitions(): number {
    return this.plans.length;
  }
  partitionTask(i: number): PartitionTaskSpec {
    return { op: 'chaos.partition', args: [this.plans[i], i] };
  }
  describe(): string {
    return `chaos source of ${this.plans.length} partitions`;
  }
}
