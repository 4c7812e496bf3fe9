// A one-input verb (cumsum, shift, ffill, dropDuplicates, nlargest, valueCounts' finishing steps) as a
// derived plan node: the verb says its schema, the input columns it reads and how to lower, and this
// adapter gives the planner the DerivedVerb it expects (plan.ts).

import type { Schema } from 'apache-arrow';
import { type DerivedNode, type DerivedVerb, type FrameNode, derivedNode } from '../plan.ts';
import type { GraphBuilder } from '../lower.ts';

export interface UnaryVerb {
  /** Shown by explain(); with `params` (plain data), the node's token material. */
  readonly name: string;
  readonly params: unknown;
  schemaOver(input: FrameNode): Schema;
  npartitionsOver(input: FrameNode): number;
  /** Input columns needed for the output columns `need` (null = all of them). */
  inputColumns(need: ReadonlySet<string> | null, input: FrameNode): ReadonlySet<string> | null;
  /** Columns the verb (re)defines when every other column passes through row for row; null when rows change. */
  readonly rowPreservingExcept: readonly string[] | null;
  /** Emit the tasks computing output partition i under outKeys[i], from the input's partition keys. */
  lower(builder: GraphBuilder, inputKeys: readonly string[], outKeys: readonly string[], node: DerivedNode): void;
}

export function unaryNode(input: FrameNode, v: UnaryVerb): DerivedNode {
  const verb: DerivedVerb = {
    describe: () => v.name,
    inputNeeds: (need, node) => [v.inputColumns(need, node.inputs[0]!)],
    rebuild: (inputs) => unaryNode(inputs[0]!, v),
    lower(builder, node) {
      const inputKeys = builder.frame(node.inputs[0]!);
      const outKeys = Array.from({ length: node.npartitions }, (_, i) => `${node.token}#${i}`);
      v.lower(builder, inputKeys, outKeys, node);
      return outKeys;
    },
    ...(v.rowPreservingExcept === null ? {} : { rowsKeptExcept: v.rowPreservingExcept }),
  };
  return derivedNode(v.name, [input], verb, v.schemaOver(input), v.npartitionsOver(input), v.params);
}
