// Cumulative sums and products along one axis, starting from a carried-in value per lane, so a chunked
// array scans each chunk with the total of the chunks before it.

import { allocate, dtypeOfData, type DType } from './dtypes.ts';
import { contiguousStrides, sizeOf, view, type Strided } from './strided.ts';

export type ScanName = 'cumsum' | 'cumprod';

export function scanDType(input: DType): DType {
  return input === 'float64' || input === 'float32' ? input : 'int64';
}

/**
 * Scans `x` along `axis`. `carry` (optional, contiguous, shape of x with `axis` of length 1, dtype of the
 * result) is the value before the first element of each lane. Integers are exact in int64.
 */
export function scan(name: ScanName, x: Strided, axis: number, carry?: Strided, dtype: DType = dtypeOfData(x.data)): Strided & { dtype: DType } {
  const outDType = scanDType(dtype);
  const shape = [...x.shape];
  const n = shape[axis]!;
  const out = allocate(outDType, sizeOf(shape));
  const outStride = contiguousStrides(shape);
  const lanesShape = shape.map((s, i) => (i === axis ? 1 : s));
  const lanes = sizeOf(lanesShape);
  const laneStride = contiguousStrides(lanesShape);
  const product = name === 'cumprod';
  const nd = shape.length;
  const counter = new Array<number>(nd).fill(0);
  for (let lane = 0; lane < lanes; lane++) {
    // decompose the lane number into coordinates (axis coordinate 0)
    let rest = lane;
    for (let i = 0; i < nd; i++) {
      counter[i] = Math.floor(rest / laneStride[i]!);
      rest -= counter[i]! * laneStride[i]!;
    }
    let inIdx = x.offset, outIdx = 0;
    for (let i = 0; i < nd; i++) {
      inIdx += counter[i]! * x.stride[i]!;
      outIdx += counter[i]! * outStride[i]!;
    }
    const si = x.stride[axis]!, so = outStride[axis]!;
    if (outDType === 'int64') {
      const o = out as BigInt64Array;
      let acc = carry ? BigInt((carry.data as ArrayLike<number | bigint>)[carry.offset + lane]!) : product ? 1n : 0n;
      const d = x.data as ArrayLike<number | bigint>;
      for (let k = 0; k < n; k++, inIdx += si, outIdx += so) {
        const v = d[inIdx]!;
        acc = BigInt.asIntN(64, product ? acc * BigInt(v) : acc + BigInt(v));
        o[outIdx] = acc;
      }
    } else {
      const o = out as Float64Array;
      // A sum starts at -0, the IEEE additive identity (-0 + x is x, +0 included): the scan is then NumPy's
      // out[0] = x[0], out[i] = out[i-1] + x[i], and a lane of -0 stays -0 (starting at +0 made it +0).
      let acc = carry ? Number((carry.data as ArrayLike<number | bigint>)[carry.offset + lane]!) : product ? 1 : -0;
      const d = x.data as Float64Array;
      for (let k = 0; k < n; k++, inIdx += si, outIdx += so) {
        acc = product ? acc * d[inIdx]! : acc + d[inIdx]!;
        o[outIdx] = acc;
      }
    }
  }
  return { ...view(out as never, shape), dtype: outDType };
}
