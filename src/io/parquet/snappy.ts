// A Snappy block decompressor (the raw format Parquet pages use, not the framed one), so pages can be
// decoded without parquet-wasm. Every read and copy is bounds-checked: corrupt or truncated input throws
// a CorruptInput naming the byte offset, never reads past the input or writes past the declared length.

/** Malformed compressed or encoded page bytes; `offset` is relative to the start of the input given. */
export class CorruptInput extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** The uncompressed length a Snappy block declares in its preamble, and where its elements start. */
function preamble(src: Uint8Array): { length: number; pos: number } {
  let length = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    if (i >= src.length) throw new CorruptInput('snappy block ends inside its length preamble', i);
    const b = src[i]!;
    length += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (length > 0xffffffff) throw new CorruptInput(`snappy length preamble too large (${length})`, 0);
      return { length, pos: i + 1 };
    }
    scale *= 128;
  }
  throw new CorruptInput('snappy length preamble longer than 5 bytes', 0);
}

/**
 * Decompress `src` into a new buffer of exactly `expected` bytes (the page header's uncompressed size,
 * which must agree with the block's own preamble).
 */
export function snappyDecompress(src: Uint8Array, expected: number): Uint8Array {
  const { length, pos: start } = preamble(src);
  if (length !== expected) throw new CorruptInput(`snappy block declares ${length} uncompressed bytes, the page header ${expected}`, 0);
  const dst = new Uint8Array(length);
  const n = src.length;
  let pos = start;
  let out = 0;
  while (pos < n) {
    const tag = src[pos]!;
    const at = pos;
    pos++;
    const kind = tag & 3;
    if (kind === 0) {
      // literal: length-1 in the tag, or in the next 1-4 bytes
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (pos + extra > n) throw new CorruptInput('snappy literal length runs past the end of the block', at);
        len = 0;
        for (let k = extra - 1; k >= 0; k--) len = len * 256 + src[pos + k]!;
        pos += extra;
      }
      len += 1;
      if (pos + len > n) throw new CorruptInput(`snappy literal of ${len} bytes runs past the end of the block`, at);
      if (out + len > length) throw new CorruptInput(`snappy literal of ${len} bytes overflows the ${length}-byte output`, at);
      if (len < 32) {
        for (let k = 0; k < len; k++) dst[out + k] = src[pos + k]!; // short: cheaper than a subarray
      } else dst.set(src.subarray(pos, pos + len), out);
      pos += len;
      out += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos >= n) throw new CorruptInput('snappy copy ends early', at);
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[pos]!;
      pos += 1;
    } else if (kind === 2) {
      if (pos + 2 > n) throw new CorruptInput('snappy copy ends early', at);
      len = (tag >>> 2) + 1;
      offset = src[pos]! | (src[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > n) throw new CorruptInput('snappy copy ends early', at);
      len = (tag >>> 2) + 1;
      offset = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16)) + src[pos + 3]! * 0x1000000;
      pos += 4;
    }
    if (offset === 0 || offset > out) throw new CorruptInput(`snappy copy refers ${offset} bytes back from output byte ${out}`, at);
    if (out + len > length) throw new CorruptInput(`snappy copy of ${len} bytes overflows the ${length}-byte output`, at);
    if (offset >= len && len >= 32) {
      dst.copyWithin(out, out - offset, out - offset + len);
      out += len;
    } else {
      // short or overlapping: byte by byte (an overlapping copy repeats the last `offset` bytes)
      for (let k = 0; k < len; k++, out++) dst[out] = dst[out - offset]!;
    }
  }
  if (out !== length) throw new CorruptInput(`snappy block ends after ${out} of its ${length} bytes`, n);
  return dst;
}
