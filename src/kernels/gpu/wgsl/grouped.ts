// WGSL for per-group count / sum / min / max by dense group ids, in integer atomics only (no float rounding):
// one record of GROUP_RECORD u32 words per group, updated by every row of the group from any workgroup.

import { type ColumnKind, COMMON, WORKGROUP, loader } from './column-stats.ts';

/** Words per group record. */
export const GROUP_RECORD = 16;
/** Word offsets inside a group record. */
export const SLOT = {
  count: 0,
  /** 1 NaN, 2 +inf, 4 -inf seen. */
  flags: 1,
  /** min / max 64-bit order keys (hi word found in pass 1, lo word among the rows with that hi word in pass 2). */
  minHi: 2,
  minLo: 3,
  maxHi: 4,
  maxLo: 5,
  /** Float columns: TOP_BIAS + exponent above the group's largest finite |x| (0 = none). */
  top: 6,
  /** First row (within the partition) holding -0 and +0: the CPU's min/max keep the first zero they meet. */
  firstNegZero: 7,
  firstPosZero: 8,
  /** The sum: signed 128-bit, 4 little-endian limbs. */
  sum: 9,
} as const;
export const TOP_BIAS = 4096;
/**
 * Fixed point of a float group: units 2^(top - GROUP_FLOAT_BITS). A partition has < 2^31 rows, each below
 * 2^GROUP_FLOAT_BITS units: the total stays under 2^125, inside the signed 128-bit accumulator. Each value loses
 * less than one unit: |error| < 2^-93 max|x| per row.
 */
export const GROUP_FLOAT_BITS = 94;

/** The record every group starts from (min keys all ones, first-zero rows "none"). */
export function initialRecord(): Uint32Array {
  const r = new Uint32Array(GROUP_RECORD);
  r[SLOT.minHi] = 0xffffffff;
  r[SLOT.minLo] = 0xffffffff;
  r[SLOT.firstNegZero] = 0xffffffff;
  r[SLOT.firstPosZero] = 0xffffffff;
  return r;
}

export interface GroupedKernel {
  /** Column layout, or 'none' when only counts are needed (values are never read). */
  readonly kind: ColumnKind | 'none';
  readonly sum: boolean;
  readonly minmax: boolean;
}

/** Whether a second pass is needed: min/max low words, and float sums (which need the group's top first). */
export function needsSecondPass(k: GroupedKernel): boolean {
  return k.kind !== 'none' && (k.minmax || (k.sum && k.kind === 'f64'));
}

/**
 * The shader of pass 1 or 2. Pass 1: count, flags, min/max high words, float tops (and integer sums, which
 * need nothing from pass 1). Pass 2: min/max low words and float sums at the group's scale.
 */
export function groupedShader(k: GroupedKernel, pass: 1 | 2): string {
  const float = k.kind === 'f64';
  const S = SLOT;
  let body = '';
  if (pass === 1) body += `  atomicAdd(&acc[o + ${S.count}u], 1u);\n`;
  if (k.kind !== 'none' && (pass === 2 || k.minmax || k.sum || float)) {
    body += `  let d = load(i);\n`;
    if (float) {
      body += `  if (d.cls == 1u) {\n${pass === 1 ? `    atomicOr(&acc[o + ${S.flags}u], 1u);\n` : ''}    return;\n  }\n`;
      if (pass === 1) body += `  if (d.cls == 2u) { atomicOr(&acc[o + ${S.flags}u], 2u); } else if (d.cls == 3u) { atomicOr(&acc[o + ${S.flags}u], 4u); }\n`;
    }
    if (k.minmax) {
      // -0 and +0 share one key (the CPU's comparisons treat them as equal); which one it is comes from the
      // first row of each (recorded in pass 1).
      body += `  var key = d.key;\n`;
      if (float) {
        body += `  let zero = d.cls == 0u && (d.m.x | d.m.y) == 0u;\n  if (zero) { key = vec2<u32>(0u, 0x80000000u); }\n`;
        if (pass === 1) body += `  if (zero) { atomicMin(&acc[o + select(${S.firstPosZero}u, ${S.firstNegZero}u, d.neg)], p.rowBase + i); }\n`;
      }
      if (pass === 1) body += `  atomicMin(&acc[o + ${S.minHi}u], key.y);\n  atomicMax(&acc[o + ${S.maxHi}u], key.y);\n`;
      else
        body += `  if (key.y == atomicLoad(&acc[o + ${S.minHi}u])) { atomicMin(&acc[o + ${S.minLo}u], key.x); }
  if (key.y == atomicLoad(&acc[o + ${S.maxHi}u])) { atomicMax(&acc[o + ${S.maxLo}u], key.x); }\n`;
    }
    if (k.sum && float) {
      if (pass === 1) body += `  if (d.cls == 0u && (d.m.x | d.m.y) != 0u) { atomicMax(&acc[o + ${S.top}u], u32(d.e2 + 53 + ${TOP_BIAS})); }\n`;
      else
        body += `  if (d.cls == 0u && (d.m.x | d.m.y) != 0u) {
    let scale = i32(atomicLoad(&acc[o + ${S.top}u])) - ${TOP_BIAS} - ${GROUP_FLOAT_BITS};
    atomicAdd128(o + ${S.sum}u, fixedOf(d, scale));
  }\n`;
    }
    if (k.sum && !float && pass === 1) body += `  atomicAdd128(o + ${S.sum}u, fixedOf(d, 0));\n`;
  }
  const values = k.kind === 'none' ? '' : loader(k.kind);
  return /* wgsl */ `${COMMON}
struct Params { n: u32, validBase: u32, hasValid: u32, nx: u32, rowBase: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<storage, read> vals: array<u32>;
@group(0) @binding(1) var<storage, read> valid: array<u32>;
@group(0) @binding(2) var<storage, read> gids: array<i32>;
@group(0) @binding(3) var<storage, read_write> acc: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> p: Params;

fn isValid(i: u32) -> bool {
  if (p.hasValid == 0u) { return true; }
  let j = p.validBase + i;
  return ((valid[j >> 5u] >> (j & 31u)) & 1u) == 1u;
}
${values}
// Adds a signed 128-bit value limb by limb; every carry is added to the next limb, so the total is exact
// whatever the order of the rows.
fn atomicAdd128(o: u32, v: vec4<u32>) {
  var w = v;
  var carry = 0u;
  for (var k = 0u; k < 4u; k++) {
    let a = w[k];
    let t = a + carry;
    var c = select(0u, 1u, t < a);
    if (t != 0u) {
      let old = atomicAdd(&acc[o + k], t);
      c = c | select(0u, 1u, old + t < old);
    }
    carry = c;
  }
}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&vals); // keeps the binding in the layout when only counts are computed
  let i = (wid.x + wid.y * p.nx) * ${WORKGROUP}u + lid;
  if (i >= p.n) { return; }
  let g = gids[i];
  if (g < 0 || !isValid(i)) { return; }
  let o = u32(g) * ${GROUP_RECORD}u;
${body}}
`;
}
