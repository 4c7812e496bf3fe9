// The logical plan: immutable nodes that know their schema and partition count when built, and a
// deterministic token (same plan built twice -> same token -> same task keys -> shared work).

import { type Schema, Field, Schema as ArrowSchema } from 'apache-arrow';
import { tokenize } from '../scheduler/tokenize.ts';
import type { PartitionSource } from './source.ts';
import { type ColExpr, columnsOf, describeExpr, exprType, kindOf, unknownColumn } from '../expr.ts';
import type { ReductionName } from '../kernels/summary.ts';
import { type GroupAggSpec, groupAggType, groupKeyType } from '../kernels/groupby/aggregate.ts';
import { typeFromTag } from '../kernels/type-tags.ts';
import { registerLocalFunction } from '../kernels/groupby/udf-runtime.ts';
import type { GraphBuilder } from './lower.ts';
import { leniently } from './provisional-types.ts';

interface NodeBase {
  readonly token: string;
  readonly schema: Schema;
  readonly npartitions: number;
}

export interface SourceNode extends NodeBase {
  readonly kind: 'source';
  readonly source: PartitionSource;
  /** Columns read from the source (null = all); set by projection pushdown. */
  readonly columns: readonly string[] | null;
}
export interface ProjectNode extends NodeBase {
  readonly kind: 'project';
  readonly input: FrameNode;
  readonly columns: readonly string[];
}
export interface AssignNode extends NodeBase {
  readonly kind: 'assign';
  readonly input: FrameNode;
  readonly assignments: ReadonlyArray<readonly [string, ColExpr]>;
  /** Sampled columns compared with strings: read before preparing (provisional-types.ts). */
  readonly verify?: readonly Field[];
}
export interface FilterNode extends NodeBase {
  readonly kind: 'filter';
  readonly input: FrameNode;
  readonly predicate: ColExpr;
  /** Sampled columns compared with strings: read before preparing (provisional-types.ts). */
  readonly verify?: readonly Field[];
}

/** Hash aggregation: one row per distinct key tuple; `splitOut` output partitions by key hash. */
export interface GroupAggNode extends NodeBase {
  readonly kind: 'groupby-agg';
  readonly input: FrameNode;
  readonly keys: readonly string[];
  readonly specs: readonly GroupAggSpec[];
  readonly dropna: boolean;
  readonly order: GroupOrder;
  readonly splitEvery: number | null;
}

/** Row order of a groupby result: by key (pandas' default), as found, or by one output column, descending. */
export type GroupOrder = { readonly by: 'keys' } | { readonly by: 'none' } | { readonly by: 'output-desc'; readonly column: string };

/**
 * A frame made by a verb module (collections/verbs/: merge, concat, sortValues, mapPartitions, ...): any
 * number of input frames and its own lowering, so such verbs need no case of their own in the optimisers.
 */
export interface DerivedNode extends NodeBase {
  readonly kind: 'derived';
  readonly inputs: readonly FrameNode[];
  readonly verb: DerivedVerb;
}

/** What a verb tells the planner about itself. Plain methods; the node holds no data, only the plan. */
export interface DerivedVerb {
  /** One line for explain(), e.g. "merge inner on [k]". */
  describe(): string;
  /** Columns each input must provide when the consumers read `need` of the output (null = all columns). */
  inputNeeds(need: ReadonlySet<string> | null, node: DerivedNode): Array<ReadonlySet<string> | null>;
  /** The same verb over rewritten inputs (columns pruned by projection pushdown, a source's type widened). */
  rebuild(inputs: readonly FrameNode[]): FrameNode;
  /** Emit the tasks of the node's partitions; returns exactly npartitions keys. */
  lower(builder: GraphBuilder, node: DerivedNode): string[];
  /** The column the frame is indexed by: sorted, each value in one partition, partitions in order (setIndex). */
  readonly index?: string;
  /**
   * Set when the node has one input and keeps its rows one for one (cumsum, shift, ffill): the columns it
   * (re)defines. Every other column lines up with the input's, so a Series of either can meet the other.
   */
  readonly rowsKeptExcept?: readonly string[];
}

/** `identity` is the verb's token material (options, function identity) beside its inputs' tokens. */
export function derivedNode(name: string, inputs: readonly FrameNode[], verb: DerivedVerb, schema: Schema, npartitions: number, identity: unknown): DerivedNode {
  return { kind: 'derived', inputs, verb, schema, npartitions, token: tokenize('derived', name, inputs.map((i) => i.token), identity) };
}

/** The frames a node reads (none for a source). */
export function inputsOf(node: FrameNode): readonly FrameNode[] {
  if (node.kind === 'source') return [];
  if (node.kind === 'derived') return node.inputs;
  return [node.input];
}

export type FrameNode = SourceNode | ProjectNode | AssignNode | FilterNode | GroupAggNode | DerivedNode;

export function sourceNode(source: PartitionSource, columns: readonly string[] | null = null): SourceNode {
  let schema = source.schema;
  if (columns !== null) schema = selectSchema(schema, columns);
  return { kind: 'source', source, columns, schema, npartitions: source.npartitions, token: tokenize(source.name, source.token, columns) };
}

export function projectNode(input: FrameNode, columns: readonly string[]): ProjectNode {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new Error(`column '${c}' is selected twice`);
    seen.add(c);
  }
  return { kind: 'project', input, columns, schema: selectSchema(input.schema, columns), npartitions: input.npartitions, token: tokenize('select', input.token, columns) };
}

export function assignNode(input: FrameNode, assignments: ReadonlyArray<readonly [string, ColExpr]>): AssignNode {
  const fields = [...input.schema.fields];
  const verify: Field[] = [];
  for (const [name, expr] of assignments) {
    // Each assignment sees the input columns only (all are evaluated on the same partition).
    const typed = leniently(() => exprType(expr, input.schema));
    verify.push(...typed.fields);
    const field = new Field(name, typed.value, true);
    const i = fields.findIndex((f) => f.name === name);
    if (i >= 0) fields[i] = field;
    else fields.push(field);
  }
  const node: AssignNode = { kind: 'assign', input, assignments, schema: new ArrowSchema(fields), npartitions: input.npartitions, token: tokenize('assign', input.token, assignments) };
  return verify.length > 0 ? { ...node, verify } : node;
}

export function filterNode(input: FrameNode, predicate: ColExpr): FilterNode {
  const { value: t, fields: verify } = leniently(() => exprType(predicate, input.schema));
  const k = kindOf(t);
  if (k !== 'bool' && k !== 'null') throw new TypeError(`filter needs a boolean condition, but ${describeExpr(predicate)} is ${t}`);
  const node: FilterNode = { kind: 'filter', input, predicate, schema: input.schema, npartitions: input.npartitions, token: tokenize('filter', input.token, predicate) };
  return verify.length > 0 ? { ...node, verify } : node;
}

export function groupAggNode(
  input: FrameNode,
  keys: readonly string[],
  specs: readonly GroupAggSpec[],
  options: { dropna: boolean; order: GroupOrder; splitOut: number; splitEvery: number | null },
): GroupAggNode {
  const fields: Field[] = [];
  for (const k of keys) {
    const f = input.schema.fields.find((x) => x.name === k);
    if (!f) throw unknownColumn(k, input.schema);
    fields.push(new Field(k, groupKeyType(f.type), true));
  }
  for (const s of specs) {
    const f = s.column === null ? null : input.schema.fields.find((x) => x.name === s.column);
    if (s.column !== null && !f) throw unknownColumn(s.column, input.schema);
    if (fields.some((x) => x.name === s.out)) throw new Error(`groupby output column '${s.out}' appears twice; give the aggregations distinct names`);
    fields.push(new Field(s.out, s.fn === 'custom' ? typeFromTag(s.customType ?? 'float64') : groupAggType(s.fn, f ? f.type : null), true));
  }
  const { dropna, order, splitOut, splitEvery } = options;
  return {
    kind: 'groupby-agg',
    input,
    keys,
    specs,
    dropna,
    order,
    splitEvery,
    schema: new ArrowSchema(fields),
    npartitions: splitOut,
    token: tokenize('groupby-agg', input.token, keys, specs.map(specIdentity), dropna, order, splitOut, splitEvery),
  };
}

/** A spec as token material: custom aggregation functions count by identity (closures may capture state). */
function specIdentity(s: GroupAggSpec): unknown {
  if (!s.customFns) return s;
  const id = (f: unknown) => (typeof f === 'function' ? `fn${registerLocalFunction(f as (...a: unknown[]) => unknown)}` : f);
  const { customFns, ...rest } = s;
  return { ...rest, fns: [id(customFns.chunk), id(customFns.combine), id(customFns.finalize)], params: customFns.params };
}

export function selectSchema(schema: Schema, columns: readonly string[]): Schema {
  return new ArrowSchema(
    columns.map((c) => {
      const f = schema.fields.find((x) => x.name === c);
      if (!f) throw unknownColumn(c, schema);
      return f;
    }),
  );
}

/** One reduction of one column expression of a frame. */
export interface ReductionRequest {
  readonly frame: FrameNode;
  readonly expr: ColExpr;
  readonly name: ReductionName;
  readonly ddof: number;
  readonly splitEvery: number | null;
  /** quantile: which one (0..1), and whether a sketch may answer ({approx: true}). */
  readonly q?: number;
  readonly approx?: boolean;
  /** cov/corr: the second column, reduced over the rows where both are non-null. */
  readonly other?: ColExpr;
  /** Sampled columns compared with strings in `expr`: read before preparing (provisional-types.ts). */
  readonly verify?: readonly Field[];
}

/** A lazily computed scalar: a reduction, or arithmetic on scalars. */
export type ScalarNode =
  | { readonly kind: 'reduce'; readonly request: ReductionRequest }
  | { readonly kind: 'binary'; readonly op: 'add' | 'sub' | 'mul' | 'div' | 'pow'; readonly l: ScalarNode | number; readonly r: ScalarNode | number };

/** A lazily computed record: one reduction per column of a frame (df.sum()). */
export interface RecordNode {
  readonly names: readonly string[];
  readonly requests: readonly ReductionRequest[];
}

/**
 * Can an expression over `ancestor`'s columns `cols` be evaluated on `node` instead? True when node is
 * derived from ancestor by select/assign/filter without reassigning `cols`: each surviving row keeps its
 * values, which is what pandas' index alignment would give (df[df.a > 1].assign(b=df.a * 2)).
 */
export function rowAligned(node: FrameNode, ancestor: FrameNode, cols: ReadonlySet<string>): boolean {
  let cur: FrameNode = node;
  for (;;) {
    if (cur.token === ancestor.token) return true;
    if (cur.kind === 'project' || cur.kind === 'filter') {
      cur = cur.input;
    } else if (cur.kind === 'assign') {
      if (cur.assignments.some(([name]) => cols.has(name))) return false;
      cur = cur.input;
    } else if (cur.kind === 'derived' && cur.verb.rowsKeptExcept && cur.inputs.length === 1) {
      if (cur.verb.rowsKeptExcept.some((name) => cols.has(name))) return false;
      cur = cur.inputs[0]!;
    } else return false;
  }
}

export function exprColumns(e: ColExpr): Set<string> {
  return columnsOf(e);
}

/** groupby-apply / transform: a user function per group after a hash shuffle into `nbuckets` buckets. */
export interface ApplyNode {
  readonly token: string;
  readonly input: FrameNode;
  readonly keys: readonly string[];
  readonly dropna: boolean;
  readonly sort: boolean;
  /** A function, or a module reference ({module, export}); shipped at lowering time for the chosen scheduler. */
  readonly fn: unknown;
  readonly params: unknown;
  readonly nbuckets: number;
  readonly mode: 'apply' | 'transform';
  readonly name: string;
}

/** Human-readable plan tree for explain(). */
export function describePlan(node: FrameNode, indent = ''): string {
  const head = (() => {
    switch (node.kind) {
      case 'source':
        return `${node.source.describe()}${node.columns ? ` columns=[${node.columns.join(', ')}]` : ''}`;
      case 'project':
        return `select [${node.columns.join(', ')}]`;
      case 'assign':
        return `assign ${node.assignments.map(([n, e]) => `${n}=${describeExpr(e)}`).join(', ')}`;
      case 'filter':
        return `filter ${describeExpr(node.predicate)}`;
      case 'groupby-agg':
        return `groupby [${node.keys.join(', ')}] agg ${node.specs.map((s) => `${s.out}=${s.fn}(${s.column ?? ''})`).join(', ')}${node.dropna ? '' : ' (null keys kept)'}`;
      case 'derived':
        return node.verb.describe();
    }
  })();
  const line = `${indent}${head}  (${node.npartitions} partitions)`;
  return [line, ...inputsOf(node).map((i) => describePlan(i, `${indent}  `))].join('\n');
}
