// groupby.chunk on the GPU: group ids are assigned on the CPU (dictionary codes remapped, as the CPU kernel
// does), then per value column count / sum / min / max per group in integer atomics, with the CPU's ColumnState.

import { type Data, type RecordBatch, Type } from 'apache-arrow';
import { type ColumnNeeds, type ColumnState, type GroupAggSpec, type GroupPartial, columnChunk, columnIndex, groupChunk, needsByColumn } from '../groupby/aggregate.ts';
import { groupRows } from '../groupby/group-ids.ts';
import { validityOf } from '../validity.ts';
import { type Gpu, maxBindingBytes } from './device.ts';
import { dispatch, grid, pipelineFor, piecesOf, uniformWords, upload } from './buffers.ts';
import { layoutOf } from './column-summary.ts';
import { type ColumnKind, WORKGROUP } from './wgsl/column-stats.ts';
import { GROUP_FLOAT_BITS, GROUP_RECORD, type GroupedKernel, SLOT, TOP_BIAS, groupedShader, initialRecord, needsSecondPass } from './wgsl/grouped.ts';
import { bigintToFloat, float64FromKey } from './fixed-point.ts';

const ON_GPU = ['sum', 'mean', 'count', 'min', 'max'];

/**
 * Why a grouped chunk cannot use the GPU (null: it can). Columns whose aggregations are all sum, mean, count,
 * min or max run there; the others (var, std, first, last, nunique, median) run the CPU kernel in the same task.
 */
export function groupedGpuRefusal(specs: readonly GroupAggSpec[]): string | null {
  if (specs.some((s) => s.fn === 'custom')) return 'custom aggregations run on the CPU';
  if (!specs.some((s) => ON_GPU.includes(s.fn))) return `no sum, mean, count, min or max (${[...new Set(specs.map((s) => s.fn))].join(', ')} have no GPU kernel)`;
  return null;
}

/** What the GPU computes for one column, or null when the column stays on the CPU kernel. */
function kernelFor(data: Data, needs: ColumnNeeds): GroupedKernel | null {
  if (needs.moments || needs.first || needs.last || needs.distinct || needs.values) return null;
  const sum = needs.sum === true;
  const minmax = needs.minmax === true;
  if (!sum && !minmax) return { kind: 'none', sum, minmax }; // count only: any type, values never read
  const layout = layoutOf(data);
  return layout ? { kind: layout.kind, sum, minmax } : null;
}

/** Accumulator records the binding limit allows (a partition with more groups runs on the CPU). */
export function maxGpuGroups(gpu: Gpu): number {
  return Math.floor(maxBindingBytes(gpu) / (GROUP_RECORD * 4));
}

/** The GPU twin of groupChunk (same arguments, same partial); columns without a GPU kernel use the CPU's. */
export async function gpuGroupChunk(gpu: Gpu, batch: RecordBatch, keyNames: readonly string[], specs: readonly GroupAggSpec[], dropna: boolean): Promise<GroupPartial> {
  if (groupedGpuRefusal(specs)) return groupChunk(batch, keyNames, specs, dropna);
  const keyData = keyNames.map((k) => batch.data.children[columnIndex(batch, k)]!);
  const { ids, ngroups, keys } = groupRows(keyData, dropna);
  const n = batch.numRows;
  const size = new Array<number>(ngroups).fill(0);
  for (let i = 0; i < n; i++) if (ids[i]! >= 0) size[ids[i]!]! += 1;
  const columns = new Map<string, ColumnState>();
  const work = [...needsByColumn(specs)].map(([name, needs]) => ({ name, needs, data: batch.data.children[columnIndex(batch, name)]! }));
  const onGpu = work.filter((w) => ngroups > 0 && ngroups <= maxGpuGroups(gpu) && kernelFor(w.data, w.needs) !== null);
  // Row ranges under the binding limit (8 bytes a row for every column, so all columns share the id pieces).
  const pieces = piecesOf(n, 8, maxBindingBytes(gpu), WORKGROUP);
  const idBuffers: GPUBuffer[] = [];
  try {
    if (onGpu.length > 0) for (const [start, count] of pieces) idBuffers.push(upload(gpu, ids.subarray(start, start + count)));
    for (const w of work) {
      const k = onGpu.includes(w) ? kernelFor(w.data, w.needs)! : null;
      columns.set(w.name, k ? await groupedColumn(gpu, w.data, k, w.needs, ngroups, pieces, idBuffers) : columnChunk(w.data, ids, ngroups, w.needs));
    }
  } finally {
    for (const b of idBuffers) b.destroy();
  }
  return { keys, ngroups, size, columns };
}

type Numeric = Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

async function groupedColumn(gpu: Gpu, data: Data, k: GroupedKernel, needs: ColumnNeeds, ngroups: number, pieces: Array<[number, number]>, idBuffers: GPUBuffer[]): Promise<ColumnState> {
  const layout = k.kind === 'none' ? null : layoutOf(data)!;
  const valid = validityOf(data);
  const init = new Uint32Array(ngroups * GROUP_RECORD);
  const rec = initialRecord();
  for (let g = 0; g < ngroups; g++) init.set(rec, g * GROUP_RECORD);
  const acc = upload(gpu, init);
  const validity = upload(gpu, valid ?? new Uint32Array(4));
  const dummy = layout ? null : upload(gpu, new Uint32Array(4));
  const valueBuffers: GPUBuffer[] = [];
  try {
    if (layout) for (const [start, count] of pieces) valueBuffers.push(upload(gpu, (data.values as Numeric).subarray(start, start + count) as Numeric, layout.as));
    const passes: Array<1 | 2> = needsSecondPass(k) ? [1, 2] : [1];
    let words: Uint32Array | null = null;
    for (const pass of passes) {
      const pipeline = pipelineFor(gpu, groupedShader(k, pass));
      for (let j = 0; j < pieces.length; j++) {
        const [start, count] = pieces[j]!;
        if (count === 0) continue;
        const groups = Math.ceil(count / WORKGROUP);
        const [nx] = grid(groups);
        const params = uniformWords(gpu, [count, start, valid ? 1 : 0, nx, start, 0, 0, 0]);
        const last = pass === passes[passes.length - 1] && j === pieces.length - 1;
        // Only the last kernel's read-back matters; the earlier ones read back one word.
        const out = await dispatch(gpu, pipeline, [valueBuffers[j] ?? dummy!, validity, idBuffers[j]!, acc, params], groups, acc, last ? init.byteLength : 4);
        params.destroy();
        if (last) words = new Uint32Array(out);
      }
    }
    return columnState(data, k, needs, ngroups, words ?? init);
  } finally {
    acc.destroy();
    validity.destroy();
    dummy?.destroy();
    for (const b of valueBuffers) b.destroy();
  }
}

const ZERO_KEY = 1n << 63n;

/** The CPU kernel's ColumnState from the group records. */
function columnState(data: Data, k: GroupedKernel, needs: ColumnNeeds, ngroups: number, w: Uint32Array): ColumnState {
  const numeric = data.typeId === Type.Int || data.typeId === Type.Float || data.typeId === Type.Bool;
  const integral = data.typeId === Type.Int;
  const cnt = new Float64Array(ngroups);
  for (let g = 0; g < ngroups; g++) cnt[g] = w[g * GROUP_RECORD + SLOT.count]!;
  const st: ColumnState = { numeric, n: cnt };
  const kind = k.kind as ColumnKind;
  if (k.sum && integral) {
    st.isum = new Array<bigint>(ngroups);
    for (let g = 0; g < ngroups; g++) st.isum[g] = limbs(w, g * GROUP_RECORD + SLOT.sum);
    if (!k.minmax) return st;
  }
  if (k.sum && !integral) {
    const sum = (st.sum = new Float64Array(ngroups));
    for (let g = 0; g < ngroups; g++) {
      const o = g * GROUP_RECORD;
      const flags = w[o + SLOT.flags]!;
      const nan = (flags & 1) !== 0;
      const pos = (flags & 2) !== 0;
      const neg = (flags & 4) !== 0;
      if (nan || (pos && neg)) sum[g] = NaN;
      else if (pos) sum[g] = Infinity;
      else if (neg) sum[g] = -Infinity;
      else {
        const top = w[o + SLOT.top]!;
        sum[g] = top === 0 ? 0 : bigintToFloat(limbs(w, o + SLOT.sum), top - TOP_BIAS - GROUP_FLOAT_BITS);
      }
    }
  }
  if (!k.minmax) return st;
  const bigs = data.values instanceof BigInt64Array || data.values instanceof BigUint64Array;
  if (bigs) {
    st.imin = new Array<bigint | null>(ngroups).fill(null);
    st.imax = new Array<bigint | null>(ngroups).fill(null);
  } else {
    st.min = new Float64Array(ngroups).fill(Infinity);
    st.max = new Float64Array(ngroups).fill(-Infinity);
  }
  for (let g = 0; g < ngroups; g++) {
    const o = g * GROUP_RECORD;
    if (cnt[g] === 0) continue;
    if (kind === 'f64') {
      // NaN is a value that wins min and max, as in the CPU kernel; an all-NaN group has no keys.
      if ((w[o + SLOT.flags]! & 1) !== 0) {
        st.min![g] = NaN;
        st.max![g] = NaN;
        continue;
      }
      const firstZero = w[o + SLOT.firstNegZero]! < w[o + SLOT.firstPosZero]! ? -0 : 0;
      const mn = key(w, o + SLOT.minHi);
      const mx = key(w, o + SLOT.maxHi);
      st.min![g] = mn === ZERO_KEY ? firstZero : float64FromKey(mn);
      st.max![g] = mx === ZERO_KEY ? firstZero : float64FromKey(mx);
      continue;
    }
    const mn = integerOfKey(key(w, o + SLOT.minHi), kind);
    const mx = integerOfKey(key(w, o + SLOT.maxHi), kind);
    if (bigs) {
      st.imin![g] = mn;
      st.imax![g] = mx;
    } else {
      st.min![g] = Number(mn);
      st.max![g] = Number(mx);
    }
  }
  return st;
}

/** The 64-bit key whose hi word is at o and lo word at o + 1. */
function key(w: Uint32Array, o: number): bigint {
  return (BigInt(w[o]!) << 32n) | BigInt(w[o + 1]!);
}

function integerOfKey(k: bigint, kind: ColumnKind): bigint {
  return kind === 'i32' || kind === 'i64' ? BigInt.asIntN(64, k ^ (1n << 63n)) : k;
}

/** The signed 128-bit integer in w[o..o+3] (little-endian limbs). */
function limbs(w: Uint32Array, o: number): bigint {
  const v = BigInt(w[o]!) | (BigInt(w[o + 1]!) << 32n) | (BigInt(w[o + 2]!) << 64n) | (BigInt(w[o + 3]!) << 96n);
  return BigInt.asIntN(128, v);
}
