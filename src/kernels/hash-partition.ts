// Hash partitioning for shuffles: rows go to bucket hash(key) % n, where the key is compared by value
// across sides and types (an int32 5, an int64 5 and a float64 5.0 are one key, as SQL equality says), so
// both sides of a merge send equal keys to the same bucket. Rows with a null key never match anything:
// they are spread by row number so they do not pile up in one bucket.

import type { Data, RecordBatch } from 'apache-arrow';
import { takeBatch } from './take.ts';
import { type KeyValue, groupRows, hashKey } from './groupby/group-ids.ts';

export function keyColumns(batch: RecordBatch, keys: readonly string[]): Data[] {
  return keys.map((k) => {
    const i = batch.schema.fields.findIndex((f) => f.name === k);
    if (i < 0) throw new Error(`no key column '${k}' in partition (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
    return batch.data.children[i]!;
  });
}

/**
 * A text form of a key tuple equal for equal values whatever their Arrow type: whole numbers (JS numbers,
 * bigints) as one integer form, other numbers by value (NaN equals NaN, as in DuckDB), strings with their
 * length so no content can make two tuples meet.
 */
export function canonicalKey(keys: readonly KeyValue[][], g: number): string {
  let s = '';
  for (let c = 0; c < keys.length; c++) {
    const v = keys[c]![g]!;
    if (typeof v === 'string') s += `s${v.length}:${v}`;
    else if (typeof v === 'bigint') s += `i${v};`;
    else if (typeof v === 'number') s += Number.isInteger(v) ? `i${Number.isSafeInteger(v) ? v : BigInt(v)};` : `f${v};`;
    else if (typeof v === 'boolean') s += v ? 'T;' : 'F;';
    else s += 'N;';
  }
  return s;
}

/** Key groups of a batch: each row's group (-1 for a null in any key column) and each group's canonical key. */
export function keyGroups(batch: RecordBatch, keys: readonly string[]): { ids: Int32Array; canonical: string[] } {
  const g = groupRows(keyColumns(batch, keys), true);
  const canonical = new Array<string>(g.ngroups);
  for (let k = 0; k < g.ngroups; k++) canonical[k] = canonicalKey(g.keys, k);
  return { ids: g.ids, canonical };
}

/** Bucket of every row: hash of its key, or row % n for null keys. */
export function hashBuckets(batch: RecordBatch, keys: readonly string[], n: number): Int32Array {
  const { ids, canonical } = keyGroups(batch, keys);
  const bucketOf = canonical.map((c) => hashKey(c) % n);
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = ids[i]! >= 0 ? bucketOf[ids[i]!]! : i % n;
  return out;
}

/** Split rows into `buckets` batches by bucket number, keeping row order within each. */
export function splitByBucket(batch: RecordBatch, bucket: Int32Array, buckets: number): RecordBatch[] {
  const counts = new Int32Array(buckets);
  for (let i = 0; i < bucket.length; i++) counts[bucket[i]!]! += 1;
  const idx = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(buckets);
  for (let i = 0; i < bucket.length; i++) {
    const b = bucket[i]!;
    idx[b]![fill[b]!++] = i;
  }
  return idx.map((ix) => takeBatch(batch, ix));
}

/** One partition cut into n pieces by key hash (a merge's shuffle). */
export function hashSplit(batch: RecordBatch, keys: readonly string[], n: number): RecordBatch[] {
  return splitByBucket(batch, hashBuckets(batch, keys, n), n);
}
