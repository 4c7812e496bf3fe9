// Verbs that move rows between partitions without looking at values: concat of frames, repartition by
// count or by size, and tail (partitions read from the end). Each builds a 'derived' plan node.

import type { RecordBatch, Schema, Table } from 'apache-arrow';
import { ref } from '../../scheduler/graph.ts';
import { tokenize } from '../../scheduler/tokenize.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { sliceBatch } from '../../kernels/take.ts';
import { sameType, unionSchema } from '../../kernels/union-cast.ts';
import { parseByteSize } from '../../io/csv/options.ts';
import { assertKnownOptions } from '../../config.ts';
import { type DerivedNode, type FrameNode, derivedNode } from '../plan.ts';
import { type Output, frameOutput, tableOf } from '../output.ts';
import { type ComputeOptions, runOutputs, runSettings } from '../run-path.ts';

const sameSchema = (a: Schema, b: Schema) => a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]!.name && sameType(f.type, b.fields[i]!.type));

/** Columns of `need` that a frame has (null = all). */
export function needIn(need: ReadonlySet<string> | null, node: FrameNode): ReadonlySet<string> | null {
  if (need === null) return null;
  return new Set(node.schema.fields.map((f) => f.name).filter((n) => need.has(n)));
}

/**
 * Partitions of every frame, in order. Columns are the union of the frames' columns (first-seen order); a
 * frame without a column gives nulls there; types unify as docs/TYPES.md says (int32 + int64 -> int64,
 * int + float -> float64, dictionary + utf8 -> utf8); other mixes are a TypeError naming the column.
 */
export function concatNode(frames: readonly FrameNode[]): DerivedNode {
  if (frames.length === 0) throw new TypeError('concat() needs at least one DataFrame');
  const schema = unionSchema(frames.map((f) => f.schema), 'concat()');
  const npartitions = frames.reduce((s, f) => s + f.npartitions, 0);
  return derivedNode('concat', frames, {
    describe: () => `concat ${frames.length} frames`,
    inputNeeds: (need) => frames.map((f) => needIn(need, f)),
    rebuild: (inputs) => concatNode(inputs),
    lower: (builder, node) => {
      const like = emptyBatch(schema);
      return frames.flatMap((f) => {
        const keys = builder.frame(f);
        if (sameSchema(f.schema, schema)) return keys;
        return keys.map((k, i) => builder.addTask(`${node.token}-${f.token}#${i}`, 'reshape.conform', [ref(k), like]));
      });
    },
  }, schema, npartitions, null);
}

export interface RepartitionOptions {
  /** Number of output partitions; rows keep their order. */
  npartitions?: number;
  /** Target bytes per partition ('100MB', '64MiB' or a number). Reads the data once to measure it. */
  partitionSize?: number | string;
}

/**
 * Change the number of partitions, keeping row order. Fewer: neighbouring partitions are concatenated;
 * more: each partition is cut into equal row ranges (as many pieces as its share of the outputs), so
 * output sizes follow the input sizes.
 */
export function repartitionByCount(input: FrameNode, n: number): FrameNode {
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`repartition({npartitions}) needs a positive integer; got ${String(n)}`);
  const m = input.npartitions;
  if (n === m) return input;
  return derivedNode('repartition', [input], {
    describe: () => `repartition ${m} -> ${n} partitions`,
    inputNeeds: (need) => [need],
    rebuild: ([i]) => repartitionByCount(i!, n),
    lower: (builder, node) => {
      const like = emptyBatch(node.schema);
      const keys = builder.frame(input);
      const out: string[] = [];
      if (m === 0) {
        for (let j = 0; j < n; j++) out.push(builder.addTask(`${node.token}#${j}`, 'frame.from-memory', [like, null]));
      } else if (n < m) {
        for (let j = 0; j < n; j++) {
          const group = keys.slice(Math.floor((j * m) / n), Math.floor(((j + 1) * m) / n));
          out.push(builder.addTask(`${node.token}#${j}`, 'reshape.concat', [group.map(ref), like]));
        }
      } else {
        keys.forEach((k, i) => {
          const pieces = Math.floor(((i + 1) * n) / m) - Math.floor((i * n) / m);
          const split = builder.addTask(`${node.token}-split#${i}`, 'reshape.split-even', [ref(k), pieces]);
          for (let p = 0; p < pieces; p++) out.push(builder.addTask(`${node.token}#${out.length}`, 'reduce.pick', [ref(split), p]));
        });
      }
      return out;
    },
  }, input.schema, n, { n });
}

/**
 * repartition({partitionSize}): measures every partition (one read), then cuts the rows into pieces of about
 * `bytes` each, in order. Eager like Dask's: the number of partitions depends on the data.
 */
export async function repartitionBySize(input: FrameNode, size: number | string, options: ComputeOptions = {}): Promise<FrameNode> {
  const bytes = parseByteSize(size, 'partitionSize');
  const sizes = (await runOutputs([sizesOf(input)], runSettings(options, 'repartition({partitionSize})')))[0] as Array<{ rows: number; bytes: number }>;
  // Plan: walk the rows in order, cutting an output whenever it reaches `bytes` (rows of one partition are
  // assumed to be of equal size).
  const plans: Array<Array<[number, number, number]>> = [];
  let current: Array<[number, number, number]> = [];
  let filled = 0;
  sizes.forEach((s, i) => {
    const perRow = s.rows > 0 ? s.bytes / s.rows : 0;
    let row = 0;
    while (row < s.rows) {
      const room = perRow > 0 ? Math.max(1, Math.floor((bytes - filled) / perRow)) : s.rows;
      const take = Math.min(room, s.rows - row);
      current.push([i, row, row + take]);
      filled += take * perRow;
      row += take;
      if (filled >= bytes - perRow / 2) {
        plans.push(current);
        current = [];
        filled = 0;
      }
    }
  });
  if (current.length > 0 || plans.length === 0) plans.push(current);
  return slicedNode(input, plans, bytes);
}

function slicedNode(input: FrameNode, plans: ReadonlyArray<ReadonlyArray<readonly [number, number, number]>>, bytes: number): DerivedNode {
  return derivedNode('repartition-size', [input], {
    describe: () => `repartition to ~${bytes} bytes per partition`,
    inputNeeds: (need) => [need],
    rebuild: ([i]) => slicedNode(i!, plans, bytes),
    lower: (builder, node) => {
      const like = emptyBatch(node.schema);
      const keys = builder.frame(input);
      return plans.map((plan, j) =>
        builder.addTask(`${node.token}#${j}`, 'reshape.slice-concat', [plan.map(([i]) => ref(keys[i]!)), plan.map(([, a, b]) => [a, b]), like]),
      );
    },
  }, input.schema, plans.length, plans);
}

/** An output: the size (rows, bytes) of every partition of a frame. */
function sizesOf(node: FrameNode): Output<unknown[]> {
  return {
    ...frameOutput(node, (b) => b),
    withFrames: (rw) => sizesOf(rw.frame(node)),
    lower: (builder) => builder.frame(node).map((k) => builder.addTask(tokenize('size', k), 'reshape.size', [ref(k)])),
    finish: (values) => [...values],
  };
}

/** The last n rows, computing partitions from the last one backwards only until n rows are found. */
export function tailOf(node: FrameNode, n: number, options: ComputeOptions = {}): Promise<Table> {
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`tail(n) needs a non-negative integer; got ${String(n)}`);
  return runOutputs([frameOutput(node, (b) => b)], runSettings(options, 'tail()'), async (prepared, session) => {
    const keys = prepared.outputKeys[0]!;
    const batches: RecordBatch[] = [];
    let remaining = n;
    // Nothing runs until asked for: the last partitions are asked for first, one at a time.
    session.submit(prepared.graph, [...keys].reverse());
    for (let k = keys.length - 1; k >= 0 && remaining > 0; k--) {
      const batch = (await session.get(keys[k]!)) as RecordBatch;
      session.release(keys[k]!);
      const taken = batch.numRows <= remaining ? batch : sliceBatch(batch, batch.numRows - remaining, batch.numRows);
      remaining -= taken.numRows;
      if (taken.numRows > 0) batches.unshift(taken);
    }
    return tableOf(batches, prepared.outputs[0]!.frames[0]!.node);
  }) as Promise<Table>;
}

export function checkRepartitionOptions(options: RepartitionOptions): void {
  assertKnownOptions('repartition()', options, ['npartitions', 'partitionSize']);
  if ((options.npartitions === undefined) === (options.partitionSize === undefined)) throw new TypeError('repartition() takes exactly one of {npartitions} or {partitionSize}');
}
