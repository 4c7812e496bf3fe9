// array.blockwise(fn, 'ij', x, 'ij', y, 'jk', {dtype}): a user function over lined-up blocks, named by index
// letters as dask.array.blockwise. Letters shared by arrays line their chunks up; a letter missing from the
// output is contracted: its axis is given to each call whole (Dask's concatenate=True).

import { tokenize } from '../../scheduler/tokenize.ts';
import { checkDType, type DType } from '../../kernels/array/dtypes.ts';
import type { UserFunction } from '../udf.ts';
import type { Chunks } from './chunks.ts';
import type { ArrayNode, BlockwiseArg } from './node.ts';
import { NDArray, isNDArray, rechunkNode } from './ndarray.ts';
import { fmtLength, unifyAxis } from './unknown-chunks.ts';
import { registerLocalFunction } from '../../kernels/groupby/udf-runtime.ts';

export interface BlockwiseOptions {
  /** dtype of the result (default: the first array's). */
  dtype?: DType;
  /** Passed to fn as its last argument (how data reaches a shipped function). */
  params?: unknown;
  /** Output letters that no input has: their length (one chunk). */
  newAxes?: Record<string, number>;
  /** Output letters whose block lengths fn changes: one length for every block, or one per block. */
  adjustChunks?: Record<string, number | readonly number[]>;
}

const OPTION_KEYS = ['dtype', 'params', 'newAxes', 'adjustChunks'];

function letters(index: unknown, what: string): string[] {
  if (typeof index !== 'string') throw new TypeError(`array.blockwise: ${what} must be a string of index letters such as 'ij', got ${JSON.stringify(index)}`);
  const list = [...index];
  if (new Set(list).size !== list.length) throw new RangeError(`array.blockwise: ${what} '${index}' repeats a letter; each axis of one array needs its own letter`);
  return list;
}

/**
 * fn(...blocks, params) once per output block. Arguments come in pairs (array, index) or (value, null), then
 * an optional options object: blockwise(fn, 'ij', x, 'ij', 2.5, null, {dtype: 'float64'}).
 */
export function blockwise(fn: UserFunction<(...args: any[]) => unknown>, outIndex: string, ...rest: unknown[]): NDArray {
  if (typeof fn !== 'function' && (typeof fn !== 'object' || fn === null)) throw new TypeError('array.blockwise: the first argument must be a function or udf(import.meta.url, name)');
  let options: BlockwiseOptions = {};
  if (rest.length % 2 === 1) {
    const last = rest.pop();
    if (last === null || typeof last !== 'object' || isNDArray(last) || Array.isArray(last)) throw new TypeError('array.blockwise: arguments come in pairs (array, "ij") or (value, null), optionally followed by an options object');
    options = last as BlockwiseOptions;
    for (const k of Object.keys(options)) if (!OPTION_KEYS.includes(k)) throw new TypeError(`array.blockwise: unknown option '${k}'; the options are ${OPTION_KEYS.join(', ')}`);
  }
  const out = letters(outIndex, 'the output index');
  const arrays: Array<{ x: NDArray; index: string[] }> = [];
  const args: BlockwiseArg[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i], index = rest[i + 1];
    if (isNDArray(value)) {
      const idx = letters(index, `the index of argument ${i / 2 + 1}`);
      if (idx.length !== value.ndim) throw new RangeError(`array.blockwise: argument ${i / 2 + 1} has ${value.ndim} axes but index '${index}' names ${idx.length}`);
      args.push({ input: arrays.length, index: idx });
      arrays.push({ x: value, index: idx });
    } else {
      if (index !== null && index !== undefined) throw new TypeError(`array.blockwise: argument ${i / 2 + 1} is not an NDArray, so its index must be null (plain values are passed to every call as they are)`);
      args.push({ value });
    }
  }
  if (arrays.length === 0) throw new TypeError('array.blockwise needs at least one NDArray argument');

  // per letter: its length and the chunks every array using it agrees on
  const lengths = new Map<string, number>();
  const chunkLists = new Map<string, number[][]>();
  for (const { x, index } of arrays) {
    index.forEach((letter, axis) => {
      const n = x.node.shape[axis]!;
      const prev = lengths.get(letter);
      if (prev !== undefined && !Object.is(prev, n)) throw new RangeError(`array.blockwise: index '${letter}' has length ${fmtLength(prev)} in one array and ${fmtLength(n)} in another; arrays sharing a letter must agree on its length`);
      lengths.set(letter, n);
      chunkLists.set(letter, [...(chunkLists.get(letter) ?? []), x.node.chunks[axis]!]);
    });
  }
  const chunksOf = new Map<string, number[]>();
  for (const [letter, lists] of chunkLists) {
    // a contracted letter is given whole to every call
    chunksOf.set(letter, out.includes(letter) ? unifyAxis(lists, 0, `array.blockwise index '${letter}'`) : [lengths.get(letter)!]);
  }
  const newAxes = options.newAxes ?? {};
  const outChunks: Chunks = out.map((letter) => {
    if (chunksOf.has(letter)) {
      if (letter in newAxes) throw new RangeError(`array.blockwise: newAxes names '${letter}', which an input already has`);
      return chunksOf.get(letter)!;
    }
    const n = newAxes[letter];
    if (n === undefined) throw new RangeError(`array.blockwise: output index '${letter}' is in no input; give its length with {newAxes: {${letter}: n}}`);
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`array.blockwise: newAxes.${letter} must be a non-negative integer, got ${n}`);
    return [n];
  });
  for (const [letter, adj] of Object.entries(options.adjustChunks ?? {})) {
    const at = out.indexOf(letter);
    if (at < 0) throw new RangeError(`array.blockwise: adjustChunks names '${letter}', which is not in the output index '${outIndex}'`);
    const k = outChunks[at]!.length;
    const list = typeof adj === 'number' ? new Array<number>(k).fill(adj) : [...adj];
    if (list.length !== k || !list.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new RangeError(`array.blockwise: adjustChunks.${letter} must be one length or ${k} lengths (one per block), non-negative integers`);
    outChunks[at] = list;
  }

  const inputs: ArrayNode[] = arrays.map(({ x, index }) => rechunkNode(x.node, index.map((letter) => chunksOf.get(letter)!)));
  const dtype = options.dtype !== undefined ? checkDType(options.dtype, 'array.blockwise') : arrays[0]!.x.dtype;
  const shape = outChunks.map((c) => c.reduce((a, b) => a + b, 0));
  // a closure counts by identity: two with the same source may capture different values
  const fnToken = typeof fn === 'function' ? `fn${registerLocalFunction(fn as (...a: unknown[]) => unknown)}` : JSON.stringify(fn);
  const token = tokenize('array-blockwise', fnToken, out, args, inputs.map((x) => x.token), options.params ?? null, shape, outChunks, dtype);
  return new NDArray({ kind: 'blockwise', fn, inputs, outIndex: out, args, params: options.params, fnToken, token, shape, chunks: outChunks, dtype });
}
