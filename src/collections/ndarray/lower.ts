// Lowering array nodes to tasks: one task per output block (keyed `<token>#<block index>`), reductions
// and matmul sums as trees of width splitEvery, TSQR as two levels. Work is emitted once per token.

import { ref, type Key } from '../../scheduler/graph.ts';
import type { SchedulerName } from '../../config.ts';
import { shipFunction } from '../udf.ts';
import { blockIndices, offsets, regionOf } from './chunks.ts';
import type { ArrayNode } from './node.ts';
import type { FrameNode } from '../plan.ts';
import { axisPieces } from './slicing.ts';
import { reducesRandomStreamed, sharedMomentsOf } from './random-chunk.ts';
import type { ReductionName } from '../../kernels/array/reduce.ts';
import { contiguousStrides, forEachIndex } from '../../kernels/array/strided.ts';

/** Where tasks go: the compute graph builder (or anything with the same methods). */
export interface TaskSink {
  addTask(key: Key, op: string, args: unknown[]): Key;
  /** Keys of a DataFrame's partitions (df.toArray); only the compute graph builder has it. */
  frame?(node: FrameNode): Key[];
}

export interface ArrayLowering {
  readonly sink: TaskSink;
  readonly scheduler: SchedulerName;
  readonly splitEvery: number;
  /** token -> block keys in C order, so shared inputs are lowered once */
  readonly done: Map<string, Key[]>;
  /** The optimiser's rewrite of the frames arrays read (projection and predicate pushdown). */
  rewriteFrame: (node: FrameNode) => FrameNode;
  /**
   * Gram matrices (x.T @ x) of one n x n block summed from packed upper triangles: token -> the packed sums
   * the block's last add takes. cholesky() of one reads them itself rather than the unpacked block.
   */
  readonly packedGram: Map<string, { parts: Key[]; n: number }>;
}

export function newLowering(sink: TaskSink, scheduler: SchedulerName, splitEvery: number): ArrayLowering {
  return { sink, scheduler, splitEvery, done: new Map(), rewriteFrame: (f) => f, packedGram: new Map() };
}

/** Per input, the output axes where its length is unknown: its blocks there must match the others', checked per task. */
function unknownAxesOf(node: ArrayNode & { inputs: readonly ArrayNode[] }): number[][] | null {
  const nd = node.shape.length;
  const lists = node.inputs.map((x) => x.shape.flatMap((n, i) => (Number.isNaN(n) ? [i + nd - x.shape.length] : [])));
  return lists.some((l) => l.length > 0) ? lists : null;
}

/** Flat C-order position of a block index within a grid of `counts` blocks per axis. */
function flatBlock(block: readonly number[], counts: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < counts.length; i++) f = f * counts[i]! + block[i]!;
  return f;
}

/** A C-order copy of one region of C-order data (plain memory: it is serialised to a process anyway). */
function copyRegion(data: ArrayLike<number | bigint>, fullShape: readonly number[], start: readonly number[], shape: readonly number[]): ArrayLike<number | bigint> {
  const strides = contiguousStrides(fullShape);
  const Ctor = (data as unknown as { constructor: new (n: number) => { [i: number]: number | bigint } & ArrayLike<number | bigint> }).constructor;
  const out = new Ctor(shape.reduce((a, b) => a * b, 1));
  const base = start.reduce((s, c, i) => s + c * strides[i]!, 0);
  forEachIndex(shape, strides, base, (flat, i) => {
    out[flat] = data[i]!;
  });
  return out;
}

const keyOf = (node: ArrayNode, block: readonly number[]): Key => `${node.token}#${block.join('.')}`;

/**
 * A reduction's combine and finalize tasks over at most this many partial values run in place on the
 * scheduler's thread (their *-in-place ops are inline): sending 5000 column sums to a worker and back costs
 * ~0.5-1 ms of round trip, merging eight of them ~30 us. Same functions, so the same bits either way.
 */
export const IN_PLACE_VALUES = 65536;

/** The block of an input (right-aligned, broadcast axes of length 1 use their only block) that feeds an output block. */
function inputBlock(input: ArrayNode, outShape: readonly number[], block: readonly number[]): number[] {
  const extra = outShape.length - input.shape.length;
  return input.shape.map((n, i) => (n === 1 && outShape[i + extra] !== 1 ? 0 : block[i + extra]!));
}

function blockKey(lw: ArrayLowering, node: ArrayNode, block: readonly number[]): Key {
  const keys = lowerArray(lw, node);
  return keys[flatBlock(block, node.chunks.map((c) => c.length))]!;
}

/** Sums `keys` in a tree of width splitEvery with `op` taking a list; returns the root key. */
/** a is b transposed (a 2-D `transpose` node over b itself): a @ b is a Gram matrix, symmetric by construction. */
function isGram(a: ArrayNode, b: ArrayNode): boolean {
  return a.kind === 'transpose' && a.axes[0] === 1 && a.axes[1] === 0 && a.input.token === b.token && b.shape.length === 2;
}

/** Sums `keys` in groups of `width`, level by level; the root's group (there is one if keys > 1) runs `rootOp`. */
function tree(lw: ArrayLowering, keys: Key[], op: string, prefix: string, width: number, rootOp = op): Key {
  const last = lastGroup(lw, keys, op, prefix, width);
  return last.keys.length === 1 ? last.keys[0]! : lw.sink.addTask(`${prefix}-t${last.depth}.0`, rootOp, [last.keys.map(ref)]);
}

/** The levels of tree() below its root: the keys the root adds (one key: no root needed) and the root's depth. */
function lastGroup(lw: ArrayLowering, keys: Key[], op: string, prefix: string, width: number): { keys: Key[]; depth: number } {
  let level = keys;
  let depth = 0;
  while (level.length > width) {
    const next: Key[] = [];
    for (let i = 0; i < level.length; i += width) {
      const group = level.slice(i, i + width);
      next.push(group.length === 1 ? group[0]! : lw.sink.addTask(`${prefix}-t${depth}.${i / width}`, op, [group.map(ref)]));
    }
    level = next;
    depth++;
  }
  return { keys: level, depth };
}

/**
 * The task of one chunk's drawn partial (array.reduce-random). Moments are drawn once per chunk under a key
 * of the random array's own, whichever of mean/var/std asks, and handed to each under its name.
 */
function drawnPartial(lw: ArrayLowering, reduceToken: string, input: ArrayNode & { kind: 'random' }, ib: number[], name: ReductionName): Key {
  const { start, shape } = regionOf(input.chunks, ib);
  const key = `${reduceToken}-p#${ib.join('.')}`;
  const shared = sharedMomentsOf(name);
  if (shared === null) return lw.sink.addTask(key, 'array.reduce-random', [input.random, [...input.shape], start, shape, name]);
  const drawn = lw.sink.addTask(`${input.token}-${shared}-drawn#${ib.join('.')}`, 'array.reduce-random', [input.random, [...input.shape], start, shape, shared]);
  return lw.sink.addTask(key, 'array.moments-as', [ref(drawn), name]);
}

export function lowerArray(lw: ArrayLowering, node: ArrayNode): Key[] {
  const hit = lw.done.get(node.token);
  if (hit) return hit;
  const keys: Key[] = [];
  const add = (block: number[], op: string, args: unknown[]): void => {
    keys.push(lw.sink.addTask(keyOf(node, block), op, args));
  };
  const blocks = blockIndices(node.chunks);
  switch (node.kind) {
    case 'data':
      for (const b of blocks) {
        const { start, shape } = regionOf(node.chunks, b);
        // Threads see the whole buffer as a handle; a child process would be sent all of it with every
        // task (a distributed worker would read all of it from storage), so it gets a copy of its own block instead.
        if (lw.scheduler === 'processes' || lw.scheduler === 'distributed') add(b, 'array.data', [copyRegion(node.data, node.shape, start, shape), shape, shape.map(() => 0), shape, node.dtype]);
        else add(b, 'array.data', [node.data, [...node.shape], start, shape, node.dtype]);
      }
      break;
    case 'fill':
    case 'random':
      for (const b of blocks) {
        const { start, shape } = regionOf(node.chunks, b);
        add(b, `array.${node.kind}`, [node.kind === 'fill' ? node.fill : node.random, [...node.shape], start, shape, node.dtype]);
      }
      break;
    case 'elementwise':
      for (const b of blocks) {
        const inputs = node.inputs.map((x) => ref(blockKey(lw, x, inputBlock(x, node.shape, b))));
        add(b, 'array.elementwise', [node.expr, inputs, node.dtype, unknownAxesOf(node)]);
      }
      break;
    case 'frame': {
      if (!lw.sink.frame) throw new Error('df.toArray() arrays are lowered by compute(); this sink cannot read frames');
      const parts = lw.sink.frame(lw.rewriteFrame(node.frame));
      parts.forEach((k, i) => add([i, 0], 'array.from-frame', [ref(k), [...node.columns], node.dtype, i]));
      break;
    }
    case 'known-chunks':
      // same blocks; a block that does not have the recorded shape (the data changed) is an error
      lowerArray(lw, node.input).forEach((k, i) => add(blocks[i]!, 'array.check-shape', [ref(k), regionOf(node.chunks, blocks[i]!).shape]));
      break;
    case 'mask':
      for (const b of blocks) add(b, 'array.mask', [ref(blockKey(lw, node.input, b)), ref(blockKey(lw, node.mask, b))]);
      break;
    case 'map-blocks': {
      const fnRef = shipFunction(node.fn, lw.scheduler, 'mapBlocks');
      for (const b of blocks) {
        const inputs = node.inputs.map((x) => ref(blockKey(lw, x, inputBlock(x, node.shape, b))));
        const shape = regionOf(node.chunks, b).shape;
        add(b, 'array.map-blocks', [fnRef, inputs, node.params ?? null, node.dtype, shape]);
      }
      break;
    }
    case 'blockwise': {
      const fnRef = shipFunction(node.fn, lw.scheduler, 'blockwise');
      for (const b of blocks) {
        const args = node.args.map((a) => {
          if (!('input' in a)) return { value: a.value };
          // contracted letters were rechunked to one chunk: block 0 there
          const x = node.inputs[a.input]!;
          return { chunk: ref(blockKey(lw, x, a.index.map((letter) => { const at = node.outIndex.indexOf(letter); return at >= 0 ? b[at]! : 0; }))) };
        });
        add(b, 'array.blockwise', [fnRef, args, node.params ?? null, node.dtype, regionOf(node.chunks, b).shape]);
      }
      break;
    }
    case 'rechunk': {
      const input = node.input;
      const inStarts = input.chunks.map(offsets);
      for (const b of blocks) {
        const { start, shape } = regionOf(node.chunks, b);
        // per axis: the input blocks overlapping [start, start + shape)
        const perAxis = shape.map((len, axis) => {
          const out: Array<{ block: number; from: number; to: number; len: number }> = [];
          const s = inStarts[axis]!;
          for (let k = 0; k < input.chunks[axis]!.length; k++) {
            const lo = Math.max(s[k]!, start[axis]!), hi = Math.min(s[k + 1]!, start[axis]! + len);
            if (hi > lo || (len === 0 && k === 0)) out.push({ block: k, from: lo - s[k]!, to: lo - start[axis]!, len: Math.max(0, hi - lo) });
          }
          return out;
        });
        const pieces: unknown[] = [];
        const combos = blockIndices(perAxis.map((p) => p.map(() => 1)));
        for (const c of combos) {
          const parts = c.map((i, axis) => perAxis[axis]![i]!);
          pieces.push({ chunk: ref(blockKey(lw, input, parts.map((p) => p.block))), from: parts.map((p) => p.from), to: parts.map((p) => p.to), shape: parts.map((p) => p.len) });
        }
        add(b, 'array.assemble', [pieces, shape, node.dtype]);
      }
      break;
    }
    case 'transpose': {
      const inverse = new Array<number>(node.axes.length);
      node.axes.forEach((a, i) => (inverse[a] = i));
      for (const b of blocks) add(b, 'array.transpose', [ref(blockKey(lw, node.input, inverse.map((i) => b[i]!))), [...node.axes]]);
      break;
    }
    case 'slice': {
      const pieces = node.selection.map((sel, axis) => axisPieces(node.input.chunks[axis]!, sel));
      const kept = node.selection.map((s, axis) => (s.kind === 'range' ? axis : -1)).filter((a) => a >= 0);
      for (const b of blocks) {
        // output block b indexes the kept axes; dropped axes have their one piece
        const chosen = pieces.map((p, axis) => p[kept.includes(axis) ? b[kept.indexOf(axis)]! : 0]!);
        add(b, 'array.slice', [ref(blockKey(lw, node.input, chosen.map((c) => c.block))), chosen.map((c) => c.local)]);
      }
      break;
    }
    case 'expand':
      for (const b of blocks) add(b, 'array.expand', [ref(blockKey(lw, node.input, b.filter((_, i) => i !== node.axis))), node.axis]);
      break;
    case 'reshape': {
      // one input block per output block: the whole array, or row block i with its trailing axes whole
      const inKeys = lowerArray(lw, node.input);
      blocks.forEach((b, i) => add(b, 'array.reshape', [ref(inKeys[i]!), regionOf(node.chunks, b).shape]));
      break;
    }
    case 'reduce': {
      const input = node.input;
      const inBlocks = blockIndices(input.chunks);
      const width = node.splitEvery ?? lw.splitEvery;
      // mean(exp(x) + 3 sin(x)): an element-wise input reduced over all axes, whose inputs all have its own
      // shape (no broadcasting), is evaluated and reduced a slice at a time, never made whole
      // (not over chunks of unknown length: the element-wise task is what checks that their blocks line up)
      const fused = input.kind === 'elementwise' && node.axes.length === input.shape.length && node.name !== 'argmin' && node.name !== 'argmax'
        && !input.shape.some((d) => Number.isNaN(d))
        && input.inputs.every((x) => x.shape.length === input.shape.length && x.shape.every((d, i) => Object.is(d, input.shape[i])));
      // sum(g.normal(1e8)): each chunk's partial is drawn and added a block at a time, the chunk never made
      // (unless this graph makes the chunks already, e.g. compute(x, x.sum()): reading them is cheaper)
      const drawn = input.kind === 'random' && node.axes.length === input.shape.length && reducesRandomStreamed(node.name, input.dtype) && !lw.done.has(input.token);
      // group input blocks by their kept-axis block indices
      const groups = new Map<string, Key[]>();
      // NaN (unknown) when a reduced axis has chunks of unknown length: finalize then judges by the cells
      const reducedLength = node.axes.reduce((n, axis) => n * input.shape[axis]!, 1);
      for (const ib of inBlocks) {
        const { start } = regionOf(input.chunks, ib);
        // argmin/argmax count from the block's start along reduced axes (known there); unknown kept axes do not matter
        const known = (v: number[]) => v.map((n) => (Number.isNaN(n) ? 0 : n));
        const pk = drawn
          ? drawnPartial(lw, node.token, input, ib, node.name)
          : fused
          ? lw.sink.addTask(`${node.token}-p#${ib.join('.')}`, 'array.reduce-expr', [input.expr, input.inputs.map((x) => ref(blockKey(lw, x, ib))), input.dtype, node.name, [...node.axes], known(start), known([...input.shape])])
          : lw.sink.addTask(`${node.token}-p#${ib.join('.')}`, 'array.reduce-partial', [ref(blockKey(lw, input, ib)), node.name, [...node.axes], known(start), known([...input.shape])]);
        const g = ib.map((x, i) => (node.axes.includes(i) ? 0 : x)).join('.');
        const list = groups.get(g) ?? [];
        list.push(pk);
        groups.set(g, list);
      }
      for (const b of blocks) {
        // output block b: kept axes (keepdims adds zeros on reduced axes)
        const full: number[] = [];
        let k = 0;
        for (let axis = 0; axis < input.shape.length; axis++) {
          if (node.axes.includes(axis)) {
            full.push(0);
            if (node.keepdims) k++;
          } else full.push(b[k++]!);
        }
        const g = full.join('.');
        const parts = groups.get(g)!;
        // values per partial: the output block's cells (NaN, never in place, where a kept length is unknown)
        const cells = regionOf(node.chunks, b).shape.reduce((n, d) => n * d, 1);
        const combineInPlace = cells * Math.min(width, parts.length) <= IN_PLACE_VALUES;
        const root = tree(lw, parts, combineInPlace ? 'array.reduce-combine-in-place' : 'array.reduce-combine', `${node.token}-c#${g}`, width);
        add(b, cells <= IN_PLACE_VALUES ? 'array.reduce-finalize-in-place' : 'array.reduce-finalize', [ref(root), [...node.axes], node.keepdims, node.ddof, reducedLength]);
      }
      break;
    }
    case 'scan': {
      const input = node.input;
      const byBlock = new Map<string, Key>();
      const carryInto = new Map<string, unknown>();
      for (const b of blocks) {
        let carry: unknown = null;
        if (b[node.axis]! > 0) {
          const prev = [...b];
          prev[node.axis]!--;
          // an empty block (e.g. of a concatenation) has no last value: what went into it goes on
          carry = node.input.chunks[node.axis]![prev[node.axis]!] === 0
            ? carryInto.get(prev.join('.'))
            : ref(lw.sink.addTask(`${node.token}-carry#${prev.join('.')}`, 'array.scan-last', [ref(byBlock.get(prev.join('.'))!), node.axis]));
        }
        const key = lw.sink.addTask(keyOf(node, b), 'array.scan', [ref(blockKey(lw, input, b)), node.name, node.axis, carry]);
        byBlock.set(b.join('.'), key);
        carryInto.set(b.join('.'), carry);
      }
      // blocks are visited in C order, so every block's predecessor along the axis exists already
      keys.push(...blocks.map((b) => byBlock.get(b.join('.'))!));
      break;
    }
    case 'matmul': {
      const inner = node.a.chunks[1]!.length;
      const width = node.splitEvery ?? lw.splitEvery;
      // x.T @ x, seen in the graph (the left operand is the transpose of the right one's node): diagonal
      // blocks are symmetric products of one block (syrk, half the flops), blocks below mirror those above
      const gram = isGram(node.a, node.b);
      const roots = new Map<string, Key>();
      for (const b of blocks) {
        const [i, j] = b as [number, number];
        if (gram && i > j) {
          keys.push(lw.sink.addTask(keyOf(node, b), 'array.transpose', [ref(roots.get(`${j}.${i}`)!), [1, 0]]));
          continue;
        }
        // a diagonal block summed over several row blocks adds packed upper triangles (half the memory
        // and the same bits: the full partials' lower halves only mirrored them); the root's add unpacks
        const packed = gram && i === j && inner > 1;
        const parts: Key[] = [];
        for (let p = 0; p < inner; p++) {
          const task = gram && i === j ? ([packed ? 'array.syrk-packed' : 'array.syrk', [ref(blockKey(lw, node.b, [p, j]))]] as const) : (['array.matmul', [ref(blockKey(lw, node.a, [i, p])), ref(blockKey(lw, node.b, [p, j]))]] as const);
          parts.push(lw.sink.addTask(`${node.token}-p#${i}.${j}.${p}`, task[0], [...task[1]]));
        }
        const prefix = `${node.token}-s#${i}.${j}`;
        const last = lastGroup(lw, parts, 'array.add', prefix, width);
        const root = last.keys.length === 1 ? last.keys[0]! : lw.sink.addTask(`${prefix}-t${last.depth}.0`, packed ? 'array.add-unpack-upper' : 'array.add', [last.keys.map(ref)]);
        if (packed && blocks.length === 1) lw.packedGram.set(node.token, { parts: last.keys, n: node.shape[0]! });
        roots.set(`${i}.${j}`, root);
        // the block's key is the root of its sum: a pick keeps the naming uniform
        keys.push(root);
      }
      break;
    }
    case 'concatenate': {
      const axis = node.axis;
      for (const b of blocks) {
        let k = b[axis]!;
        let which = 0;
        while (k >= node.inputs[which]!.chunks[axis]!.length) {
          k -= node.inputs[which]!.chunks[axis]!.length;
          which++;
        }
        const ib = [...b];
        ib[axis] = k;
        keys.push(blockKey(lw, node.inputs[which]!, ib));
      }
      break;
    }
    case 'linalg': {
      const inputs = node.inputs.map((x) => ref(lowerArray(lw, x)[0]!));
      // cholesky(x.T @ x): the factorisation sums the Gram block's last packed partials itself, so it need not
      // wait for G to be unpacked (that task runs beside it when G is asked for too)
      const gram = node.op === 'cholesky' ? lw.packedGram.get(node.inputs[0]!.token) : undefined;
      if (gram) add([0, 0], 'array.cholesky-packed', [gram.parts.map(ref), gram.n]);
      else add(node.shape.map(() => 0), 'array.linalg', node.rows === undefined ? [node.op, inputs] : [node.op, inputs, node.rows]);
      break;
    }
    case 'tsqr': {
      const input = node.input;
      const inKeys = lowerArray(lw, input);
      const qr = inKeys.map((k, i) => lw.sink.addTask(`${input.token}-qr#${i}`, 'array.qr-block', [ref(k)]));
      const rs = qr.map((k, i) => lw.sink.addTask(`${input.token}-qr-r#${i}`, 'array.pick', [ref(k), 'r']));
      const stacked = lw.sink.addTask(`${input.token}-qr-stacked`, 'array.qr-stacked', [rs.map(ref)]);
      if (node.part === 'r') keys.push(lw.sink.addTask(`${node.token}#0.0`, 'array.pick', [ref(stacked), 'r']));
      else {
        const q2s = lw.sink.addTask(`${input.token}-qr-q2`, 'array.pick', [ref(stacked), 'q2']);
        qr.forEach((k, i) => {
          const q1 = lw.sink.addTask(`${input.token}-qr-q1#${i}`, 'array.pick', [ref(k), 'q']);
          const q2 = lw.sink.addTask(`${input.token}-qr-q2#${i}`, 'array.pick', [ref(q2s), i]);
          keys.push(lw.sink.addTask(`${node.token}#${i}.0`, 'array.matmul', [ref(q1), ref(q2)]));
        });
      }
      break;
    }
  }
  lw.done.set(node.token, keys);
  return keys;
}
