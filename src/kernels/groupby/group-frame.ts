// What a groupby-apply function receives: one whole group as a small Arrow-backed frame, with its key
// and cheap access to columns as typed arrays (a zero-copy view when the column is float64 without nulls).

import { type RecordBatch, type Vector, Type } from 'apache-arrow';
import type { KeyValue } from './group-ids.ts';
import { validityOf } from '../validity.ts';

export class GroupFrame {
  constructor(
    /** The group's rows (a slice of the sorted bucket: no copy). */
    readonly batch: RecordBatch,
    /** Key column -> this group's key value. */
    readonly key: Readonly<Record<string, KeyValue>>,
  ) {}

  get numRows(): number {
    return this.batch.numRows;
  }
  get columns(): string[] {
    return this.batch.schema.fields.map((f) => f.name);
  }

  /** The column as an Arrow Vector. */
  vector(name: string): Vector {
    const v = this.batch.getChild(name);
    if (!v) throw new Error(`group has no column '${name}'; columns: ${this.columns.join(', ')}`);
    return v;
  }

  /**
   * Numbers as a Float64Array (nulls become NaN), strings as (string | null)[], booleans as (boolean | null)[].
   * Float64 columns without nulls are returned as views of the partition's memory: do not write to them.
   */
  col(name: string): Float64Array | Array<string | null> | Array<boolean | null> {
    const vec = this.vector(name);
    const type = vec.type.typeId;
    if (type === Type.Float || type === Type.Int) {
      const n = vec.length;
      const chunks = vec.data;
      if (chunks.length === 1 && chunks[0]!.nullCount === 0 && chunks[0]!.values instanceof Float64Array) return chunks[0]!.values.subarray(0, n);
      const out = new Float64Array(n);
      let k = 0;
      for (const d of chunks) {
        const v = d.values as ArrayLike<number | bigint>;
        // One loop per common array type keeps each loop monomorphic (a shared one is several times slower);
        // they read a group slice's null bits at its offset rather than copying them (validityOf) per group.
        const bits = d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0 ? null : (d.nullBitmap as Uint8Array);
        if (v instanceof Float64Array) floatsInto(out, k, v, d.length, bits, d.offset);
        else if (v instanceof Int32Array) int32sInto(out, k, v, d.length, bits, d.offset);
        else {
          const valid = validityOf(d);
          for (let i = 0; i < d.length; i++) out[k + i] = valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0 ? NaN : Number(v[i]!);
        }
        k += d.length;
      }
      return out;
    }
    return vec.toArray() as Array<string | null>;
  }

  /** A numeric column as a Float64Array (nulls become NaN), typed as such; any other column is a TypeError. */
  numbers(name: string): Float64Array {
    this.expect(name, [Type.Float, Type.Int], 'numeric');
    return this.col(name) as Float64Array;
  }

  /** A string column as (string | null)[] (dictionary-encoded columns decoded); any other column is a TypeError. */
  strings(name: string): Array<string | null> {
    this.expect(name, [Type.Utf8, Type.LargeUtf8, Type.Dictionary], 'string');
    return Array.from(this.vector(name), (v) => (v === null || v === undefined ? null : String(v)));
  }

  /** A boolean column as (boolean | null)[]; any other column is a TypeError. */
  booleans(name: string): Array<boolean | null> {
    this.expect(name, [Type.Bool], 'boolean');
    return Array.from(this.vector(name), (v) => (v === null || v === undefined ? null : Boolean(v)));
  }

  private expect(name: string, types: readonly Type[], what: string): void {
    const type = this.vector(name).type;
    if (!types.includes(type.typeId)) {
      const other = type.typeId === Type.Bool ? 'booleans()' : type.typeId === Type.Float || type.typeId === Type.Int ? 'numbers()' : 'strings() or vector()';
      throw new TypeError(`group column '${name}' is ${type}, not ${what}; read it with ${other}`);
    }
  }
}

function floatsInto(out: Float64Array, at: number, v: Float64Array, n: number, bits: Uint8Array | null, off: number): void {
  if (bits === null) out.set(v.subarray(0, n), at);
  else {
    for (let i = 0; i < n; i++) {
      const j = off + i;
      out[at + i] = ((bits[j >> 3]! >> (j & 7)) & 1) === 0 ? NaN : v[i]!;
    }
  }
}

function int32sInto(out: Float64Array, at: number, v: Int32Array, n: number, bits: Uint8Array | null, off: number): void {
  if (bits === null) for (let i = 0; i < n; i++) out[at + i] = v[i]!;
  else {
    for (let i = 0; i < n; i++) {
      const j = off + i;
      out[at + i] = ((bits[j >> 3]! >> (j & 7)) & 1) === 0 ? NaN : v[i]!;
    }
  }
}
