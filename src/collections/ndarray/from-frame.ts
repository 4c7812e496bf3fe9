// df.toArray(columns): a DataFrame's numeric columns as a 2-D NDArray, one row block per partition. A
// partition's row count is known only once it is read, so the row chunks are unknown (NaN), as in Dask.

import { tokenize } from '../../scheduler/tokenize.ts';
import { unknownColumn } from '../../expr.ts';
import { checkDType, promote, type DType } from '../../kernels/array/dtypes.ts';
import { columnDType } from '../../kernels/array/from-arrow.ts';
import type { FrameNode } from '../plan.ts';
import { NDArray } from './ndarray.ts';
import { zeros } from './constructors.ts';

export interface ToArrayOptions {
  /** The array dtype; by default NumPy's promotion of the columns' types (ints and floats mixed give float64). */
  dtype?: DType;
}

export function frameToArray(frame: FrameNode, columns?: readonly string[], options: ToArrayOptions = {}): NDArray {
  if (options === null || typeof options !== 'object') throw new TypeError('toArray: options must be an object such as {dtype: "float64"}');
  for (const k of Object.keys(options)) if (k !== 'dtype') throw new TypeError(`toArray: unknown option '${k}'; the option is dtype`);
  const fields = frame.schema.fields;
  const names = columns === undefined ? fields.map((f) => f.name) : columns;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new TypeError('toArray takes a list of column names, e.g. df.toArray(["x", "y"])');
  if (names.length === 0) throw new RangeError('toArray needs at least one column');
  const seen = new Set<string>();
  const dtypes = names.map((name) => {
    if (seen.has(name)) throw new RangeError(`toArray: column '${name}' is named twice`);
    seen.add(name);
    const field = fields.find((f) => f.name === name);
    if (!field) throw unknownColumn(name, frame.schema);
    const d = columnDType(field.type);
    if (d === null) {
      const numeric = fields.filter((f) => columnDType(f.type) !== null).map((f) => `'${f.name}'`);
      throw new TypeError(`toArray: column '${name}' is ${String(field.type)}, not numeric; pass the numeric columns to use (${numeric.join(', ') || 'there are none'}), e.g. df.toArray([${numeric.slice(0, 2).join(', ')}])`);
    }
    return d;
  });
  const natural = dtypes.reduce((a, b) => promote(a, b));
  let dtype = natural;
  if (options.dtype !== undefined) {
    dtype = checkDType(options.dtype, 'toArray');
    const bad = names.find((_, i) => promote(dtypes[i]!, dtype) !== dtype);
    if (bad !== undefined) throw new TypeError(`toArray: column '${bad}' (${dtypes[names.indexOf(bad)]}) does not fit dtype ${dtype} without losing values; use a wider dtype such as float64`);
  }
  const ncols = names.length;
  if (frame.npartitions === 0) return zeros([0, ncols], { dtype, chunks: [[0], [ncols]] });
  return new NDArray({
    kind: 'frame',
    frame,
    columns: [...names],
    token: tokenize('array-frame', frame.token, names, dtype),
    shape: [NaN, ncols],
    chunks: [new Array<number>(frame.npartitions).fill(NaN), [ncols]],
    dtype,
  });
}
