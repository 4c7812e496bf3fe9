// Graph-level optimisations that do not need to know what ops mean: cull to what was asked for,
// and fuse linear chains (read -> filter -> partial-reduce of one partition) into one task, so an
// executor pays one round trip per partition instead of one per step.

import type { Graph, Key, Task } from './graph.ts';
import { CHAIN_OP, type ChainStep } from './execute.ts';

/** Keep only the tasks that `outputs` need. Throws naming the key if an output or dependency is missing. */
export function cull(graph: Graph, outputs: readonly Key[]): Graph {
  const out: Graph = new Map();
  const stack: Key[] = [...outputs];
  const neededBy = new Map<Key, Key | null>(outputs.map((k) => [k, null]));
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (out.has(key)) continue;
    const t = graph.get(key);
    if (!t) {
      const by = neededBy.get(key);
      throw new Error(by ? `task '${by}' depends on '${key}', which is not in the graph` : `output '${key}' is not in the graph`);
    }
    out.set(key, t);
    for (const d of t.deps) {
      if (!out.has(d)) {
        if (!neededBy.has(d)) neededBy.set(d, key);
        stack.push(d);
      }
    }
  }
  return out;
}

/** Number of tasks that read each key's result. */
export function dependentCounts(graph: Graph): Map<Key, number> {
  const counts = new Map<Key, number>();
  for (const k of graph.keys()) counts.set(k, 0);
  for (const t of graph.values()) for (const d of t.deps) counts.set(d, (counts.get(d) ?? 0) + 1);
  return counts;
}

/**
 * Fuse chains a -> b -> c where each link is the only dependency of the next and has no other reader.
 * The fused task keeps the key of the chain's last task, so outputs and readers are unaffected.
 */
export function fuseLinearChains(graph: Graph, outputs: readonly Key[]): Graph {
  const pinned = new Set(outputs);
  const dependents = dependentCounts(graph);
  // A task is absorbed into its single reader when that reader has it as its only dependency.
  const absorbedInto = new Map<Key, Key>();
  for (const t of graph.values()) {
    if (t.deps.length === 1) {
      const d = t.deps[0]!;
      if (dependents.get(d) === 1 && !pinned.has(d)) absorbedInto.set(d, t.key);
    }
  }
  if (absorbedInto.size === 0) return graph;
  const out: Graph = new Map();
  for (const t of graph.values()) {
    if (absorbedInto.has(t.key)) continue; // emitted as part of its reader's chain
    if (t.deps.length !== 1 || !absorbedInto.has(t.deps[0]!)) {
      out.set(t.key, t);
      continue;
    }
    // Walk back to the head of the chain ending at t.
    const chain: Task[] = [t];
    let cur = t;
    while (cur.deps.length === 1 && absorbedInto.has(cur.deps[0]!)) {
      cur = graph.get(cur.deps[0]!)!;
      chain.push(cur);
    }
    chain.reverse();
    const steps: ChainStep[] = chain.map((c) => flattenStep(c)).flat();
    out.set(t.key, { key: t.key, op: CHAIN_OP, args: [steps], deps: chain[0]!.deps });
  }
  return out;
}

function flattenStep(t: Task): ChainStep[] {
  // A task that is itself a chain (fused earlier) contributes its steps, keeping chains one level deep.
  if (t.op === CHAIN_OP) return t.args[0] as ChainStep[];
  return [{ key: t.key, op: t.op, args: t.args }];
}
