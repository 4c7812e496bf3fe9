// summarize() on the GPU: one column's count, sum, min, max, NaN flag and centred second moment, with the
// CPU kernel's Summary contract. Sums are exact (integers) or truncated only below 2^-115 max|x| per
// workgroup (float64, in 128-bit fixed point); min/max exact; the second moment float32-accurate (docs/GPU.md).

import { type Data, Type } from 'apache-arrow';
import { type Needs, type Summary, emptySummary } from '../summary.ts';
import { validityOf } from '../validity.ts';
import { type Gpu, maxBindingBytes } from './device.ts';
import { dispatch, grid, outputBuffer, pipelineFor, piecesOf, recycle, uniformWords, upload } from './buffers.ts';
import { type ColumnKind, MOMENT_SCALE, ROWS_PER_GROUP, STATS_RECORD, momentShader, statsShader } from './wgsl/column-stats.ts';
import { bigintToFloat, float64FromKey, scalePow2, signed128 } from './fixed-point.ts';

/**
 * What the statistics kernels read, in pieces under the binding limit: an uploaded column, or a fused
 * expression evaluated on the GPU (fused-expression.ts), kept for every pass of one task.
 */
export interface SummarySource {
  readonly kind: ColumnKind;
  readonly length: number;
  /** Result types follow the CPU: 64-bit integers give bigint min/max, others numbers. */
  readonly bigint: boolean;
  /** Whether the plain column has a validity bitmap. */
  readonly hasValidity?: boolean;
  readonly pieces: ReadonlyArray<{ readonly start: number; readonly count: number; bindings(records: GPUBuffer, params: GPUBuffer): GPUBuffer[] }>;
  destroy(): void;
}

type Numeric = Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

/** How a column is laid out for the kernels, and the conversion its upload needs; null = CPU only. */
export function layoutOf(data: Data): { kind: ColumnKind; as?: typeof Float64Array | typeof Int32Array | typeof Uint32Array } | null {
  const v = data.values as unknown;
  if (data.typeId === Type.Float) {
    if (v instanceof Float64Array) return { kind: 'f64' };
    if (v instanceof Float32Array) return { kind: 'f64', as: Float64Array };
    return null; // float16
  }
  if (data.typeId !== Type.Int) return null;
  if (v instanceof Int32Array) return { kind: 'i32' };
  if (v instanceof Uint32Array) return { kind: 'u32' };
  if (v instanceof Int8Array || v instanceof Int16Array) return { kind: 'i32', as: Int32Array };
  if (v instanceof Uint8Array || v instanceof Uint16Array) return { kind: 'u32', as: Uint32Array };
  if (v instanceof BigInt64Array) return { kind: 'i64' };
  if (v instanceof BigUint64Array) return { kind: 'u64' };
  return null;
}

/** Whether the GPU kernels can summarise `data` for `needs` (products and any/all stay on the CPU). */
export function gpuCanSummarize(data: Data, needs: Needs): boolean {
  return !needs.prod && !needs.anyAll && layoutOf(data) !== null;
}

export function uploadColumn(gpu: Gpu, data: Data): SummarySource {
  const layout = layoutOf(data)!;
  const words = layout.kind === 'i32' || layout.kind === 'u32' ? 1 : 2;
  const values = data.values as Numeric;
  const valid = validityOf(data);
  // The validity buffer is bound even when absent (a dummy), so one pipeline layout serves both.
  const validity = upload(gpu, valid ?? new Uint32Array(4));
  const buffers: GPUBuffer[] = [];
  const pieces = piecesOf(data.length, words * 4, maxBindingBytes(gpu), ROWS_PER_GROUP).map(([start, count]) => {
    const buffer = upload(gpu, values.subarray(start, start + count) as Numeric, layout.as);
    buffers.push(buffer);
    return { start, count, bindings: (records: GPUBuffer, params: GPUBuffer) => [buffer, validity, records, params] };
  });
  return {
    kind: layout.kind,
    length: data.length,
    bigint: layout.kind === 'i64' || layout.kind === 'u64',
    hasValidity: valid !== null,
    pieces,
    destroy() {
      for (const b of buffers) b.destroy();
      validity.destroy();
    },
  };
}

interface Params {
  n: number;
  validBase: number;
  hasValid: boolean;
  nx: number;
  meanHi?: number;
  meanLo?: number;
  top?: number;
}

function paramWords(p: Params): Uint32Array {
  const words = new Uint32Array(8);
  words[0] = p.n;
  words[1] = p.validBase;
  words[2] = p.hasValid ? 1 : 0;
  words[3] = p.nx;
  const f = new Float32Array(words.buffer, 16, 2);
  f[0] = p.meanHi ?? 0;
  f[1] = p.meanLo ?? 0;
  new Int32Array(words.buffer, 24, 1)[0] = p.top ?? 0;
  return words;
}

/** Run one kernel over every piece of a source; returns each piece's records. */
async function overPieces(gpu: Gpu, col: SummarySource, code: string, recordWords: number, extra: Omit<Params, 'n' | 'validBase' | 'hasValid' | 'nx'> = {}): Promise<Uint32Array[]> {
  const pipeline = pipelineFor(gpu, code);
  const out: Uint32Array[] = [];
  for (const piece of col.pieces) {
    if (piece.count === 0) continue;
    const groups = Math.ceil(piece.count / ROWS_PER_GROUP);
    const [nx, ny] = grid(groups);
    const bytes = nx * ny * recordWords * 4;
    const records = outputBuffer(gpu, bytes);
    const params = uniformWords(gpu, paramWords({ n: piece.count, validBase: piece.start, hasValid: col.hasValidity === true, nx, ...extra }));
    try {
      out.push(new Uint32Array(await dispatch(gpu, pipeline, piece.bindings(records, params), groups, records, groups * recordWords * 4)));
    } finally {
      recycle(gpu, records);
      params.destroy();
    }
  }
  return out;
}

const SENTINEL_TOP = -1048576;

/** The CPU Summary of an uploaded column for `needs`, computed on the GPU. */
export async function gpuSummarize(gpu: Gpu, col: SummarySource, needs: Needs): Promise<Summary> {
  const s = emptySummary(col.kind !== 'f64');
  const parts = await overPieces(gpu, col, statsShader(col.kind), STATS_RECORD);
  let n = 0;
  let flags = 0;
  let minKey: bigint | null = null;
  let maxKey: bigint | null = null;
  let top = SENTINEL_TOP;
  // Sum of every workgroup's fixed-point partial, aligned to the smallest scale seen.
  let total = 0n;
  let scale = 0;
  let first = true;
  for (const r of parts) {
    for (let o = 0; o < r.length; o += STATS_RECORD) {
      const count = r[o]!;
      if (count === 0) continue;
      n += count;
      flags |= r[o + 1]!;
      const mn = (BigInt(r[o + 3]!) << 32n) | BigInt(r[o + 2]!);
      const mx = (BigInt(r[o + 5]!) << 32n) | BigInt(r[o + 4]!);
      // All-NaN workgroups leave the sentinel keys: skip them.
      if (mn <= mx) {
        if (minKey === null || mn < minKey) minKey = mn;
        if (maxKey === null || mx > maxKey) maxKey = mx;
      }
      top = Math.max(top, r[o + 7]! | 0);
      const part = signed128(r, o + 8);
      if (part === 0n) continue;
      const sc = r[o + 6]! | 0;
      if (first) {
        total = part;
        scale = sc;
        first = false;
      } else if (sc >= scale) total += part << BigInt(sc - scale);
      else {
        total = (total << BigInt(scale - sc)) + part;
        scale = sc;
      }
    }
  }
  s.n = n;
  const nan = (flags & 1) !== 0;
  const posInf = (flags & 2) !== 0;
  const negInf = (flags & 4) !== 0;
  if (needs.sum) {
    if (col.kind === 'f64') s.sum = nan || (posInf && negInf) ? NaN : posInf ? Infinity : negInf ? -Infinity : bigintToFloat(total, scale);
    else s.isum = total;
  }
  if (needs.minmax && n > 0) {
    if (col.kind === 'f64') {
      s.min = nan ? NaN : float64FromKey(minKey!);
      s.max = nan ? NaN : float64FromKey(maxKey!);
      s.nan = nan;
    } else {
      s.min = integerFromKey(minKey!, col.kind, col.bigint);
      s.max = integerFromKey(maxKey!, col.kind, col.bigint);
    }
  }
  if (needs.moments && n > 0) {
    const sum = col.kind === 'f64' ? (nan || (posInf && negInf) ? NaN : posInf ? Infinity : negInf ? -Infinity : bigintToFloat(total, scale)) : bigintToFloat(total, 0);
    s.mean = sum / n;
    if (nan || posInf || negInf) s.m2 = NaN;
    else {
      if (col.kind !== 'f64') {
        const lo = integerFromKey(minKey!, col.kind, true) as bigint;
        const hi = integerFromKey(maxKey!, col.kind, true) as bigint;
        const mag = (lo < 0n ? -lo : lo) > (hi < 0n ? -hi : hi) ? (lo < 0n ? -lo : lo) : hi < 0n ? -hi : hi;
        top = mag === 0n ? SENTINEL_TOP : mag.toString(2).length;
      }
      s.m2 = top === SENTINEL_TOP ? 0 : await secondMoment(gpu, col, s.mean, top);
    }
  }
  return s;
}

async function secondMoment(gpu: Gpu, col: SummarySource, mean: number, top: number): Promise<number> {
  const scaled = scalePow2(mean, -top);
  const meanHi = Math.fround(scaled);
  const meanLo = Math.fround(scaled - meanHi);
  const parts = await overPieces(gpu, col, momentShader(col.kind), 4, { meanHi, meanLo, top });
  let total = 0n;
  for (const r of parts) for (let o = 0; o < r.length; o += 4) total += signed128(r, o);
  return bigintToFloat(total, MOMENT_SCALE + 2 * top);
}

function integerFromKey(key: bigint, kind: ColumnKind, bigint: boolean): number | bigint {
  const v = kind === 'i32' || kind === 'i64' ? BigInt.asIntN(64, key ^ (1n << 63n)) : key;
  return bigint ? v : Number(v);
}
