// Parquet's RLE / bit-packed hybrid encoding (definition levels and dictionary indices). Runs are
// either a repeated value (RLE) or groups of 8 bit-packed values, each introduced by a varint header.
// Decoding stops after exactly the values asked for; every run is checked against the input's end and
// every value against its bound, so corrupt input throws CorruptInput (offset relative to the buffer)
// instead of reading past the end, looping, or yielding an out-of-range value.

import { CorruptInput } from './snappy.ts';

/** Bits set in each byte value. */
const POPCOUNT = new Uint8Array(256).map((_, b) => {
  let c = 0;
  for (let x = b; x !== 0; x >>= 1) c += x & 1;
  return c;
});

function header(buf: Uint8Array, pos: number, end: number): { h: number; pos: number } {
  let h = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    if (pos >= end) throw new CorruptInput('RLE/bit-packed run header runs past the end of its data', pos);
    const b = buf[pos++]!;
    h += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return { h, pos };
    scale *= 128;
  }
  throw new CorruptInput('RLE/bit-packed run header longer than 5 bytes', pos);
}

/**
 * How many of the first `n` levels in buf[start, end) are 1, for levels of bit width 1 (a flat optional
 * column: 1 = a value, 0 = null). Nulls do not move any sum, min or max, so only the count matters.
 */
export function countOnes(buf: Uint8Array, start: number, end: number, n: number): number {
  if (end > buf.length) throw new CorruptInput(`definition levels claim bytes up to ${end} of a ${buf.length}-byte page`, start);
  let pos = start;
  let left = n;
  let ones = 0;
  while (left > 0) {
    const at = pos;
    const r = header(buf, pos, end);
    pos = r.pos;
    if ((r.h & 1) === 0) {
      const count = Math.min(r.h >>> 1, left);
      if (pos >= end) throw new CorruptInput('RLE run value runs past the end of its data', at);
      const v = buf[pos++]!;
      if (v > 1) throw new CorruptInput(`definition level ${v} in a column whose levels are at most 1`, at);
      ones += v * count;
      left -= count;
    } else {
      const take = Math.min(Math.floor(r.h / 2) * 8, left); // groups of 8 one-bit values: one byte each
      const bytes = Math.ceil(take / 8);
      if (pos + bytes > end) throw new CorruptInput(`bit-packed run of ${take} levels runs past the end of its data`, at);
      const full = take >>> 3;
      for (let k = 0; k < full; k++) ones += POPCOUNT[buf[pos + k]!]!;
      if ((take & 7) !== 0) ones += POPCOUNT[buf[pos + full]! & ((1 << (take & 7)) - 1)]!;
      pos = Math.min(pos + Math.floor(r.h / 2), end); // the run's whole groups (one byte each), padding included
      left -= take;
    }
  }
  return ones;
}

/**
 * Decode `n` values of `bitWidth` bits from buf[start, end) into out[0, n), each checked to be below
 * `bound` (the dictionary's size). Returns the position after the last run read.
 */
export function decodeHybrid(buf: Uint8Array, start: number, end: number, bitWidth: number, n: number, out: Int32Array, bound: number): number {
  if (bitWidth > 32) throw new CorruptInput(`bit width ${bitWidth} is over 32`, start);
  if (end > buf.length) throw new CorruptInput(`encoded values claim bytes up to ${end} of a ${buf.length}-byte page`, start);
  const byteWidth = (bitWidth + 7) >>> 3;
  let pos = start;
  let i = 0;
  while (i < n) {
    const at = pos;
    const r = header(buf, pos, end);
    pos = r.pos;
    if ((r.h & 1) === 0) {
      const count = Math.min(r.h >>> 1, n - i);
      if (pos + byteWidth > end) throw new CorruptInput('RLE run value runs past the end of its data', at);
      let v = 0;
      for (let k = byteWidth - 1; k >= 0; k--) v = v * 256 + buf[pos + k]!;
      pos += byteWidth;
      if (count > 0 && v >= bound) throw new CorruptInput(`dictionary index ${v} out of range (the dictionary has ${bound} values)`, at);
      out.fill(v, i, i + count);
      i += count;
    } else {
      const groups = Math.floor(r.h / 2);
      const take = Math.min(groups * 8, n - i);
      const need = Math.ceil((take * bitWidth) / 8);
      if (pos + need > end) throw new CorruptInput(`bit-packed run of ${take} values runs past the end of its data`, at);
      if (bitWidth === 0) out.fill(0, i, i + take);
      else unpack(buf, pos, bitWidth, take, out, i);
      for (let k = i; k < i + take; k++) {
        if (out[k]! >>> 0 >= bound) throw new CorruptInput(`dictionary index ${out[k]! >>> 0} out of range (the dictionary has ${bound} values)`, at);
      }
      i += take;
      pos = Math.min(pos + groups * bitWidth, end);
    }
  }
  return pos;
}

/** Unpack `count` little-endian bit-packed values of `w` bits starting at byte `pos` into out[at...]. */
function unpack(buf: Uint8Array, pos: number, w: number, count: number, out: Int32Array, at: number): void {
  if (w <= 24) {
    // an accumulator of at most w - 1 + 8 <= 31 bits stays a non-negative int32
    const mask = (1 << w) - 1;
    let acc = 0;
    let bits = 0;
    for (let k = 0; k < count; k++) {
      while (bits < w) {
        acc |= buf[pos++]! << bits;
        bits += 8;
      }
      out[at + k] = acc & mask;
      acc >>>= w;
      bits -= w;
    }
    return;
  }
  // wider values: exact arithmetic in doubles
  let acc = 0;
  let bits = 0;
  const span = 2 ** w;
  for (let k = 0; k < count; k++) {
    while (bits < w) {
      acc += buf[pos++]! * 2 ** bits;
      bits += 8;
    }
    const v = acc % span;
    out[at + k] = v | 0;
    acc = (acc - v) / span;
    bits -= w;
  }
}

/**
 * Count how often each value occurs among `n` values of `bitWidth` bits in buf[start, end): counts[v] += 1
 * (counts has 2^bitWidth entries, so no value can fall outside it; the caller checks that those at or
 * past the dictionary's size stayed 0). For integer sums and min/max the order of values does not matter,
 * so a dictionary page needs no gather: each run adds its length to one count.
 */
export function countHybrid(buf: Uint8Array, start: number, end: number, bitWidth: number, n: number, counts: Float64Array): void {
  if (end > buf.length) throw new CorruptInput(`encoded values claim bytes up to ${end} of a ${buf.length}-byte page`, start);
  if (counts.length < 2 ** bitWidth) throw new Error('internal: count table smaller than 2^bitWidth');
  const byteWidth = (bitWidth + 7) >>> 3;
  const mask = (1 << bitWidth) - 1;
  let pos = start;
  let i = 0;
  while (i < n) {
    const at = pos;
    const r = header(buf, pos, end);
    pos = r.pos;
    if ((r.h & 1) === 0) {
      const count = Math.min(r.h >>> 1, n - i);
      if (pos + byteWidth > end) throw new CorruptInput('RLE run value runs past the end of its data', at);
      let v = 0;
      for (let k = byteWidth - 1; k >= 0; k--) v = v * 256 + buf[pos + k]!;
      pos += byteWidth;
      if (count > 0 && v > mask) throw new CorruptInput(`RLE run value ${v} wider than its ${bitWidth}-bit width`, at);
      counts[v & mask]! += count;
      i += count;
    } else {
      const groups = Math.floor(r.h / 2);
      const take = Math.min(groups * 8, n - i);
      const need = Math.ceil((take * bitWidth) / 8);
      if (pos + need > end) throw new CorruptInput(`bit-packed run of ${take} values runs past the end of its data`, at);
      if (bitWidth === 0) counts[0]! += take;
      else countPacked(buf, pos, bitWidth, take, counts);
      i += take;
      pos = Math.min(pos + groups * bitWidth, end);
    }
  }
}

function countPacked(buf: Uint8Array, pos: number, w: number, count: number, counts: Float64Array): void {
  const mask = (1 << w) - 1;
  let k = 0;
  if (w <= 17) {
    // branch-free while three bytes can be read from the value's first byte: each value sits within 24 bits
    let bit = pos * 8;
    const last = buf.length - 3;
    for (; k < count && bit >>> 3 <= last; k++) {
      const b = bit >>> 3;
      const word = buf[b]! | (buf[b + 1]! << 8) | (buf[b + 2]! << 16);
      counts[(word >>> (bit & 7)) & mask]!++;
      bit += w;
    }
    if (k === count) return;
    // the tail: byte by byte from the current bit
    pos = bit >>> 3;
    const skip = bit & 7;
    let acc = buf[pos++]! >>> skip;
    let bits = 8 - skip;
    for (; k < count; k++) {
      while (bits < w) {
        acc |= buf[pos++]! << bits;
        bits += 8;
      }
      counts[acc & mask]!++;
      acc >>>= w;
      bits -= w;
    }
    return;
  }
  let acc = 0;
  let bits = 0;
  for (; k < count; k++) {
    while (bits < w) {
      acc |= buf[pos++]! << bits;
      bits += 8;
    }
    counts[acc & mask]!++;
    acc >>>= w;
    bits -= w;
  }
}
