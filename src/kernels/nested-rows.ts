// Moving rows of variable-width and nested columns (Binary, List<…>, Struct<…>, at any depth): gathering
// rows (filter, sort, head, merge, shuffles) and concatenating partitions. take.ts and concat.ts hand
// these types here; the flat types stay there. The types no kernel moves yet (FixedSizeList, Map, Union,
// 64-bit offsets) are refused up front with the column's name, not deep inside a kernel.

import { type Data, type DataType, type Field, type List, type Schema, type Struct, Data as ArrowData, Type, makeData } from 'apache-arrow';
import { sharedArray } from './arrow-build.ts';

/** What the row-moving kernels take, for messages. */
export const SUPPORTED_ROW_TYPES = 'numbers, booleans, dates and times, decimals, strings, Binary, FixedSizeBinary, dictionaries, and List and Struct of these';

/** The part of `type` (itself or a type nested in it) whose rows cannot be moved, or null when all can. */
export function unsupportedRowType(type: DataType): DataType | null {
  switch (type.typeId) {
    case Type.FixedSizeList:
    case Type.Map:
    case Type.Union:
    case Type.DenseUnion:
    case Type.SparseUnion:
    case Type.LargeBinary:
    case Type.LargeList:
    case Type.BinaryView:
    case Type.Utf8View:
      return type;
    case Type.Dictionary:
      return unsupportedRowType((type as unknown as { dictionary: DataType }).dictionary);
    default:
      for (const f of (type.children ?? []) as Field[]) {
        const bad = unsupportedRowType(f.type);
        if (bad !== null) return bad;
      }
      return null;
  }
}

/** Throws a TypeError naming the first column of `schema` whose rows cannot be moved, and why. */
export function checkRowTypes(schema: Schema | readonly Field[], what = 'selecting or moving rows (filter, head, sort, repartition, merge, shuffles)'): void {
  const fields = 'fields' in schema ? schema.fields : schema;
  for (const f of fields) {
    const bad = unsupportedRowType(f.type);
    if (bad === null) continue;
    const inner = bad === f.type ? '' : ` (it holds ${String(bad)})`;
    throw new TypeError(`column '${f.name}' has type ${String(f.type)}${inner}: ${what} is not supported for it yet; supported: ${SUPPORTED_ROW_TYPES}`);
  }
}

/** A column of `like`'s type with the given buffers and children (offset 0). */
function build(type: DataType, length: number, nullCount: number, bitmap: Uint8Array | undefined, parts: { offsets?: Int32Array; values?: Uint8Array; children?: Data[] }): Data {
  // [offsets, values, validity, type ids]: apache-arrow's buffer order.
  return new ArrowData(type, 0, length, nullCount, [parts.offsets, parts.values, nullCount > 0 ? bitmap : undefined, undefined] as never, parts.children ?? []);
}

/** Offsets of rows `idx` of a column with 32-bit offsets `offs` (Utf8, Binary, List): out[k + 1] - out[k] is row idx[k]'s length. */
function gatherOffsets(offs: Int32Array, idx: Int32Array): Int32Array {
  const n = idx.length;
  const out = sharedArray(Int32Array, n + 1);
  let total = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    total += offs[i + 1]! - offs[i]!;
    out[k + 1] = total;
  }
  return out;
}

/** Offsets and bytes of rows `idx` of a Utf8 or Binary column (the same layout). */
export function gatherBytes(offs: Int32Array, bytes: Uint8Array, idx: Int32Array): { offsets: Int32Array; values: Uint8Array } {
  const n = idx.length;
  const offsets = gatherOffsets(offs, idx);
  const values = sharedArray(Uint8Array, offsets[n]!);
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    const a = offs[i]!;
    const b = offs[i + 1]!;
    // Short values byte by byte: a subarray per row costs an allocation and dominates a gather of codes.
    if (b - a > 32) values.set(bytes.subarray(a, b), offsets[k]!);
    else for (let j = a, o = offsets[k]!; j < b; j++, o++) values[o] = bytes[j]!;
  }
  return { offsets, values };
}

/** Rows `idx` of a Binary column. */
export function takeBytes(data: Data, idx: Int32Array, bitmap: Uint8Array | undefined, nullCount: number): Data {
  return build(data.type, idx.length, nullCount, bitmap, gatherBytes(data.valueOffsets as Int32Array, data.values as Uint8Array, idx));
}

/** Rows `idx` of a List column: its offsets rebuilt, the child's rows gathered by `take` (any child type). */
export function takeList(data: Data, idx: Int32Array, bitmap: Uint8Array | undefined, nullCount: number, take: (d: Data, idx: Int32Array) => Data): Data {
  const offs = data.valueOffsets as Int32Array;
  const n = idx.length;
  const outOffs = gatherOffsets(offs, idx);
  const childIdx = new Int32Array(outOffs[n]!);
  for (let k = 0, c = 0; k < n; k++) for (let j = offs[idx[k]!]!, end = offs[idx[k]! + 1]!; j < end; j++) childIdx[c++] = j;
  return build(data.type, n, nullCount, bitmap, { offsets: outOffs, children: [take(data.children[0]!, childIdx)] });
}

/** Rows `idx` of a Struct column: each child's rows gathered (apache-arrow slices a struct's children with it). */
export function takeStruct(data: Data, idx: Int32Array, bitmap: Uint8Array | undefined, nullCount: number, take: (d: Data, idx: Int32Array) => Data): Data {
  return build(data.type, idx.length, nullCount, bitmap, { children: data.children.map((c) => take(c, idx)) });
}

/** Binary (or Utf8) parts one after the other. */
export function concatBytes(type: DataType, parts: readonly Data[], total: number, bitmap: Uint8Array | undefined, nullCount: number): Data {
  const { offsets, size } = concatOffsets(parts, total);
  const bytes = sharedArray(Uint8Array, size);
  let pos = 0;
  for (const d of parts) {
    const o = d.valueOffsets as Int32Array;
    bytes.set((d.values as Uint8Array).subarray(o[0]!, o[d.length]!), pos);
    pos += o[d.length]! - o[0]!;
  }
  return build(type, total, nullCount, bitmap, { offsets, values: bytes });
}

/** List parts one after the other: offsets shifted, each part's span of its child concatenated by `concat`. */
export function concatList(type: List, parts: readonly Data[], total: number, bitmap: Uint8Array | undefined, nullCount: number, concat: (t: DataType, parts: readonly Data[]) => Data): Data {
  const { offsets } = concatOffsets(parts, total);
  const spans = parts.map((d) => {
    const o = d.valueOffsets as Int32Array;
    return d.children[0]!.slice(o[0]!, o[d.length]! - o[0]!);
  });
  return build(type, total, nullCount, bitmap, { offsets, children: [concat(type.valueType, spans)] });
}

/** Struct parts one after the other: child by child (each part's children are already its rows). */
export function concatStruct(type: Struct, parts: readonly Data[], total: number, bitmap: Uint8Array | undefined, nullCount: number, concat: (t: DataType, parts: readonly Data[]) => Data): Data {
  const children = type.children.map((f, i) => concat(f.type, parts.map((d) => d.children[i]!)));
  return build(type, total, nullCount, bitmap, { children });
}

function concatOffsets(parts: readonly Data[], total: number): { offsets: Int32Array; size: number } {
  const offsets = sharedArray(Int32Array, total + 1);
  let k = 0;
  let size = 0;
  for (const d of parts) {
    const o = d.valueOffsets as Int32Array;
    for (let i = 0; i < d.length; i++) offsets[++k] = size + (o[i + 1]! - o[0]!);
    size += o[d.length]! - o[0]!;
  }
  if (size > 2 ** 31 - 1) throw new RangeError(`concatenating these partitions makes a column of ${size} bytes or list items: more than 32-bit offsets address`);
  return { offsets, size };
}

/** `n` null rows of a Binary, List or Struct type (List: no items; Struct: null children). */
export function nullNested(type: DataType, n: number, nullOf: (t: DataType, n: number) => Data, emptyOf: (t: DataType) => Data): Data {
  const bitmap = sharedArray(Uint8Array, (n + 7) >> 3);
  switch (type.typeId) {
    case Type.Binary:
    case Type.Utf8:
      return build(type, n, n, bitmap, { offsets: sharedArray(Int32Array, n + 1), values: sharedArray(Uint8Array, 0) });
    case Type.List:
      return build(type, n, n, bitmap, { offsets: sharedArray(Int32Array, n + 1), children: [emptyOf((type as List).valueType)] });
    case Type.Struct:
      return build(type, n, n, bitmap, { children: (type as Struct).children.map((f) => nullOf(f.type, n)) });
    default:
      throw new TypeError(`cannot make null rows of type ${String(type)}; supported: ${SUPPORTED_ROW_TYPES}`);
  }
}

/** A zero-row Binary, List or Struct column. */
export function emptyNested(type: DataType, emptyOf: (t: DataType) => Data): Data {
  switch (type.typeId) {
    case Type.Binary:
      return makeData({ type, length: 0, nullCount: 0, valueOffsets: new Int32Array(1), data: new Uint8Array(0) } as never);
    case Type.List:
      return build(type, 0, 0, undefined, { offsets: new Int32Array(1), children: [emptyOf((type as List).valueType)] });
    default:
      return build(type, 0, 0, undefined, { children: ((type.children ?? []) as Field[]).map((f) => emptyOf(f.type)) });
  }
}
