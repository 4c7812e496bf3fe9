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
        const valid = validityOf(d);
        const v = d.values as ArrayLike<number | bigint>;
        for (let i = 0; i < d.length; i++, k++) out[k] = valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0 ? NaN : Number(v[i]!);
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
