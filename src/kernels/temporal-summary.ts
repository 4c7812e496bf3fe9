// Count, min and max of a date or timestamp column as epoch milliseconds (describe() shows them as ISO
// text): whatever the Arrow unit (days, ms, us, ns, s), so partials of any unit compare as numbers.

import { type Data, Type } from 'apache-arrow';

/** Milliseconds per stored unit: Arrow's TimeUnit SECOND=0, MILLISECOND=1, MICROSECOND=2, NANOSECOND=3. */
const MS_PER_UNIT = [1000, 1, 1e-3, 1e-6];

export function temporalSummary(data: Data, valid: Uint8Array | null): { n: number; min: number | null; max: number | null } {
  const unit = (data.type as unknown as { unit: number }).unit;
  // DateDay stores days in an Int32Array; DateMillisecond and timestamps store int64 counts of `unit`.
  const scale = data.typeId === Type.Date ? (unit === 0 ? 86_400_000 : 1) : MS_PER_UNIT[unit]!;
  const v = data.values as ArrayLike<number | bigint>;
  let n = 0;
  let lo: number | bigint | null = null;
  let hi: number | bigint | null = null;
  for (let i = 0; i < data.length; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const x = v[i]!;
    n++;
    if (lo === null || x < lo) lo = x;
    if (hi === null || x > hi) hi = x;
  }
  const ms = (x: number | bigint | null) => (x === null ? null : Number(x) * scale);
  return { n, min: ms(lo), max: ms(hi) };
}
