// The GPU kernel of 'array.reduce-partial': sum, mean, min, max (and their nan- forms) of a float32, int32,
// uint8 or bool chunk along any axes, as the same Partial the CPU kernel makes, so the tree combine is unchanged.

import { forEachIndex, isContiguous, sizeOf, type Strided } from '../array/strided.ts';
import type { DType } from '../array/dtypes.ts';
import type { Partial, ReductionName } from '../array/reduce.ts';
import { type Gpu, maxBindingBytes } from './device.ts';
import { dispatch, outputBuffer, pipelineFor, recycle, upload } from './buffers.ts';
import { bigintToFloat } from './fixed-point.ts';

type Chunk = Strided & { readonly dtype: DType };
type Kind = 'fsum' | 'isum' | 'fext' | 'iext';

const GPU_REDUCTIONS = new Set<ReductionName>(['sum', 'nansum', 'mean', 'nanmean', 'min', 'max', 'nanmin', 'nanmax']);
/** Words each thread writes: float sums 10 + 10 limbs, count, flags; integer sums lo, hi; extremes value, count, NaN flag. */
const WORDS: Record<Kind, number> = { fsum: 24, isum: 2, fext: 4, iext: 2 };
const LIMBS = 10;
/** A float32 x = m 2^(p - 149) for an integer m < 2^24 and p = biased exponent - 1 (0 for subnormals). */
const SCALE = -149;
const MAX_THREADS = 16384;
const MIN_SEGMENT = 2048;

/** Why the GPU cannot reduce this chunk (null when it can). */
export function reduceUnsupported(gpu: Gpu | null, name: ReductionName, x: Chunk, axes: readonly number[]): string | null {
  if (!GPU_REDUCTIONS.has(name)) return `${name} has no GPU kernel`;
  if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'uint8' && x.dtype !== 'bool') return `${x.dtype} chunks reduce on the CPU (WGSL has no 64-bit types)`;
  if (axes.length === 0) return 'no axes to reduce';
  if (sizeOf(x.shape) === 0) return 'an empty chunk';
  if (gpu && sizeOf(x.shape) * 4 > maxBindingBytes(gpu)) return 'a chunk larger than the GPU binding limit';
  return null;
}

function kindOf(name: ReductionName, dtype: DType): Kind {
  const float = dtype === 'float32';
  if (name.endsWith('sum') || name.endsWith('mean')) return float ? 'fsum' : 'isum';
  return float ? 'fext' : 'iext';
}

function shader(kind: Kind, ty: 'f32' | 'i32' | 'u32', skipNaN: boolean, isMin: boolean): string {
  const w = WORDS[kind];
  let state: string, body: string, write: string, helpers = '';
  if (kind === 'fsum') {
    helpers = `
fn addAt(acc: ptr<function, array<u32, ${LIMBS}>>, k: u32, lo: u32, hi: u32) {
  let a0 = (*acc)[k];
  let s0 = a0 + lo;
  (*acc)[k] = s0;
  let a1 = (*acc)[k + 1u];
  let s1 = a1 + hi;
  let s2 = s1 + select(0u, 1u, s0 < a0);
  (*acc)[k + 1u] = s2;
  var c = select(0u, 1u, s1 < a1) + select(0u, 1u, s2 < s1);
  var j = k + 2u;
  loop {
    if (c == 0u || j >= ${LIMBS}u) { break; }
    let a = (*acc)[j];
    let s = a + c;
    c = select(0u, 1u, s < a);
    (*acc)[j] = s;
    j++;
  }
}`;
    // finite values added exactly into two fixed-point accumulators (positive, negative); NaN and infinities as flags
    state = `var pos: array<u32, ${LIMBS}>;\n  var neg: array<u32, ${LIMBS}>;\n  var cnt = 0u;\n  var flags = 0u;`;
    body = `
    let b = bitcast<u32>(xs[at]);
    let e = (b >> 23u) & 0xffu;
    let mag = b & 0x7fffffffu;
    if (mag > 0x7f800000u) {
      flags |= 1u;
      ${skipNaN ? '' : 'cnt++;'}
    } else if (e == 255u) {
      flags |= select(2u, 4u, (b >> 31u) != 0u);
      cnt++;
    } else {
      cnt++;
      if (mag != 0u) {
        var m = b & 0x7fffffu;
        var p = 0u;
        if (e != 0u) { m |= 0x800000u; p = e - 1u; }
        let k = p >> 5u;
        let off = p & 31u;
        let lo = m << off;
        let hi = select(0u, m >> (32u - off), off > 0u);
        if ((b >> 31u) != 0u) { addAt(&neg, k, lo, hi); } else { addAt(&pos, k, lo, hi); }
      }
    }`;
    write = `for (var j = 0u; j < ${LIMBS}u; j++) { outw[base + j] = pos[j]; outw[base + ${LIMBS}u + j] = neg[j]; }
  outw[base + ${2 * LIMBS}u] = cnt;
  outw[base + ${2 * LIMBS + 1}u] = flags;`;
  } else if (kind === 'isum') {
    state = 'var lo = 0u;\n  var hi = 0u;';
    body = `
    let v = ${ty === 'u32' ? 'xs[at]' : 'bitcast<u32>(xs[at])'};
    let s = lo + v;
    hi = hi + select(0u, 1u, s < lo)${ty === 'i32' ? ' + select(0u, 0xffffffffu, (v >> 31u) != 0u)' : ''};
    lo = s;`;
    write = 'outw[base] = lo;\n  outw[base + 1u] = hi;';
  } else if (kind === 'fext') {
    // compared as order keys (integers: exact for subnormals, both zeros equal, so the first one is kept as on the CPU)
    state = 'var best = 0u;\n  var bestKey = 0u;\n  var cnt = 0u;\n  var nan = 0u;';
    body = `
    let b = bitcast<u32>(xs[at]);
    let mag = b & 0x7fffffffu;
    if (mag > 0x7f800000u) {
      nan = 1u;
    } else {
      let key = select(select(b | 0x80000000u, ~b, (b >> 31u) != 0u), 0x80000000u, mag == 0u);
      if (cnt == 0u || key ${isMin ? '<' : '>'} bestKey) { best = b; bestKey = key; }
      cnt++;
    }`;
    write = 'outw[base] = best;\n  outw[base + 1u] = cnt;\n  outw[base + 2u] = nan;';
  } else {
    state = `var best = ${ty}(0);\n  var cnt = 0u;`;
    body = `
    let v = xs[at];
    if (cnt == 0u || v ${isMin ? '<' : '>'} best) { best = v; }
    cnt++;`;
    write = `outw[base] = ${ty === 'u32' ? 'best' : 'bitcast<u32>(best)'};\n  outw[base + 1u] = cnt;`;
  }
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> xs: array<${ty}>;
@group(0) @binding(1) var<storage, read_write> outw: array<u32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;
${helpers}
// thread t reduces segment seg of cell (o, i): elements (o, r, i) for r in [seg L, (seg + 1) L) of an O x R x I layout
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid.x;
  if (t >= prm[4]) { return; }
  let nO = prm[0];
  let nR = prm[1];
  let nI = prm[2];
  let segLen = prm[3];
  let i = t % nI;
  let rest = t / nI;
  let o = rest % nO;
  let seg = rest / nO;
  let r0 = seg * segLen;
  let r1 = min(nR, r0 + segLen);
  ${state}
  var at = (o * nR + r0) * nI + i;
  for (var r = r0; r < r1; r++) {${body}
    at += nI;
  }
  let base = t * ${w}u;
  ${write}
}
`;
}

interface Layout {
  /** The data as the O x R x I layout the shader reads (a subarray, or a packed copy). */
  readonly src: Float32Array | Int32Array | Uint8Array;
  readonly O: number;
  readonly R: number;
  readonly I: number;
}

/**
 * A contiguous chunk reduced over a run of adjacent axes is read in place (O before, R reduced, I after);
 * anything else is packed as (kept axes in C order) x (reduced axes in C order), so R is the inner run.
 */
function layoutOf(x: Chunk, axes: readonly number[]): Layout {
  const nd = x.shape.length;
  const n = sizeOf(x.shape);
  const data = x.data as Float32Array | Int32Array | Uint8Array;
  const first = axes[0]!, last = axes[axes.length - 1]!;
  if (isContiguous(x) && last - first + 1 === axes.length) {
    const prod = (a: number, b: number) => x.shape.slice(a, b).reduce((p, d) => p * d, 1);
    return { src: data.subarray(x.offset, x.offset + n), O: prod(0, first), R: prod(first, last + 1), I: prod(last + 1, nd) };
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...kept, ...axes];
  const packed = new (data.constructor as Float32ArrayConstructor)(n) as typeof data;
  forEachIndex(order.map((i) => x.shape[i]!), order.map((i) => x.stride[i]!), x.offset, (flat, at) => {
    packed[flat] = data[at]!;
  });
  const R = axes.reduce((p, a) => p * x.shape[a]!, 1);
  return { src: packed, O: n / R, R, I: 1 };
}

/** The CPU kernel's partial of reducing `x` over `axes` (sorted, distinct), computed on the GPU. */
export async function gpuReducePartial(gpu: Gpu, name: ReductionName, x: Chunk, axes: readonly number[]): Promise<Partial> {
  const { src, O, R, I } = layoutOf(x, axes);
  const cells = O * I;
  const kind = kindOf(name, x.dtype);
  const skipNaN = name.startsWith('nan');
  const isMin = name === 'min' || name === 'nanmin';
  const segments = Math.max(1, Math.min(Math.ceil(R / MIN_SEGMENT), Math.floor(MAX_THREADS / cells)));
  const segLen = Math.ceil(R / segments);
  const S = Math.ceil(R / segLen);
  const threads = S * cells;
  const outBytes = threads * WORDS[kind] * 4;
  if (outBytes > maxBindingBytes(gpu)) throw new Error(`the reduction's ${threads} partial states exceed the GPU binding limit`);
  const ty = x.dtype === 'float32' ? 'f32' : x.dtype === 'int32' ? 'i32' : 'u32';
  const input = src instanceof Uint8Array ? upload(gpu, src, Uint32Array) : upload(gpu, src);
  const prm = upload(gpu, Uint32Array.from([O, R, I, segLen, threads]));
  const out = outputBuffer(gpu, outBytes);
  let words: Uint32Array;
  try {
    words = new Uint32Array(await dispatch(gpu, pipelineFor(gpu, shader(kind, ty, skipNaN, isMin)), [input, out, prm], Math.ceil(threads / 64), out, outBytes));
  } finally {
    input.destroy();
    prm.destroy();
    recycle(gpu, out);
  }
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const base = { name, shape, inputDType: x.dtype };
  // thread of segment s and cell c: (s * O + o) * I + i = s * cells + c
  const thread = (s: number, c: number) => (s * cells + c) * WORDS[kind];
  const first = (c: number) => Math.floor(c / I) * R * I + (c % I); // the cell's first element in src
  if (kind === 'fext' || kind === 'iext') {
    const values = new Float64Array(cells), count = new Float64Array(cells), seen = new Float64Array(cells).fill(R);
    const f32 = new Float32Array(words.buffer);
    const i32 = new Int32Array(words.buffer);
    for (let c = 0; c < cells; c++) {
      let best = 0, taken = 0, nan = false;
      for (let s = 0; s < S; s++) {
        const w = thread(s, c);
        const n = words[w + 1]!;
        if (kind === 'fext' && words[w + 2]) nan = true;
        if (n === 0) continue;
        const v = kind === 'fext' ? f32[w]! : ty === 'i32' ? i32[w]! : words[w]!;
        if (taken === 0 || (isMin ? v < best : v > best)) best = v;
        taken += n;
      }
      if (nan && !skipNaN) {
        values[c] = NaN;
        count[c] = R;
      } else {
        values[c] = best;
        count[c] = taken;
      }
    }
    return { ...base, values, count, seen };
  }
  if (kind === 'isum') {
    const sums = new BigInt64Array(cells);
    for (let c = 0; c < cells; c++) {
      // exact: numbers while below 2^52 (a thread's segment is at most 2^15 values of at most 2^31), carried into a BigInt
      let acc = 0, big = 0n;
      for (let s = 0; s < S; s++) {
        const w = thread(s, c);
        acc += (words[w + 1]! | 0) * 4294967296 + words[w]!;
        if (Math.abs(acc) >= 2 ** 52) {
          big += BigInt(acc);
          acc = 0;
        }
      }
      sums[c] = big + BigInt(acc);
    }
    if (name.endsWith('sum')) return { ...base, big: sums };
    // mean as the CPU keeps it: shifted by the cell's first value, sum of (v - shift) exact for integers
    const count = new Float64Array(cells).fill(R), values = new Float64Array(cells), shift = new Float64Array(cells);
    for (let c = 0; c < cells; c++) {
      shift[c] = Number(src[first(c)]!);
      values[c] = Number(sums[c]! - BigInt(shift[c]!) * BigInt(R)) / R;
    }
    return { ...base, count, values, m2: new Float64Array(cells), shift };
  }
  // float sums: each cell's limbs added as numbers (below 2^49), then one BigInt, rounded once to float64
  const sums = new Float64Array(cells);
  const counts = new Float64Array(cells);
  const limbs = new Float64Array(LIMBS);
  for (let c = 0; c < cells; c++) {
    limbs.fill(0);
    let flags = 0, cnt = 0;
    for (let s = 0; s < S; s++) {
      const w = thread(s, c);
      for (let j = 0; j < LIMBS; j++) limbs[j] += words[w + j]! - words[w + LIMBS + j]!;
      cnt += words[w + 2 * LIMBS]!;
      flags |= words[w + 2 * LIMBS + 1]!;
    }
    counts[c] = cnt;
    if (((flags & 1) !== 0 && !skipNaN) || (flags & 6) === 6) sums[c] = NaN;
    else if (flags & 2) sums[c] = Infinity;
    else if (flags & 4) sums[c] = -Infinity;
    else {
      let total = 0n;
      for (let j = LIMBS - 1; j >= 0; j--) total = (total << 32n) + BigInt(limbs[j]!);
      sums[c] = bigintToFloat(total, SCALE);
    }
  }
  if (name.endsWith('sum')) return { ...base, values: sums };
  const m2 = new Float64Array(cells), shift = new Float64Array(cells);
  const values = new Float64Array(cells);
  for (let c = 0; c < cells; c++) {
    // the mean itself, correctly rounded sum over the count (the CPU keeps it relative to a shift: 0 here)
    values[c] = counts[c] === 0 ? 0 : sums[c]! / counts[c]!;
  }
  return { ...base, count: counts, values, m2, shift };
}

