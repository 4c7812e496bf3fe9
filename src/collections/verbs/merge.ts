// merge(other, {on | leftOn/rightOn, how, suffixes}): SQL joins of two frames. Three plans, chosen when the
// frame is built: broadcast the side that is one partition (every partition of the other side joins it
// whole; order of the big side kept), or a hash shuffle (both sides cut by key hash into N buckets, bucket j
// of each side joined locally), the only plan for outer joins of two partitioned frames.

import { Field, Schema, Type, type DataType } from 'apache-arrow';
import { ref } from '../../scheduler/graph.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import type { JoinColumn, JoinHow, JoinSpec } from '../../kernels/join.ts';
import { unifyTypes } from '../../kernels/union-cast.ts';
import { assertKnownOptions } from '../../config.ts';
import { unknownColumn } from '../../expr.ts';
import { type DerivedNode, type FrameNode, derivedNode } from '../plan.ts';
import { indexOf } from './sort.ts';

export const JOIN_HOWS: readonly JoinHow[] = ['inner', 'left', 'right', 'outer', 'semi', 'anti'];

export interface MergeOptions {
  /** Key column(s) with the same name on both sides; the output has one (coalesced) column per key. */
  on?: string | readonly string[];
  leftOn?: string | readonly string[];
  rightOn?: string | readonly string[];
  /** 'inner' (default), 'left', 'right', 'outer', 'semi' (left rows with a match), 'anti' (left rows without). */
  how?: JoinHow;
  /** Added to names found on both sides (other than `on` keys); default ['_x', '_y'] as pandas. */
  suffixes?: readonly [string, string];
  /** true: send the one-partition (or smaller) side whole to every partition of the other; false: always shuffle. Default: broadcast a side that is one partition. */
  broadcast?: boolean;
  /** Output partitions of a hash shuffle (default: the larger partition count of the two sides). */
  npartitions?: number;
}

type Strategy = 'broadcast-right' | 'broadcast-left' | 'hash' | 'sorted';

/** Output names of each side's columns, decided once from the full schemas so pruning never renames. */
interface Naming {
  readonly left: ReadonlyMap<string, string>;
  readonly right: ReadonlyMap<string, string>;
  /** `on` keys: one output column each, in the left's place, with the union type. */
  readonly coalesced: boolean;
}

interface Plan {
  readonly how: JoinHow;
  readonly leftKeys: readonly string[];
  readonly rightKeys: readonly string[];
  readonly naming: Naming;
  readonly strategy: Strategy;
  readonly npartitions: number;
}

const list = (x: string | readonly string[] | undefined): string[] | undefined => (x === undefined ? undefined : typeof x === 'string' ? [x] : Array.isArray(x) ? [...x] : undefined);

function kind(t: DataType): string {
  if (t.typeId === Type.Int || t.typeId === Type.Float) return 'number';
  if (t.typeId === Type.Utf8 || t.typeId === Type.Dictionary) return 'string';
  if (t.typeId === Type.Bool) return 'boolean';
  // Dates and timestamps compare by their stored integers: only the same type (and unit) meets itself.
  if (t.typeId === Type.Date || t.typeId === Type.Timestamp) return `temporal ${String(t)}`;
  return String(t);
}

const field = (node: FrameNode, name: string): Field => {
  const f = node.schema.fields.find((x) => x.name === name);
  if (!f) throw unknownColumn(name, node.schema);
  return f;
};

/** Validate the options against both schemas and fix names and plan. */
export function planMerge(left: FrameNode, right: FrameNode, options: MergeOptions): Plan {
  if (typeof options !== 'object' || options === null) throw new TypeError('merge(other, options): options must be an object');
  assertKnownOptions('merge()', options, ['on', 'leftOn', 'rightOn', 'how', 'suffixes', 'broadcast', 'npartitions']);
  const how = options.how ?? 'inner';
  if (!JOIN_HOWS.includes(how)) throw new TypeError(`merge(): how must be one of ${JOIN_HOWS.join(', ')}; got ${String(how)}`);
  let on = list(options.on);
  let leftKeys = list(options.leftOn);
  let rightKeys = list(options.rightOn);
  if (options.on !== undefined && on === undefined) throw new TypeError('merge(): on must be a column name or an array of names');
  if (on !== undefined && (leftKeys !== undefined || rightKeys !== undefined)) throw new TypeError('merge(): pass either on, or leftOn with rightOn, not both');
  if ((leftKeys === undefined) !== (rightKeys === undefined)) throw new TypeError('merge(): leftOn and rightOn go together');
  if (on === undefined && leftKeys === undefined) {
    // pandas: the columns both frames have.
    const rightNames = new Set(right.schema.fields.map((f) => f.name));
    on = left.schema.fields.map((f) => f.name).filter((n) => rightNames.has(n));
    if (on.length === 0) throw new TypeError('merge(): the frames have no column in common; pass on, or leftOn and rightOn');
  }
  if (on !== undefined) leftKeys = rightKeys = on;
  if (leftKeys!.length === 0 || leftKeys!.length !== rightKeys!.length) throw new TypeError(`merge(): leftOn and rightOn need the same number of columns (got ${leftKeys!.length} and ${rightKeys!.length})`);
  leftKeys!.forEach((lk, i) => {
    const rk = rightKeys![i]!;
    const a = field(left, lk).type;
    const b = field(right, rk).type;
    if (kind(a) !== kind(b) || !(['number', 'string', 'boolean'].includes(kind(a)) || kind(a).startsWith('temporal'))) {
      throw new TypeError(`merge(): key '${lk}' is ${String(a)} on the left but '${rk}' is ${String(b)} on the right; keys must both be numbers, both strings, both booleans, or dates/timestamps of the same type and unit (convert one side first, e.g. with .dt.floor('D') or astype)`);
    }
  });
  const suffixes = options.suffixes ?? ['_x', '_y'];
  if (!Array.isArray(suffixes) || suffixes.length !== 2 || !suffixes.every((s) => typeof s === 'string')) throw new TypeError('merge(): suffixes must be two strings, e.g. ["_x", "_y"]');
  const coalesced = leftKeys!.every((k, i) => k === rightKeys![i]);
  const naming = nameColumns(left.schema, right.schema, how, coalesced ? new Set(rightKeys) : new Set(), suffixes as [string, string]);

  if (options.broadcast !== undefined && typeof options.broadcast !== 'boolean') throw new TypeError('merge(): broadcast must be true or false');
  if (options.npartitions !== undefined && !(Number.isInteger(options.npartitions) && options.npartitions >= 1)) throw new TypeError(`merge(): npartitions must be a positive integer; got ${String(options.npartitions)}`);
  const canRight = ['inner', 'left', 'semi', 'anti'].includes(how);
  const canLeft = ['inner', 'right'].includes(how);
  const nl = left.npartitions;
  const nr = right.npartitions;
  let strategy: Strategy = 'hash';
  if (options.broadcast === true) {
    if (canRight && (nr <= nl || !canLeft)) strategy = 'broadcast-right';
    else if (canLeft) strategy = 'broadcast-left';
    else throw new TypeError(`merge(): how '${how}' cannot broadcast a side (an outer join must see every row of both sides together); use broadcast: false`);
  } else if (options.broadcast === undefined && options.npartitions === undefined) {
    // Both sides indexed by the key (setIndex): partition i of the left meets only the right rows in its range.
    if (leftKeys!.length === 1 && indexOf(left) === leftKeys![0] && indexOf(right) === rightKeys![0]) strategy = 'sorted';
    else if (canRight && nr <= 1) strategy = 'broadcast-right';
    else if (canLeft && nl <= 1) strategy = 'broadcast-left';
  }
  const npartitions = strategy === 'broadcast-right' || strategy === 'sorted' ? nl : strategy === 'broadcast-left' ? nr : options.npartitions ?? Math.max(nl, nr);
  return { how, leftKeys: leftKeys!, rightKeys: rightKeys!, naming, strategy, npartitions };
}

function nameColumns(left: Schema, right: Schema, how: JoinHow, droppedRight: ReadonlySet<string>, [sx, sy]: [string, string]): Naming {
  const leftNames = left.fields.map((f) => f.name);
  const leftMap = new Map<string, string>();
  const rightMap = new Map<string, string>();
  if (how === 'semi' || how === 'anti') {
    for (const n of leftNames) leftMap.set(n, n);
    return { left: leftMap, right: rightMap, coalesced: droppedRight.size > 0 };
  }
  const rightKept = right.fields.map((f) => f.name).filter((n) => !droppedRight.has(n));
  const rightSet = new Set(rightKept);
  const leftSet = new Set(leftNames);
  for (const n of leftNames) leftMap.set(n, rightSet.has(n) ? n + sx : n);
  for (const n of rightKept) rightMap.set(n, leftSet.has(n) && !droppedRight.has(n) ? n + sy : n);
  const seen = new Map<string, string>();
  for (const [side, m] of [['left', leftMap], ['right', rightMap]] as const) {
    for (const [from, to] of m) {
      const prev = seen.get(to);
      if (prev !== undefined) throw new Error(`merge(): output column '${to}' would come from both ${prev} and ${side} column '${from}'; choose other suffixes or rename a column first`);
      seen.set(to, `${side} column '${from}'`);
    }
  }
  return { left: leftMap, right: rightMap, coalesced: droppedRight.size > 0 };
}

/** Output schema and where each column comes from, for the inputs as they are now (maybe pruned). */
function outputColumns(left: FrameNode, right: FrameNode, plan: Plan): { schema: Schema; columns: JoinColumn[] } {
  const fields: Field[] = [];
  const columns: JoinColumn[] = [];
  const keyIndex = new Map(plan.leftKeys.map((k, i) => [k, i]));
  left.schema.fields.forEach((f, index) => {
    const name = plan.naming.left.get(f.name)!;
    const k = plan.naming.coalesced && plan.how !== 'semi' && plan.how !== 'anti' ? keyIndex.get(f.name) : undefined;
    if (k !== undefined) {
      const r = right.schema.fields.findIndex((g) => g.name === plan.rightKeys[k]);
      const type = unifyTypes(f.type, right.schema.fields[r]!.type, `merge(): key '${f.name}'`);
      fields.push(new Field(name, type, true));
      columns.push({ from: 'both', left: index, right: r });
    } else {
      fields.push(new Field(name, f.type, true));
      columns.push({ from: 'left', index });
    }
  });
  right.schema.fields.forEach((f, index) => {
    const name = plan.naming.right.get(f.name);
    if (name === undefined) return;
    fields.push(new Field(name, f.type, true));
    columns.push({ from: 'right', index });
  });
  return { schema: new Schema(fields), columns };
}

export function mergeNode(left: FrameNode, right: FrameNode, plan: Plan): DerivedNode {
  const { schema, columns } = outputColumns(left, right, plan);
  const describe = () => `merge ${plan.how} on [${plan.leftKeys.join(', ')}]${plan.naming.coalesced ? '' : ` = [${plan.rightKeys.join(', ')}]`} (${plan.strategy}${plan.strategy === 'hash' ? ` into ${plan.npartitions}` : ''})`;
  return derivedNode('merge', [left, right], {
    describe,
    inputNeeds: (need) => {
      if (need === null) return [null, null];
      const pick = (m: ReadonlyMap<string, string>, keys: readonly string[]) => new Set([...keys, ...[...m].filter(([, to]) => need.has(to)).map(([from]) => from)]);
      return [pick(plan.naming.left, plan.leftKeys), pick(plan.naming.right, plan.rightKeys)];
    },
    rebuild: ([l, r]) => mergeNode(l!, r!, plan),
    lower: (builder, node) => {
      const spec: JoinSpec = { how: plan.how, leftKeys: plan.leftKeys, rightKeys: plan.rightKeys, columns, leftLike: emptyBatch(left.schema), rightLike: emptyBatch(right.schema), outLike: emptyBatch(schema) };
      const lk = builder.frame(left);
      const rk = builder.frame(right);
      const whole = (keys: string[], side: string, like: unknown) => (keys.length === 1 ? keys : [builder.addTask(`${node.token}-${side}-whole`, 'reshape.concat', [keys.map(ref), like])]);
      if (plan.strategy === 'broadcast-right') {
        const small = whole(rk, 'right', spec.rightLike).map(ref);
        return lk.map((k, i) => builder.addTask(`${node.token}#${i}`, 'join.pieces', [[ref(k)], small, spec]));
      }
      if (plan.strategy === 'broadcast-left') {
        const small = whole(lk, 'left', spec.leftLike).map(ref);
        return rk.map((k, j) => builder.addTask(`${node.token}#${j}`, 'join.pieces', [small, [ref(k)], spec]));
      }
      if (plan.strategy === 'sorted') {
        // The left side's divisions (first row of each partition) cut every right partition; rows of a
        // key go to the one left partition that can hold it, right-only keys to exactly one partition.
        const leftSpec = { by: [plan.leftKeys[0]!], ascending: [true], nullsFirst: false, spreadTies: false };
        const rightSpec = { ...leftSpec, by: [plan.rightKeys[0]!] };
        const strings = [kind(field(left, plan.leftKeys[0]!).type) === 'string'];
        const firsts = lk.map((k, i) => builder.addTask(`${node.token}-range#${i}`, 'sort.sample', [ref(k), leftSpec, i, 0]));
        const bounds = builder.addTask(`${node.token}-divisions`, 'sort.divisions', [firsts.map(ref)]);
        const cuts = rk.map((k, j) => builder.addTask(`${node.token}-cut#${j}`, 'sort.split', [ref(k), rightSpec, strings, ref(bounds), j, lk.length, builder.spillTarget(`${node.token}-cut#${j}`)]));
        return lk.map((k, i) => {
          const pieces = cuts.map((c, j) => ref(builder.addTask(`${node.token}-cut-piece${i}#${j}`, 'reduce.pick', [ref(c), i])));
          return builder.addTask(`${node.token}#${i}`, 'join.pieces', [[ref(k)], pieces, spec]);
        });
      }
      const n = plan.npartitions;
      const split = (keys: string[], cols: readonly string[], side: string) =>
        keys.map((k, i) => {
          const key = `${node.token}-${side}-split${n}#${i}`;
          return builder.addTask(key, 'shuffle.hash-split', [ref(k), cols, n, builder.spillTarget(key)]);
        });
      const ls = split(lk, plan.leftKeys, 'left');
      const rs = split(rk, plan.rightKeys, 'right');
      const out: string[] = [];
      for (let j = 0; j < n; j++) {
        // Piece j of every split, picked in place by the scheduler (an inline op), so the join task gets only its bucket.
        const pieces = (splits: string[], side: string) => splits.map((s, i) => ref(builder.addTask(`${node.token}-${side}-piece${j}#${i}`, 'reduce.pick', [ref(s), j])));
        out.push(builder.addTask(`${node.token}#${j}`, 'join.pieces', [pieces(ls, 'left'), pieces(rs, 'right'), spec]));
      }
      return out;
    },
  }, schema, plan.npartitions, [plan.how, plan.leftKeys, plan.rightKeys, [...plan.naming.left], [...plan.naming.right], plan.naming.coalesced, plan.strategy, plan.npartitions]);
}

export function merge(left: FrameNode, right: FrameNode, options: MergeOptions = {}): DerivedNode {
  return mergeNode(left, right, planMerge(left, right, options));
}
