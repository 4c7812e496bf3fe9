// NumPy broadcasting: shapes are aligned from the right; an axis of length 1 (or a missing one) stretches
// to the other's length by a zero stride, so nothing is copied.

import type { Strided } from './strided.ts';

export class BroadcastError extends RangeError {
  override name = 'BroadcastError';
}

export function broadcastShapes(...shapes: ReadonlyArray<readonly number[]>): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (let k = 1; k <= nd; k++) {
    let n = 1;
    for (const s of shapes) {
      const d = s[s.length - k];
      if (d === undefined || d === 1) continue;
      if (n !== 1 && d !== n) {
        throw new BroadcastError(`shapes ${shapes.map((x) => `(${x.join(', ')})`).join(' and ')} do not broadcast: axis -${k} has lengths ${n} and ${d}; lengths must match or one must be 1`);
      }
      n = d;
    }
    out[nd - k] = n;
  }
  return out;
}

/** `x` seen with shape `shape` (which must be a broadcast of x's shape): stretched axes get stride 0. */
export function broadcastTo<T extends Strided>(x: T, shape: readonly number[]): Strided<T['data']> {
  const nd = shape.length;
  const extra = nd - x.shape.length;
  if (extra < 0) throw new BroadcastError(`cannot broadcast shape (${x.shape.join(', ')}) to the smaller shape (${shape.join(', ')})`);
  const stride = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const d = i < extra ? 1 : x.shape[i - extra]!;
    if (d === shape[i]) stride[i] = i < extra ? 0 : d === 1 ? 0 : x.stride[i - extra]!;
    else if (d === 1) stride[i] = 0;
    else throw new BroadcastError(`cannot broadcast shape (${x.shape.join(', ')}) to (${shape.join(', ')})`);
  }
  return { data: x.data, shape: [...shape], stride, offset: x.offset };
}
