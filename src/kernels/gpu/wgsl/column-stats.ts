// WGSL for one column's statistics in integer arithmetic only, so the answers do not depend on the driver's
// float optimisations: count, NaN/infinity flags, exact min/max (64-bit order keys), and sums in 128-bit
// fixed point per workgroup (float64 decoded from its bits; integers exact), plus the centred second moment.

/** Element layouts the kernels read: raw float64 bits, or 32/64-bit integers (narrower ones widened on upload). */
export type ColumnKind = 'f64' | 'i32' | 'u32' | 'i64' | 'u64';

export const WORKGROUP = 256;
/** Elements per invocation: a workgroup covers WORKGROUP * PER_THREAD = 2^11 rows, so its sum has 11 bits of headroom. */
export const PER_THREAD = 8;
export const ROWS_PER_GROUP = WORKGROUP * PER_THREAD;
/** Words per workgroup record of the stats kernel. */
export const STATS_RECORD = 12;
/**
 * Fixed-point scale of a float workgroup: S = top - 115, where every |x| < 2^top. 2^11 values below 2^top sum
 * below 2^(S + 126): within a signed 128-bit integer. Bits under 2^S are truncated (at most 2^-115 max|x| each).
 */
export const FLOAT_SCALE_BELOW_TOP = 115;
/** The moment kernel's fixed point: squares of scaled deviations (< 4) accumulate at 2^-113. */
export const MOMENT_SCALE = -113;

/** 128-bit limb arithmetic and 64-bit shifts shared by the kernels. */
export const COMMON = /* wgsl */ `
const WG: u32 = ${WORKGROUP}u;
const K: u32 = ${PER_THREAD}u;

fn addc(a: u32, b: u32, c: u32) -> vec2<u32> {
  let t = a + b;
  let u = t + c;
  return vec2<u32>(u, select(0u, 1u, t < a) | select(0u, 1u, u < t));
}

fn add128(a: vec4<u32>, b: vec4<u32>) -> vec4<u32> {
  let x = addc(a.x, b.x, 0u);
  let y = addc(a.y, b.y, x.y);
  let z = addc(a.z, b.z, y.y);
  let w = addc(a.w, b.w, z.y);
  return vec4<u32>(x.x, y.x, z.x, w.x);
}

fn neg128(a: vec4<u32>) -> vec4<u32> {
  return add128(~a, vec4<u32>(1u, 0u, 0u, 0u));
}

// (lo, hi) shifted left by s (0..127) into 128 bits.
fn shl128(m: vec2<u32>, s: u32) -> vec4<u32> {
  let w = s >> 5u;
  let b = s & 31u;
  let cl = select(0u, m.x >> ((32u - b) & 31u), b != 0u);
  let ch = select(0u, m.y >> ((32u - b) & 31u), b != 0u);
  let t0 = m.x << b;
  let t1 = (m.y << b) | cl;
  let t2 = ch;
  var r = vec4<u32>(0u);
  if (w == 0u) { r = vec4<u32>(t0, t1, t2, 0u); }
  else if (w == 1u) { r = vec4<u32>(0u, t0, t1, t2); }
  else if (w == 2u) { r = vec4<u32>(0u, 0u, t0, t1); }
  else if (w == 3u) { r = vec4<u32>(0u, 0u, 0u, t0); }
  return r;
}

// (lo, hi) shifted right by s >= 0, truncating.
fn shr64(m: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return m; }
  if (s >= 64u) { return vec2<u32>(0u, 0u); }
  if (s >= 32u) { return vec2<u32>(m.y >> (s - 32u), 0u); }
  return vec2<u32>((m.x >> s) | (m.y << (32u - s)), m.y >> s);
}

// mantissa * 2^sh as a 128-bit magnitude (sh may be negative: truncated toward zero).
fn placed(m: vec2<u32>, sh: i32) -> vec4<u32> {
  if (sh >= 0) { return shl128(m, u32(sh)); }
  let r = shr64(m, u32(-sh));
  return vec4<u32>(r.x, r.y, 0u, 0u);
}

// Index of the highest set bit of a nonzero 64-bit value.
fn topBit(m: vec2<u32>) -> i32 {
  if (m.y != 0u) { return 63 - i32(countLeadingZeros(m.y)); }
  return 31 - i32(countLeadingZeros(m.x));
}
`;

/** `load(i)`: element i of `vals` decoded as an Elem (order key, mantissa, exponent, sign, class), and `fixedOf`. */
export function loader(kind: ColumnKind): string {
  const words = kind === 'i32' || kind === 'u32' ? 1 : 2;
  const raw = words === 1 ? 'vec2<u32>(vals[i], 0u)' : 'vec2<u32>(vals[2u * i], vals[2u * i + 1u])';
  // An element as: raw words, its 64-bit order key (unsigned compare = numeric order), and for the sums a
  // magnitude mantissa, exponent of its last bit, sign, and class (0 finite, 1 NaN, 2 +inf, 3 -inf).
  let decode: string;
  switch (kind) {
    case 'f64':
      decode = `
  let e = (r.y >> 20u) & 0x7ffu;
  var d: Elem;
  d.neg = (r.y >> 31u) == 1u;
  d.key = select(vec2<u32>(r.x, r.y | 0x80000000u), ~r, d.neg);
  d.cls = 0u;
  if (e == 0x7ffu) {
    if ((r.y & 0xfffffu) != 0u || r.x != 0u) { d.cls = 1u; } else { d.cls = select(2u, 3u, d.neg); }
  }
  d.m = vec2<u32>(r.x, (r.y & 0xfffffu) | select(0u, 0x100000u, e != 0u));
  d.e2 = i32(max(e, 1u)) - 1075;`;
      break;
    case 'i32':
    case 'i64': {
      const hi = kind === 'i32' ? 'select(0u, 0xffffffffu, (r.x >> 31u) == 1u)' : 'r.y';
      decode = `
  let h = ${hi};
  let v = vec2<u32>(r.x, h);
  var d: Elem;
  d.neg = (h >> 31u) == 1u;
  d.key = vec2<u32>(v.x, v.y ^ 0x80000000u);
  d.cls = 0u;
  let mag = select(v, add128(~vec4<u32>(v, 0u, 0u), vec4<u32>(1u, 0u, 0u, 0u)).xy, d.neg);
  d.m = mag;
  d.e2 = 0;`;
      break;
    }
    case 'u32':
    case 'u64':
      decode = `
  var d: Elem;
  d.neg = false;
  d.key = r;
  d.cls = 0u;
  d.m = r;
  d.e2 = 0;`;
      break;
  }
  return /* wgsl */ `
struct Elem { key: vec2<u32>, m: vec2<u32>, e2: i32, neg: bool, cls: u32 }
fn load(i: u32) -> Elem {
  let r = ${raw};${decode}
  return d;
}
// The element's exact value as a signed 128-bit integer in units of 2^s (integers: s = 0, no truncation).
fn fixedOf(d: Elem, s: i32) -> vec4<u32> {
  let v = placed(d.m, d.e2 - s);
  return select(v, neg128(v), d.neg);
}
`;
}

const BINDINGS = /* wgsl */ `
struct Params { n: u32, validBase: u32, hasValid: u32, nx: u32, meanHi: f32, meanLo: f32, top: i32, pad: u32 }
@group(0) @binding(0) var<storage, read> vals: array<u32>;
@group(0) @binding(1) var<storage, read> valid: array<u32>;
@group(0) @binding(2) var<storage, read_write> outp: array<u32>;
@group(0) @binding(3) var<uniform> p: Params;

fn isValid(i: u32) -> bool {
  if (p.hasValid == 0u) { return true; }
  let j = p.validBase + i;
  return ((valid[j >> 5u] >> (j & 31u)) & 1u) == 1u;
}
`;

/**
 * Statistics kernel. Record per workgroup: [count, flags (1 NaN, 2 +inf, 4 -inf), minKey lo/hi, maxKey lo/hi,
 * scale S (i32), top (i32, -2^20 when no finite nonzero value), sum as 4 little-endian limbs (two's complement)].
 */
export function statsShader(kind: ColumnKind): string {
  const float = kind === 'f64';
  return /* wgsl */ `${COMMON}${BINDINGS}${loader(kind)}
var<workgroup> sTop: array<i32, ${WORKGROUP}>;
var<workgroup> sAcc: array<vec4<u32>, ${WORKGROUP}>;
var<workgroup> sCount: array<u32, ${WORKGROUP}>;
var<workgroup> sFlags: array<u32, ${WORKGROUP}>;
var<workgroup> sMin: array<vec2<u32>, ${WORKGROUP}>;
var<workgroup> sMax: array<vec2<u32>, ${WORKGROUP}>;

fn less(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.y < b.y || (a.y == b.y && a.x < b.x);
}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * p.nx;
  let base = wg * WG * K;
  var count = 0u;
  var flags = 0u;
  var mn = vec2<u32>(0xffffffffu, 0xffffffffu);
  var mx = vec2<u32>(0u, 0u);
  var top = -1048576;
  for (var j = 0u; j < K; j++) {
    let i = base + j * WG + lid;
    if (i < p.n && isValid(i)) {
      let d = load(i);
      count += 1u;
      if (d.cls == 1u) {
        flags |= 1u;
      } else {
        if (less(d.key, mn)) { mn = d.key; }
        if (less(mx, d.key)) { mx = d.key; }
        if (d.cls == 2u) { flags |= 2u; }
        if (d.cls == 3u) { flags |= 4u; }
        if (d.cls == 0u && (d.m.x | d.m.y) != 0u) { top = max(top, d.e2 + 53); }
      }
    }
  }
  sTop[lid] = top;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { sTop[lid] = max(sTop[lid], sTop[lid + s]); }
    workgroupBarrier();
  }
  let wgTop = sTop[0];
  let scale = ${float ? `wgTop - ${FLOAT_SCALE_BELOW_TOP}` : '0'};
  var acc = vec4<u32>(0u);
  for (var j = 0u; j < K; j++) {
    let i = base + j * WG + lid;
    if (i < p.n && isValid(i)) {
      let d = load(i);
      if (d.cls == 0u) { acc = add128(acc, fixedOf(d, scale)); }
    }
  }
  sAcc[lid] = acc;
  sCount[lid] = count;
  sFlags[lid] = flags;
  sMin[lid] = mn;
  sMax[lid] = mx;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      sAcc[lid] = add128(sAcc[lid], sAcc[lid + s]);
      sCount[lid] += sCount[lid + s];
      sFlags[lid] |= sFlags[lid + s];
      if (less(sMin[lid + s], sMin[lid])) { sMin[lid] = sMin[lid + s]; }
      if (less(sMax[lid], sMax[lid + s])) { sMax[lid] = sMax[lid + s]; }
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let o = wg * ${STATS_RECORD}u;
    outp[o] = sCount[0];
    outp[o + 1u] = sFlags[0];
    outp[o + 2u] = sMin[0].x;
    outp[o + 3u] = sMin[0].y;
    outp[o + 4u] = sMax[0].x;
    outp[o + 5u] = sMax[0].y;
    outp[o + 6u] = bitcast<u32>(scale);
    outp[o + 7u] = bitcast<u32>(wgTop);
    outp[o + 8u] = sAcc[0].x;
    outp[o + 9u] = sAcc[0].y;
    outp[o + 10u] = sAcc[0].z;
    outp[o + 11u] = sAcc[0].w;
  }
}
`;
}

/**
 * Second-moment kernel: per workgroup the 128-bit fixed-point sum (units 2^MOMENT_SCALE) of d^2, where
 * d = x * 2^-top - mean * 2^-top is formed in float32 from a two-float split of x (48 bits) and of the mean.
 */
export function momentShader(kind: ColumnKind): string {
  return /* wgsl */ `${COMMON}${BINDINGS}${loader(kind)}
var<workgroup> sAcc: array<vec4<u32>, ${WORKGROUP}>;

// Bits [lowest, lowest + 24) of m (lowest may be negative: zeros below). (A parameter named 'from' hangs
// Dawn's shader compiler in webgpu 0.6.2.)
fn bits24(m: vec2<u32>, lowest: i32) -> u32 {
  if (lowest >= 0) { return shr64(m, u32(lowest)).x & 0xffffffu; }
  return (m.x << u32(-lowest)) & 0xffffffu;
}

// dev^2 as a 128-bit fixed-point value in units of 2^MOMENT_SCALE.
fn squareFixed(dev: f32) -> vec4<u32> {
  let b = bitcast<u32>(dev * dev);
  if (b == 0u) { return vec4<u32>(0u); }
  let ex = (b >> 23u) & 0xffu;
  let m = vec2<u32>((b & 0x7fffffu) | select(0u, 0x800000u, ex != 0u), 0u);
  return placed(m, i32(max(ex, 1u)) - 150 - (${MOMENT_SCALE}));
}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * p.nx;
  let base = wg * WG * K;
  var acc = vec4<u32>(0u);
  for (var j = 0u; j < K; j++) {
    let i = base + j * WG + lid;
    if (i < p.n && isValid(i)) {
      let d = load(i);
      // NaN and infinities are left out: the caller reports NaN for the moments when the stats saw any.
      if (d.cls == 0u) {
        var xh = 0.0;
        var xl = 0.0;
        if ((d.m.x | d.m.y) != 0u) {
          let t = topBit(d.m);
          let e = d.e2 + t - p.top;
          xh = ldexp(f32(bits24(d.m, t - 23)), e - 23);
          xl = ldexp(f32(bits24(d.m, t - 47)), e - 47);
          if (d.neg) { xh = -xh; xl = -xl; }
        }
        let dev = (xh - p.meanHi) + (xl - p.meanLo);
        acc = add128(acc, squareFixed(dev));
      }
    }
  }
  sAcc[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { sAcc[lid] = add128(sAcc[lid], sAcc[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let o = wg * 4u;
    outp[o] = sAcc[0].x;
    outp[o + 1u] = sAcc[0].y;
    outp[o + 2u] = sAcc[0].z;
    outp[o + 3u] = sAcc[0].w;
  }
}
`;
}
