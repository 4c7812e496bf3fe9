// Registers the CPU kernels under the op ids that graphs refer to. Imported via src/ops.ts everywhere
// tasks run; ids are part of the graph format, so renaming one is a breaking change.

import { registerOp } from '../scheduler/registry.ts';
import { assign, filter, headRows, partitionFromMemory, project } from './frame-ops.ts';
import { pick, pickRecord, reduceChunk, reduceCombine, reduceEmpty, reduceFinalize, scalarBinary } from './reduce-ops.ts';

registerOp('frame.from-memory', partitionFromMemory);
registerOp('frame.project', project);
registerOp('frame.assign', assign);
registerOp('frame.filter', filter);
registerOp('frame.head', headRows);
registerOp('reduce.chunk', reduceChunk);
registerOp('reduce.combine', reduceCombine);
registerOp('reduce.finalize', reduceFinalize);
registerOp('reduce.empty', reduceEmpty);
registerOp('reduce.pick', pick, { inline: true });
registerOp('reduce.pick-record', pickRecord, { inline: true });
registerOp('scalar.binary', scalarBinary);

import { groupChunk, groupEmpty, groupFinalize, groupMerge, groupSplit } from './groupby/aggregate.ts';
registerOp('groupby.chunk', groupChunk);
registerOp('groupby.merge', groupMerge);
registerOp('groupby.split', groupSplit);
registerOp('groupby.finalize', groupFinalize);
registerOp('groupby.empty', groupEmpty);

import { applyBucket, shuffleSplit } from './groupby/apply.ts';
registerOp('groupby.shuffle-split', shuffleSplit);
/** One shuffle bucket: its piece of every split partition, then the user's function per group. */
registerOp('groupby.apply', applyBucket);
