// Registers the kernels of the summary, cumulative and de-duplication verbs (collections/verbs/) under
// their op ids; imported by src/ops.ts, so workers resolve them too. Op ids are part of the graph format.

import { registerOp } from '../scheduler/registry.ts';
import { carryApply, carryEdge, carryStep } from './carry-ops.ts';

registerOp('verbs.carry-edge', carryEdge);
// A step folds one tiny edge into the carry (a running total, at most |periods| rows): cheap enough to
// run in place in the scheduler core, which saves a worker round trip per partition of the chain.
registerOp('verbs.carry-step', carryStep, { inline: true });
registerOp('verbs.carry-apply', carryApply);

import { duplicateChunk, duplicateKeptRows, duplicateMerge, takeRows } from './duplicates.ts';
registerOp('verbs.duplicates-chunk', duplicateChunk);
registerOp('verbs.duplicates-merge', duplicateMerge);
registerOp('verbs.duplicates-rows', duplicateKeptRows);
registerOp('verbs.take-rows', takeRows);

import { topMerge, topRows } from './top-n.ts';
registerOp('verbs.top-n', topRows);
registerOp('verbs.top-n-merge', topMerge);

import { countTotal, groupedCounts, normalizeCounts } from './value-counts.ts';
registerOp('verbs.count-total', countTotal);
registerOp('verbs.normalize-counts', normalizeCounts);
registerOp('verbs.grouped-counts', groupedCounts);
import { nullKeyLast } from './value-counts.ts';
registerOp('verbs.null-key-last', nullKeyLast);
