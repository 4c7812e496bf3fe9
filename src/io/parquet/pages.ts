// Walking the pages of one column chunk of a flat numeric column (no repetition, definition levels at
// most 1): page headers (Thrift compact), optional page CRC, Snappy or no compression, data pages v1 and
// v2, PLAIN values and dictionary pages with RLE_DICTIONARY / PLAIN_DICTIONARY indices. What it meets
// that it does not decode (another codec or encoding) throws PageUnsupported, which the caller answers
// by decoding with parquet-wasm instead; malformed bytes throw CorruptPage with the chunk offset.

import { CompactReader, type ThriftStruct, type ThriftValue, ThriftError } from './thrift.ts';
import { CorruptInput, snappyDecompress } from './snappy.ts';
import { countOnes } from './rle-hybrid.ts';

export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1 } as const;
const PageType = { DATA_PAGE: 0, INDEX_PAGE: 1, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const;
const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;
const ENCODING_NAMES = ['PLAIN', 'GROUP_VAR_INT', 'PLAIN_DICTIONARY', 'RLE', 'BIT_PACKED', 'DELTA_BINARY_PACKED', 'DELTA_LENGTH_BYTE_ARRAY', 'DELTA_BYTE_ARRAY', 'RLE_DICTIONARY', 'BYTE_STREAM_SPLIT'];

/** Something this decoder does not handle (not an error in the file): decode the chunk another way. */
export class PageUnsupported extends Error {}

/** Malformed page bytes; `offset` is the byte within the column chunk where the bad page (or header) starts. */
export class CorruptPage extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

export interface ChunkLayout {
  /** Bytes per value: 4 (INT32, FLOAT) or 8 (INT64, DOUBLE). */
  readonly width: 4 | 8;
  readonly codec: number;
  /** 1 for an optional column (levels say value or null), 0 for a required one (no levels). */
  readonly maxDef: 0 | 1;
}

/** Receives a chunk's values in row order, nulls left out (they move no sum, min or max). */
export interface ValueSink {
  /** The dictionary page: `count` PLAIN values at data[at...]. */
  dictionary(data: Uint8Array, at: number, count: number): void;
  /** `count` PLAIN values at data[at...]. */
  plain(data: Uint8Array, at: number, count: number): void;
  /**
   * `count` dictionary indices, RLE/bit-packed in data[start, end) with `bitWidth` bits each, for a
   * dictionary of `dictSize` values; the sink decodes them (decodeHybrid or countHybrid).
   */
  indices(data: Uint8Array, start: number, end: number, bitWidth: number, count: number, dictSize: number): void;
}

const num = (v: ThriftValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const struct = (v: ThriftValue | undefined): ThriftStruct | undefined => (v instanceof Map ? (v as ThriftStruct) : undefined);

const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (IEEE, as Parquet's page checksum) of `b`, as a signed 32-bit value like the Thrift i32 field. */
export function crc32(b: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) | 0;
}

/**
 * Feed every value of the chunk's `expectedValues` rows to `sink`, page by page. Throws CorruptPage (bad
 * bytes, or values that do not add up to the rows the footer promises) or PageUnsupported.
 */
export function walkChunk(chunk: Uint8Array, layout: ChunkLayout, expectedValues: number, sink: ValueSink): void {
  let pos = 0;
  let seen = 0;
  let dictSize = -1;
  while (seen < expectedValues) {
    const at = pos;
    if (pos >= chunk.length) throw new CorruptPage(`the column chunk ends after ${seen} of its ${expectedValues} values`, at);
    let h: ThriftStruct;
    try {
      const r = new CompactReader(chunk, pos);
      h = r.struct();
      pos = r.position;
    } catch (e) {
      if (e instanceof ThriftError) throw new CorruptPage(`unreadable page header: ${e.message}`, at);
      throw e;
    }
    const type = num(h.get(1));
    const usize = num(h.get(2));
    const csize = num(h.get(3));
    if (type === undefined || usize === undefined || csize === undefined || usize < 0 || csize < 0) throw new CorruptPage('page header lacks its type or sizes', at);
    if (pos + csize > chunk.length) throw new CorruptPage(`a page of ${csize} bytes runs past the end of the column chunk (${chunk.length - pos} bytes left)`, at);
    const body = chunk.subarray(pos, pos + csize);
    pos += csize;
    const crc = num(h.get(4));
    if (crc !== undefined && crc32(body) !== crc) throw new CorruptPage('page checksum (CRC-32) does not match its bytes', at);
    try {
      if (type === PageType.DICTIONARY_PAGE) {
        const d = struct(h.get(7));
        const count = num(d?.get(1));
        const enc = num(d?.get(2));
        if (count === undefined || count < 0) throw new CorruptPage('dictionary page header lacks its value count', at);
        if (enc !== Encoding.PLAIN && enc !== Encoding.PLAIN_DICTIONARY) throw new PageUnsupported(`dictionary page encoding ${encodingName(enc)}`);
        const data = decompress(body, usize, layout.codec);
        if (count * layout.width > data.length) throw new CorruptPage(`dictionary page of ${data.length} bytes cannot hold ${count} values`, at);
        sink.dictionary(data, 0, count);
        dictSize = count;
      } else if (type === PageType.DATA_PAGE) {
        const d = struct(h.get(5));
        const count = num(d?.get(1));
        const enc = num(d?.get(2));
        if (count === undefined || count < 0 || enc === undefined) throw new CorruptPage('data page header lacks its value count or encoding', at);
        if (seen + count > expectedValues) throw new CorruptPage(`pages hold more than the ${expectedValues} values the footer promises`, at);
        const data = decompress(body, usize, layout.codec);
        let p = 0;
        let present = count;
        if (layout.maxDef === 1) {
          if (num(d!.get(3)) !== Encoding.RLE) throw new PageUnsupported(`definition level encoding ${encodingName(num(d!.get(3)))}`);
          if (data.length < 4) throw new CorruptInput('page too short for its definition levels length', 0);
          const len = (data[0]! | (data[1]! << 8) | (data[2]! << 16)) + data[3]! * 0x1000000;
          if (4 + len > data.length) throw new CorruptInput(`definition levels of ${len} bytes run past the end of the ${data.length}-byte page`, 0);
          present = countOnes(data, 4, 4 + len, count);
          p = 4 + len;
        }
        values(data, p, present, enc, dictSize, layout, sink);
        seen += count;
      } else if (type === PageType.DATA_PAGE_V2) {
        const d = struct(h.get(8));
        const count = num(d?.get(1));
        const nulls = num(d?.get(2));
        const enc = num(d?.get(4));
        const defLen = num(d?.get(5));
        const repLen = num(d?.get(6));
        const compressed = d?.get(7) !== false;
        if (count === undefined || nulls === undefined || enc === undefined || defLen === undefined || repLen === undefined || count < 0 || defLen < 0) {
          throw new CorruptPage('data page v2 header lacks its counts, encoding or level lengths', at);
        }
        if (seen + count > expectedValues) throw new CorruptPage(`pages hold more than the ${expectedValues} values the footer promises`, at);
        if (repLen !== 0) throw new CorruptPage(`repetition levels (${repLen} bytes) in a column that repeats nothing`, at);
        if (defLen > body.length || defLen > usize) throw new CorruptPage(`definition levels of ${defLen} bytes run past the end of the page`, at);
        let present = count;
        if (layout.maxDef === 1) present = countOnes(body, 0, defLen, count);
        else if (defLen !== 0) throw new CorruptPage(`definition levels (${defLen} bytes) in a required column`, at);
        if (count - present !== nulls) throw new CorruptPage(`page v2 header says ${nulls} nulls, its definition levels ${count - present}`, at);
        const rest = body.subarray(defLen);
        const data = compressed ? decompress(rest, usize - defLen, layout.codec) : rest;
        if (!compressed && rest.length !== usize - defLen) throw new CorruptPage(`uncompressed page v2 of ${rest.length} value bytes where the header says ${usize - defLen}`, at);
        values(data, 0, present, enc, dictSize, layout, sink);
        seen += count;
      } else if (type !== PageType.INDEX_PAGE) {
        throw new CorruptPage(`unknown page type ${type}`, at);
      }
    } catch (e) {
      if (e instanceof CorruptInput) throw new CorruptPage(`${e.message} (byte ${e.offset} of the page's decoded data)`, at);
      throw e;
    }
  }
}

function encodingName(e: number | undefined): string {
  return e === undefined ? '(missing)' : (ENCODING_NAMES[e] ?? String(e));
}

function decompress(body: Uint8Array, usize: number, codec: number): Uint8Array {
  if (codec === Codec.SNAPPY) return snappyDecompress(body, usize);
  if (codec === Codec.UNCOMPRESSED) {
    if (body.length !== usize) throw new CorruptInput(`uncompressed page of ${body.length} bytes where its header says ${usize}`, 0);
    return body;
  }
  throw new PageUnsupported(`compression codec ${codec}`);
}

function values(data: Uint8Array, p: number, count: number, enc: number, dictSize: number, layout: ChunkLayout, sink: ValueSink): void {
  if (count === 0) return;
  if (enc === Encoding.PLAIN) {
    if (p + count * layout.width > data.length) throw new CorruptInput(`${count} PLAIN values need ${count * layout.width} bytes; the page has ${data.length - p}`, p);
    sink.plain(data, p, count);
  } else if (enc === Encoding.RLE_DICTIONARY || enc === Encoding.PLAIN_DICTIONARY) {
    if (dictSize < 0) throw new CorruptInput('dictionary-encoded page without a dictionary page before it', p);
    if (p >= data.length) throw new CorruptInput('dictionary-encoded page ends before its bit width', p);
    const bitWidth = data[p]!;
    if (bitWidth > 32) throw new CorruptInput(`dictionary index bit width ${bitWidth} is over 32`, p);
    sink.indices(data, p + 1, data.length, bitWidth, count, dictSize);
  } else {
    throw new PageUnsupported(`value encoding ${encodingName(enc)}`);
  }
}
