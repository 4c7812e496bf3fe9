// Registers the kernels of the reshaping verbs (concat, repartition, mapPartitions, sort, merge, sample)
// under the op ids their graphs use. Imported by src/ops.ts, so workers resolve them too.

import { registerOp } from '../scheduler/registry.ts';
import { batchSize, concatPieces, conformTo, sliceConcat, splitEven } from './split-concat.ts';
import { mapPartition } from './map-partitions.ts';

registerOp('reshape.conform', conformTo);
registerOp('reshape.concat', concatPieces);
registerOp('reshape.split-even', splitEven);
registerOp('reshape.slice-concat', sliceConcat);
registerOp('reshape.size', batchSize);
registerOp('frame.map-partitions', mapPartition);

import { hashSplit } from './hash-partition.ts';
import { joinPieces } from './join.ts';
registerOp('shuffle.hash-split', hashSplit);
/** One merge output partition: its pieces of both sides, joined locally. */
registerOp('join.pieces', joinPieces);

import { divisionBoundaries, sortBatch, sortBoundaries, sortSample, sortSampleSpill, sortSplit, type SortSpec } from './sort.ts';
import type { RecordBatch } from 'apache-arrow';
import type { SpilledPiece } from '../collections/shuffle/spill.ts';
registerOp('sort.sample', sortSample);
/** shuffle: 'disk': [the sample, the partition written to disk]. */
registerOp('sort.sample-spill', sortSampleSpill);
registerOp('sort.boundaries', sortBoundaries);
/** A merge's sorted path: the left side's partition starts (its divisions) cut the right side. */
registerOp('sort.divisions', divisionBoundaries);
registerOp('sort.split', sortSplit);
/** One sorted output partition: its pieces of every input, concatenated in input order, sorted stably. */
registerOp('sort.pieces', (pieces: ReadonlyArray<RecordBatch | SpilledPiece>, like: RecordBatch, spec: SortSpec) => sortBatch(concatPieces(pieces, like), spec));

import { sampleRows } from './sample-rows.ts';
registerOp('sample.rows', sampleRows);

import { pivotWide } from './pivot.ts';
registerOp('pivot.wide', pivotWide);
