// The `array` namespace of the public entry: constructors, array.where, array.linalg.

export { fromTypedArray, fromNdarray, zeros, ones, full, arange, linspace, eye, concatenate, stack, where, type ChunkOptions, type DTypeOptions } from './constructors.ts';
export * as linalg from './linalg.ts';
export { UnknownChunksError } from './unknown-chunks.ts';
export type { ToArrayOptions } from './from-frame.ts';
export { blockwise, type BlockwiseOptions } from './blockwise.ts';
