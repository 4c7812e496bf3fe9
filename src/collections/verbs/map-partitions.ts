// mapPartitions(fn, {meta}): the user's function on every whole partition, shipped like groupby-apply's
// (udf.ts). The schema is meta when given; otherwise it comes from running fn on the first non-empty real
// partition (one eager read, never fake data), and every partition is then held to it.

import { type DataType, type RecordBatch, Field, Schema } from 'apache-arrow';
import { ref } from '../../scheduler/graph.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { typeFromTag } from '../../kernels/type-tags.ts';
import { PartitionFrame, resultBatch } from '../../kernels/map-partitions.ts';
import { loadUdf, registerLocalFunction } from '../../kernels/groupby/udf-runtime.ts';
import { assertKnownOptions } from '../../config.ts';
import { entriesOf } from '../../kernels/name-records.ts';
import { normalizeSchema } from '../../kernels/ingest-types.ts';
import { type DerivedNode, type FrameNode, derivedNode } from '../plan.ts';
import { frameOutput } from '../output.ts';
import { type ComputeOptions, runOutputs, runSettings } from '../run-path.ts';
import { type ModuleUdf, isModuleUdf, shipFunction } from '../udf.ts';

export type PartitionFunction = (frame: PartitionFrame, params: any) => unknown;

/** The schema of the result: an Arrow Schema, or {column: 'float64' | 'int32' | 'int64' | 'utf8' | 'bool' | ...}. */
export type Meta = Schema | Record<string, string> | ReadonlyMap<string, string>;

export interface MapPartitionsOptions {
  meta?: Meta;
  /** Plain data handed to the function as its second argument (functions cannot capture variables). */
  params?: unknown;
}

function metaSchema(meta: Meta): Schema {
  if (meta instanceof Schema) return normalizeSchema(meta); // as the partitions' batches are (ingest-types.ts)
  if (typeof meta !== 'object' || meta === null) throw new TypeError(`mapPartitions: meta must be an Arrow Schema or {column: dtype}; got ${String(meta)}`);
  const fields = entriesOf(meta as Record<string, string> | ReadonlyMap<string, string>).map(([name, tag]) => {
    let type: DataType;
    try {
      type = typeFromTag(String(tag));
    } catch {
      throw new TypeError(`mapPartitions: meta column '${name}' has dtype '${String(tag)}'; use one of float64, float32, int8, int16, int32, int64, uint8, uint16, uint32, uint64, utf8, bool, or pass an Arrow Schema`);
    }
    return new Field(name, type, true);
  });
  return new Schema(fields);
}

function checkFunction(fn: unknown): void {
  if (typeof fn !== 'function' && !isModuleUdf(fn)) throw new TypeError(`mapPartitions(fn): fn must be a function or udf(moduleUrl, exportName); got ${String(fn)}`);
}

/** A function's identity as token material: closures by registration id (they may capture state). */
const fnIdentity = (fn: unknown) => (isModuleUdf(fn) ? fn : `fn${registerLocalFunction(fn as (...a: unknown[]) => unknown)}`);

export function mapPartitionsNode(input: FrameNode, fn: PartitionFunction | ModuleUdf, schema: Schema, params: unknown): DerivedNode {
  const name = typeof fn === 'function' ? fn.name || 'anonymous' : fn.export;
  return derivedNode('map-partitions', [input], {
    describe: () => `mapPartitions ${name}`,
    // The function may read any column.
    inputNeeds: () => [null],
    rebuild: ([i]) => mapPartitionsNode(i!, fn, schema, params),
    lower: (builder, node) => {
      const shipped = shipFunction(fn, builder.scheduler, 'mapPartitions');
      const meta = emptyBatch(schema);
      return builder.frame(input).map((k, i) => builder.addTask(`${node.token}#${i}`, 'frame.map-partitions', [ref(k), { fn: shipped, params, partition: i, meta }]));
    },
  }, schema, input.npartitions, [fnIdentity(fn), params, schema.fields.map((f) => [f.name, String(f.type)])]);
}

export function mapPartitionsWithMeta(input: FrameNode, fn: PartitionFunction | ModuleUdf, options: MapPartitionsOptions): DerivedNode {
  checkFunction(fn);
  assertKnownOptions('mapPartitions()', options, ['meta', 'params']);
  return mapPartitionsNode(input, fn, metaSchema(options.meta!), options.params);
}

/**
 * Without meta: compute partitions in order until one has rows (all empty: the first), run fn on it here
 * and take the schema of what it returned. Costs one extra read of that partition, said in the docs.
 */
export async function mapPartitionsInferred(input: FrameNode, fn: PartitionFunction | ModuleUdf, options: MapPartitionsOptions & ComputeOptions): Promise<DerivedNode> {
  checkFunction(fn);
  const { meta, params, ...compute } = options;
  void meta;
  const found = await runOutputs([frameOutput(input, (b) => b)], runSettings(compute, 'mapPartitions() (inferring meta)'), async (prepared, session) => {
    const keys = prepared.outputKeys[0]!;
    session.submit(prepared.graph, keys);
    let first: { batch: RecordBatch; index: number } | null = null;
    for (let i = 0; i < keys.length; i++) {
      const batch = (await session.get(keys[i]!)) as RecordBatch;
      session.release(keys[i]!);
      if (first === null) first = { batch, index: i };
      if (batch.numRows > 0) return { batch, index: i };
    }
    return first;
  });
  if (found === null) throw new Error('mapPartitions(fn) without meta: the frame has no partitions to run fn on; pass {meta}');
  const f = typeof fn === 'function' ? fn : await loadUdf({ kind: 'module', module: fn.module, export: fn.export });
  let result: unknown;
  try {
    result = await (f as PartitionFunction)(new PartitionFrame(found.batch, found.index), params);
  } catch (e) {
    throw new Error(`mapPartitions: the function failed on partition ${found.index} (run to find the result's schema; pass {meta} to skip this): ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  const schema = resultBatch(result, null, found.index).schema;
  return mapPartitionsNode(input, fn, schema, params);
}
