// Where a generator's draws live in Philox's counter space, and the two ways a distribution reads them:
// paired elements (two per counter block) and per-element substreams (for rejection samplers).

import { philox4x32, philoxBlocks } from './philox.ts';

/**
 * The first counter block of one generating call. The 128-bit counter is (c0, c1, c2, c3):
 * c0..c2 hold a 96-bit block position, c3 a substream index used only by rejection samplers, so the
 * blocks a rejection sampler takes for element i never meet the main sequence (c3 = 0).
 */
export interface StreamStart {
  readonly key0: number;
  readonly key1: number;
  readonly p0: number;
  readonly p1: number;
  readonly p2: number;
}

const TWO32 = 4294967296;

/** Counter words (c0, c1, c2) of block `start + index`, index < 2^53. */
export function blockCounter(start: StreamStart, index: number, out: Uint32Array): void {
  const lo = start.p0 + (index % TWO32);
  const carry0 = lo >= TWO32 ? 1 : 0;
  const mid = start.p1 + Math.floor(index / TWO32) + carry0;
  const carry1 = mid >= TWO32 ? 1 : 0;
  out[0] = lo >>> 0;
  out[1] = mid >>> 0;
  out[2] = (start.p2 + carry1) >>> 0;
}

/** A 53-bit uniform on [0, 1) from two words: the top 27 bits of `a` and top 26 of `b` (numpy's conversion). */
export function uniform53(a: number, b: number): number {
  return ((a >>> 5) * 67108864 + (b >>> 6)) * 1.1102230246251565e-16;
}

const BATCH_BLOCKS = 2048;

/**
 * Paired layout: block k of a call holds elements 2k and 2k+1. `convert(words, wordIndex)` turns the two
 * words at words[wordIndex], words[wordIndex + 1] into one value... except that some distributions
 * (Box-Muller) need the whole block, so the converter is given the block's words and which half it
 * wants: `pair(words, blockOffset, half)`. Element i always comes from the same block and half, so a
 * chunk's values never depend on where the chunk starts.
 */
export function fillPairs(
  start: StreamStart, first: number, count: number, out: Float64Array, offset: number,
  pair: (words: Uint32Array, blockOffset: number, half: number) => number,
): void {
  forEachBatch(start, first, count, (words, blocks, e0) => {
    const from = Math.max(first, e0);
    const to = Math.min(first + count, e0 + 2 * blocks);
    for (let e = from; e < to; e++) {
      const local = e - e0;
      out[offset + e - first] = pair(words, (local >> 1) << 2, local & 1);
    }
  });
}

/**
 * The paired layout a batch of blocks at a time: fn(words, blocks, e0) where block k of the batch holds
 * elements e0 + 2k and e0 + 2k + 1 (those outside [first, first + count) are the caller's to skip). For
 * distributions that compute both halves of a block together (Box-Muller), with their own tight loop.
 */
export function forEachBatch(start: StreamStart, first: number, count: number, fn: (words: Uint32Array, blocks: number, e0: number) => void): void {
  if (count <= 0) return;
  const ctr = new Uint32Array(3);
  const firstBlock = Math.floor(first / 2);
  const lastBlock = Math.floor((first + count - 1) / 2);
  const words = new Uint32Array(4 * Math.min(BATCH_BLOCKS, lastBlock - firstBlock + 1));
  for (let block = firstBlock; block <= lastBlock; block += BATCH_BLOCKS) {
    const n = Math.min(BATCH_BLOCKS, lastBlock - block + 1);
    blockCounter(start, block, ctr);
    philoxBlocks(ctr[0]!, ctr[1]!, ctr[2]!, 0, start.key0, start.key1, n, words);
    fn(words, n, 2 * block);
  }
}

/**
 * The words of one element's own substream: block (start + element) with c3 = 0, 1, 2, ..., four words
 * each. Rejection samplers read as many as they need; element i's values never depend on any other.
 */
export class ElementStream {
  private readonly words = new Uint32Array(4);
  private readonly ctr = new Uint32Array(3);
  private used = 4;
  private sub = 0;

  constructor(private readonly start: StreamStart) {}

  /** Restart at element `element`'s substream. */
  seek(element: number): void {
    blockCounter(this.start, element, this.ctr);
    this.sub = 0;
    this.used = 4;
  }

  word(): number {
    if (this.used === 4) {
      if (this.sub >= 0xffffffff) throw new Error('random: a rejection sampler used 2^32 blocks for one element; its parameters are degenerate');
      philox4x32(this.ctr[0]!, this.ctr[1]!, this.ctr[2]!, this.sub++, this.start.key0, this.start.key1, this.words, 0);
      this.used = 0;
    }
    return this.words[this.used++]!;
  }

  /** A 53-bit uniform on [0, 1). */
  uniform(): number {
    const a = this.word();
    return uniform53(a, this.word());
  }
}
