// Execution priority. Depth-first post-order from the outputs: a partition is read, reduced and its
// partial combined before the next partition is read, so peak memory stays flat as partitions grow.

import type { Graph, Key } from './graph.ts';

export class CycleError extends Error {
  constructor(readonly cycle: readonly Key[]) {
    super(`the task graph has a cycle: ${cycle.join(' -> ')}`);
    this.name = 'CycleError';
  }
}

/** Priority per key (lower runs first). Throws CycleError naming the keys on the cycle. */
export function order(graph: Graph, outputs: readonly Key[]): Map<Key, number> {
  const priority = new Map<Key, number>();
  const onStack = new Set<Key>();
  let next = 0;
  // Iterative DFS: graphs of 100k+ tasks would overflow the call stack recursively.
  const stack: Array<{ key: Key; i: number }> = [];
  const roots = outputs.length > 0 ? outputs : [...graph.keys()];
  for (const root of roots) {
    if (priority.has(root) || !graph.has(root)) continue;
    stack.push({ key: root, i: 0 });
    onStack.add(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const deps = graph.get(frame.key)!.deps;
      if (frame.i < deps.length) {
        const d = deps[frame.i++]!;
        if (priority.has(d) || !graph.has(d)) continue;
        if (onStack.has(d)) {
          const keys = stack.map((f) => f.key);
          throw new CycleError([...keys.slice(keys.indexOf(d)), d]);
        }
        stack.push({ key: d, i: 0 });
        onStack.add(d);
      } else {
        stack.pop();
        onStack.delete(frame.key);
        priority.set(frame.key, next++);
      }
    }
  }
  // Tasks unreachable from outputs (only when outputs were not culled first) come last, in key order.
  for (const k of graph.keys()) if (!priority.has(k)) priority.set(k, next++);
  return priority;
}

/** Every key in execution order (a topological order). */
export function topologicalOrder(graph: Graph, outputs: readonly Key[] = []): Key[] {
  const p = order(graph, outputs);
  return [...p.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
}
