// Turning the kernels' integer results back into JS values: 128-bit limbs to BigInt, exact fixed-point
// totals to the nearest float64, and 64-bit order keys back to the float64 they came from.

/** The signed 128-bit integer in words[o..o+3] (little-endian limbs, two's complement). */
export function signed128(words: Uint32Array, o: number): bigint {
  const v = BigInt(words[o]!) | (BigInt(words[o + 1]!) << 32n) | (BigInt(words[o + 2]!) << 64n) | (BigInt(words[o + 3]!) << 96n);
  return BigInt.asIntN(128, v);
}

/** x * 2^e without overflowing the power itself (steps stay inside the double range). */
export function scalePow2(x: number, e: number): number {
  while (e > 1023) {
    x *= 2 ** 1023;
    e -= 1023;
  }
  while (e < -1022) {
    x *= 2 ** -1022;
    e += 1022;
  }
  return x * 2 ** e;
}

/**
 * total * 2^scale rounded once to the nearest float64 (Number(bigint) rounds to nearest-even; results in the
 * subnormal range may round twice). Totals wider than 1000 bits keep 64 bits plus a sticky bit first.
 */
export function bigintToFloat(total: bigint, scale: number): number {
  if (total === 0n) return 0;
  const neg = total < 0n;
  let mag = neg ? -total : total;
  const bits = mag.toString(16).length * 4;
  if (bits > 1000) {
    const sh = BigInt(bits - 64);
    const kept = mag >> sh;
    mag = (mag & ((1n << sh) - 1n)) !== 0n ? kept | 1n : kept;
    scale += bits - 64;
  }
  const x = scalePow2(Number(mag), scale);
  return neg ? -x : x;
}

const view = new DataView(new ArrayBuffer(8));
const SIGN = 1n << 63n;
const MASK = (1n << 64n) - 1n;

/** The float64 whose order key (sign bit flipped for positives, all bits flipped for negatives) is `key`. */
export function float64FromKey(key: bigint): number {
  const bits = (key & SIGN) !== 0n ? key ^ SIGN : ~key & MASK;
  view.setBigUint64(0, bits, true);
  return view.getFloat64(0, true);
}
