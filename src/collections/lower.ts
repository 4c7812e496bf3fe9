// Lowering: logical plan nodes -> tasks. Partition tasks are keyed `<token>#<i>`; identical plan nodes
// have identical tokens, so everything reachable from several outputs is emitted once. Reductions
// over the same frame are lowered together: one chunk task per partition evaluates every requested
// expression and scans each distinct expression once, whatever mix of sum/min/var/... was asked for.

import { type Graph, type Key, ref, task } from '../scheduler/graph.ts';
import { stableStringify, tokenize } from '../scheduler/tokenize.ts';
import type { ColExpr } from '../expr.ts';
import { exprType, kindOf } from '../expr.ts';
import { type ApplyNode, type FrameNode, type GroupAggNode, type RecordNode, type ReductionRequest, type ScalarNode, assignNode, filterNode } from './plan.ts';
import { strictly, typingIsStrict } from './provisional-types.ts';
import type { SchedulerName } from '../config.ts';
import { shipFunction } from './udf.ts';
import { groupKeyType } from '../kernels/groupby/aggregate.ts';
import { typeTag } from '../kernels/type-tags.ts';
import { type Needs, needsOf } from '../kernels/summary.ts';
import type { ReductionOutput } from '../kernels/reduce-ops.ts';
import { type SpillTarget, newSpillDir } from './shuffle/spill.ts';
import { bindLeaves, embeddedRequests, requestDepth, usesModuleUdf } from './scalar-leaf.ts';

export class GraphBuilder {
  readonly graph: Graph = new Map();
  private readonly frames = new Map<string, Key[]>();
  private readonly reductions = new Map<ReductionRequest, { key: Key; index: number }>();

  /** Directories for shuffle pieces on disk, made and removed by the run path around the run. */
  readonly spillDirs: string[] = [];

  constructor(
    readonly defaultSplitEvery: number,
    readonly scheduler: SchedulerName = 'sync',
    readonly shuffle: 'memory' | 'disk' = 'memory',
  ) {}

  /** Where a shuffle's split task `name` writes its pieces: null keeps them in memory (config `shuffle`). */
  spillTarget(name: string): SpillTarget | null {
    // On 'distributed' every piece already travels as a file on the configured shared storage, while this
    // directory would be in the client's temp dir, which workers on other hosts cannot see.
    if (this.shuffle !== 'disk' || this.scheduler === 'distributed') return null;
    if (this.spillDirs.length === 0) this.spillDirs.push(newSpillDir());
    return { dir: this.spillDirs[0]!, name: tokenize('piece', name) };
  }

  /** Add a task once (equal keys are equal work); returns its key. Outputs use it for their own tasks. */
  addTask(key: Key, op: string, args: unknown[]): Key {
    if (!this.graph.has(key)) this.graph.set(key, task(key, op, args));
    return key;
  }

  /** Keys of the partitions of `node`, emitting their tasks once. */
  frame(node: FrameNode): Key[] {
    const hit = this.frames.get(node.token);
    if (hit) return hit;
    if (node.kind === 'derived') {
      const derived = node.verb.lower(this, node);
      this.frames.set(node.token, derived);
      return derived;
    }
    // Preparing to run, a node typed leniently (a sampled column against a string) that no rewrite rebuilt is
    // typed strictly now, so a comparison of a bool or a number with text never reaches a kernel
    // (provisional-types.ts). explain() lowers leniently: it runs nothing.
    if (typingIsStrict() && (node.kind === 'filter' || node.kind === 'assign') && node.verify) {
      strictly(() => (node.kind === 'filter' ? filterNode(node.input, node.predicate) : assignNode(node.input, node.assignments)));
    }
    const keys: Key[] = [];
    for (let i = 0; i < node.npartitions; i++) {
      const key = `${node.token}#${i}`;
      switch (node.kind) {
        case 'source': {
          const src = node.source;
          if (src.supportsProjection || node.columns === null) {
            const spec = src.partitionTask(i, node.columns);
            this.addTask(key, spec.op, [...spec.args]);
          } else {
            const spec = src.partitionTask(i, null);
            const raw = this.addTask(`${tokenize(src.name, src.token, null)}#${i}`, spec.op, [...spec.args]);
            this.addTask(key, 'frame.project', [ref(raw), node.columns]);
          }
          break;
        }
        case 'project':
          this.addTask(key, 'frame.project', [ref(this.frame(node.input)[i]!), node.columns]);
          break;
        case 'assign': {
          const assignments = node.assignments.map(([n, e]) => [n, this.bind(e)] as const);
          const op = assignments.some(([, e]) => usesModuleUdf(e)) ? 'frame.assign-udf' : 'frame.assign';
          this.addTask(key, op, [ref(this.frame(node.input)[i]!), assignments]);
          break;
        }
        case 'filter': {
          const predicate = this.bind(node.predicate);
          this.addTask(key, usesModuleUdf(predicate) ? 'frame.filter-udf' : 'frame.filter', [ref(this.frame(node.input)[i]!), predicate]);
          break;
        }
        case 'groupby-agg':
          // all output partitions come from one shuffle-free tree: lowered together below
          break;
      }
      keys.push(key);
    }
    if (node.kind === 'groupby-agg') this.groupAgg(node, keys);
    this.frames.set(node.token, keys);
    return keys;
  }

  /**
   * Hash aggregation: a chunk per input partition; with splitOut > 1 each chunk's groups are split by key
   * hash so output partition j merges only piece j of every chunk (no task sees all groups); a tree of
   * merges of width splitEvery per output partition; finalize builds the result batch.
   */
  private groupAgg(node: GroupAggNode, outKeys: readonly Key[]): void {
    const splitEvery = node.splitEvery ?? this.defaultSplitEvery;
    // The node's token already identifies custom functions; tasks carry them shipped for this scheduler.
    const specs = node.specs.map((s) => {
      if (!s.customFns) return s;
      const { customFns, ...rest } = s;
      const ship = (f: unknown, what: string) => shipFunction(f, this.scheduler, `custom aggregation '${s.out}' ${what}`);
      return { ...rest, custom: { chunk: ship(customFns.chunk, 'chunk'), combine: ship(customFns.combine, 'combine'), finalize: ship(customFns.finalize, 'finalize'), params: customFns.params } };
    });
    const chunkToken = tokenize('groupby-chunk', node.token, node.dropna);
    const chunks =
      node.input.npartitions === 0
        ? [this.addTask(`${chunkToken}-empty`, 'groupby.empty', [node.keys.length])]
        : this.frame(node.input).map((p, i) => this.addTask(`${chunkToken}#${i}`, 'groupby.chunk', [ref(p), node.keys, specs, node.dropna]));
    const nout = outKeys.length;
    const splits = nout === 1 ? chunks : chunks.map((c, i) => this.addTask(`${chunkToken}-split${nout}#${i}`, 'groupby.split', [ref(c), nout]));
    const tags = node.schema.fields.map((f) => typeTag(f.type));
    outKeys.forEach((outKey, j) => {
      let level = nout === 1 ? splits : splits.map((s, i) => this.addTask(`${chunkToken}-piece${nout}.${j}#${i}`, 'reduce.pick', [ref(s), j]));
      for (let depth = 0; level.length > 1; depth++) {
        const next: Key[] = [];
        for (let k = 0; k < level.length; k += splitEvery) {
          const group = level.slice(k, k + splitEvery);
          next.push(group.length === 1 ? group[0]! : this.addTask(`${chunkToken}-merge${nout}.${j}.${splitEvery}.${depth}#${k / splitEvery}`, 'groupby.merge', [group.map(ref), specs]));
        }
        level = next;
      }
      this.addTask(outKey, 'groupby.finalize', [ref(level[0]!), node.keys, specs, tags, node.order]);
    });
  }

  /**
   * Groupby-apply: every input partition is split into nbuckets by key hash; bucket task j receives all
   * splits and takes piece j, so a group's rows meet in one task; buckets run in parallel.
   */
  applied(node: ApplyNode): Key[] {
    const splitToken = tokenize('shuffle', node.input.token, node.keys, node.nbuckets, node.dropna);
    // A transform carries each row's position through the shuffle, so the result can come back in input order.
    const position = (i: number) => (node.mode === 'transform' ? i : null);
    const splits = this.frame(node.input).map((p, i) => this.addTask(`${splitToken}-${node.mode}#${i}`, 'groupby.shuffle-split', [ref(p), node.keys, node.nbuckets, node.dropna, position(i)]));
    const fn = shipFunction(node.fn, this.scheduler, `groupby.${node.mode}`);
    const keyTags = node.keys.map((k) => typeTag(groupKeyType(node.input.schema.fields.find((f) => f.name === k)!.type)));
    const out: Key[] = [];
    for (let j = 0; j < node.nbuckets; j++) {
      // Piece j of every split (picked in place by the scheduler: an inline op), so a bucket task receives
      // only its own rows rather than every split's pieces.
      const pieces = splits.map((s, i) => this.addTask(`${splitToken}-piece${j}#${i}`, 'reduce.pick', [ref(s), j]));
      const args = { keys: node.keys, keyTags, fn, params: node.params, mode: node.mode, name: node.name, bucket: j, dropna: node.dropna };
      out.push(this.addTask(`${node.token}#${j}`, 'groupby.apply', [pieces.map(ref), args]));
    }
    return out;
  }

  /**
   * Lower every reduction request at once, fusing those over the same frame (and split width) into
   * one tree. Must be called before scalar()/record() for those requests.
   */
  reduce(requests: readonly ReductionRequest[]): void {
    // Scalars inside expressions (x.sub(x.mean())) are reductions too; a request that needs one runs
    // in a later round than the requests it needs (depth), so the two are never fused into one pass.
    const all = [...requests, ...embeddedRequests([], requests)].filter((r) => !this.reductions.has(r));
    const depths = new Map<ReductionRequest, number>();
    all.sort((a, b) => requestDepth(a, depths) - requestDepth(b, depths));
    const groups = new Map<string, ReductionRequest[]>();
    for (const r of all) {
      const g = `${requestDepth(r, depths)}|${r.frame.token}|${r.splitEvery ?? this.defaultSplitEvery}`;
      let list = groups.get(g);
      if (!list) groups.set(g, (list = []));
      list.push(r);
    }
    for (const group of groups.values()) this.reduceGroup(group);
  }

  private reduceGroup(requests: readonly ReductionRequest[]): void {
    const frame = requests[0]!.frame;
    const splitEvery = requests[0]!.splitEvery ?? this.defaultSplitEvery;
    const exprIds = new Map<string, number>();
    const exprs: ColExpr[] = [];
    const names: Array<Array<ReductionRequest['name']>> = [];
    const outputIds = new Map<string, number>();
    const outputs: ReductionOutput[] = [];
    const slots: number[] = [];
    const exprIndex = (x: ColExpr): number => {
      const ek = stableStringify(x);
      let e = exprIds.get(ek);
      if (e === undefined) {
        e = exprs.length;
        exprIds.set(ek, e);
        exprs.push(x);
        names.push([]);
      }
      return e;
    };
    // quantile / cov / corr gather extras (sorted values, a sketch, co-moments with a partner expression)
    const extras: Array<{ values?: boolean; sketch?: boolean; co?: number[] }> = [];
    for (const r of requests) {
      const e = exprIndex(r.expr);
      names[e]!.push(r.name);
      const other = r.other === undefined ? undefined : exprIndex(r.other);
      const x = (extras[e] ??= {});
      if (r.name === 'quantile') x[r.approx ? 'sketch' : 'values'] = true;
      if (other !== undefined && !(x.co ??= []).includes(other)) x.co!.push(other);
      const ok = `${e}|${r.name}|${r.ddof}|${r.q ?? ''}|${r.approx ? 1 : 0}|${other ?? ''}`;
      let o = outputIds.get(ok);
      if (o === undefined) {
        o = outputs.length;
        outputIds.set(ok, o);
        outputs.push({ expr: e, name: r.name, ddof: r.ddof, ...(r.q === undefined ? {} : { q: r.q, approx: r.approx ?? false }), ...(other === undefined ? {} : { other }) });
      }
      slots.push(o);
    }
    const needs: Needs[] = names.map((n, e) => ({ ...needsOf(n), ...extras[e] }));
    const chunkToken = tokenize('reduce-chunk', frame.token, exprs, needs);
    let level: Key[];
    if (frame.npartitions === 0) {
      const integral = exprs.map((e) => ['int', 'bigint', 'bool'].includes(kindOf(exprType(e, frame.schema))));
      level = [this.addTask(`${chunkToken}-empty`, 'reduce.empty', [integral])];
    } else {
      const parts = this.frame(frame);
      const bound = exprs.map((e) => this.bind(e));
      const op = bound.some(usesModuleUdf) ? 'reduce.chunk-udf' : 'reduce.chunk';
      level = parts.map((p, i) => this.addTask(`${chunkToken}#${i}`, op, [ref(p), bound, needs]));
    }
    // Combine in a tree of width splitEvery until one partial is left.
    for (let depth = 0; level.length > 1; depth++) {
      const next: Key[] = [];
      for (let j = 0; j < level.length; j += splitEvery) {
        const group = level.slice(j, j + splitEvery);
        // splitEvery is part of the key: trees of different widths over the same chunks differ from level 1 on.
        next.push(group.length === 1 ? group[0]! : this.addTask(`${chunkToken}-combine${splitEvery}.${depth}#${j / splitEvery}`, 'reduce.combine', [group.map(ref)]));
      }
      level = next;
    }
    const finalKey = this.addTask(tokenize('reduce-agg', chunkToken, splitEvery, outputs), 'reduce.finalize', [ref(level[0]!), outputs]);
    requests.forEach((r, i) => this.reductions.set(r, { key: finalKey, index: slots[i]! }));
  }

  /** An expression as its tasks carry it: scalar leaves become Refs to their values, user functions shipped. */
  private bind(e: ColExpr): ColExpr {
    return bindLeaves(e, (node) => ref(this.scalar(node)), (fn, where) => shipFunction(fn, this.scheduler, where));
  }

  /** Key of a scalar's value. */
  scalar(node: ScalarNode): Key {
    if (node.kind === 'reduce') {
      // A scalar met only inside a frame's expression is lowered here, on its own.
      if (!this.reductions.has(node.request)) this.reduce([node.request]);
      const where = this.reductions.get(node.request);
      if (!where) throw new Error('internal: reduction was not lowered before use');
      return this.addTask(`${where.key}-pick${where.index}`, 'reduce.pick', [ref(where.key), where.index]);
    }
    const side = (x: ScalarNode | number) => (typeof x === 'number' ? x : ref(this.scalar(x)));
    const l = side(node.l);
    const r = side(node.r);
    return this.addTask(tokenize('scalar', node.op, l, r), 'scalar.binary', [l, r, node.op]);
  }

  /** Key of a record of per-column reductions. */
  record(node: RecordNode): Key {
    const finals = new Set(node.requests.map((r) => this.reductions.get(r)!.key));
    if (finals.size !== 1) throw new Error('internal: record reductions must share one tree');
    const [finalKey] = finals;
    const indices = node.requests.map((r) => this.reductions.get(r)!.index);
    return this.addTask(tokenize('record', finalKey, node.names, indices), 'reduce.pick-record', [ref(finalKey!), node.names, indices]);
  }
}

/** All reduction requests under a scalar expression. */
export function requestsOf(node: ScalarNode, out: ReductionRequest[] = []): ReductionRequest[] {
  if (node.kind === 'reduce') out.push(node.request);
  else {
    if (typeof node.l !== 'number') requestsOf(node.l, out);
    if (typeof node.r !== 'number') requestsOf(node.r, out);
  }
  return out;
}
