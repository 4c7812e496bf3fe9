// WGSL Philox4x32-10 with the counter layout of src/random/stream.ts, and the conversions that must match the
// CPU bit for bit: uniforms as the exact float64 bits of m * 2^-53, integers by the same rejection rule.
// Normals use float32 Box-Muller with our own log/sin/cos (driver built-ins are too loose: 2^-11 for sin/cos).

export const RANDOM_WORKGROUP = 64;
/** Blocks an element's integer rejection loop may use on the GPU before the CPU redraws it (p < 2^-128). */
export const INTEGER_MAX_BLOCKS = 32;
/** Written for an element whose rejection loop ran out of blocks: the caller draws it on the CPU. */
export const INTEGER_RETRY = 0xffffffff;

const CORE = /* wgsl */ `
struct Params { key0: u32, key1: u32, p0: u32, p1: u32, p2: u32, firstLo: u32, firstHi: u32, count: u32, nx: u32, range: u32, limit: u32, full: u32 }
@group(0) @binding(0) var<storage, read_write> outp: array<u32>;
@group(0) @binding(1) var<uniform> p: Params;

fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let hh = ah * bh;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(a * b, hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u));
}

fn philox(c: vec4<u32>) -> vec4<u32> {
  var x = c;
  var k0 = p.key0;
  var k1 = p.key1;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) {
      k0 = k0 + 0x9e3779b9u;
      k1 = k1 + 0xbb67ae85u;
    }
    let m0 = mulhilo(0xd2511f53u, x.x);
    let m1 = mulhilo(0xcd9e8d57u, x.z);
    x = vec4<u32>(m1.y ^ x.y ^ k0, m1.x, m0.y ^ x.w ^ k1, m0.x);
  }
  return x;
}

// Counter words of block (call start + first + t), t < 2^32: a 96-bit addition.
fn counterOf(t: u32) -> vec3<u32> {
  let a = p.firstLo + t;
  let ca = select(0u, 1u, a < t);
  let b = p.firstHi + ca;
  let lo = p.p0 + a;
  let c0 = select(0u, 1u, lo < a);
  let mid1 = p.p1 + b;
  let c1 = select(0u, 1u, mid1 < b);
  let mid = mid1 + c0;
  let c2 = select(0u, 1u, mid < mid1);
  return vec3<u32>(lo, mid, p.p2 + c1 + c2);
}

// The 53-bit integer (a >> 5) * 2^26 + (b >> 6) as (lo, hi).
fn m53(a: u32, b: u32) -> vec2<u32> {
  let t = a >> 5u;
  return vec2<u32>((t << 26u) | (b >> 6u), t >> 6u);
}
`;

/** Uniforms: per block, the float64 bits of its two elements' u = m * 2^-53 (4 words). */
export function uniformShader(): string {
  return /* wgsl */ `${CORE}
// Exact float64 bits of m * 2^-53 for a 53-bit m.
fn float64Bits(m: vec2<u32>) -> vec2<u32> {
  if ((m.x | m.y) == 0u) { return vec2<u32>(0u, 0u); }
  var top: u32;
  if (m.y != 0u) { top = 63u - countLeadingZeros(m.y); } else { top = 31u - countLeadingZeros(m.x); }
  // Shift the leading bit to position 52, drop it, and set the exponent (top - 53 + 1023).
  let s = 52u - top;
  var lo = m.x;
  var hi = m.y;
  if (s >= 32u) {
    hi = lo << (s - 32u);
    lo = 0u;
  } else if (s > 0u) {
    hi = (hi << s) | (lo >> (32u - s));
    lo = lo << s;
  }
  return vec2<u32>(lo, (hi & 0xfffffu) | ((top + 970u) << 20u));
}

@compute @workgroup_size(${RANDOM_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.nx * ${RANDOM_WORKGROUP}u;
  if (t >= p.count) { return; }
  let c = counterOf(t);
  let w = philox(vec4<u32>(c, 0u));
  let u0 = float64Bits(m53(w.x, w.y));
  let u1 = float64Bits(m53(w.z, w.w));
  outp[4u * t] = u0.x;
  outp[4u * t + 1u] = u0.y;
  outp[4u * t + 2u] = u1.x;
  outp[4u * t + 3u] = u1.y;
}
`;
}

/**
 * Integers on [low, low + range), range <= 2^32 (p.full = 1 when range divides 2^32: nothing is redrawn): element t reads its own
 * substream (block first + t, c3 = 0, 1, ...) word by word, redrawing words >= limit, and writes x % range.
 */
export function integersShader(): string {
  return /* wgsl */ `${CORE}
@compute @workgroup_size(${RANDOM_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.nx * ${RANDOM_WORKGROUP}u;
  if (t >= p.count) { return; }
  let c = counterOf(t);
  var result = ${INTEGER_RETRY}u;
  for (var sub = 0u; sub < ${INTEGER_MAX_BLOCKS}u; sub++) {
    let w = philox(vec4<u32>(c, sub));
    // No rejection when range divides 2^32 (range 2^32 itself is passed as 0).
    if (p.full == 1u) { result = select(w.x % max(p.range, 1u), w.x, p.range == 0u); break; }
    if (w.x < p.limit) { result = w.x % p.range; break; }
    if (w.y < p.limit) { result = w.y % p.range; break; }
    if (w.z < p.limit) { result = w.z % p.range; break; }
    if (w.w < p.limit) { result = w.w % p.range; break; }
  }
  outp[t] = result;
}
`;
}

/** Standard normals (float32) by Box-Muller per block: element 2k the cosine branch, 2k+1 the sine branch. */
export function normalShader(): string {
  return /* wgsl */ `${CORE}
const LN2: f32 = 0.6931471805599453;
const QUARTER_PI: f32 = 0.7853981633974483;

// 2^-k * (53-bit m) as f32, rounded once from the top 24 bits.
fn toF32(m: vec2<u32>, k: i32) -> f32 {
  if ((m.x | m.y) == 0u) { return 0.0; }
  return ldexp(f32(m.y) * 4294967296.0 + f32(m.x), -k);
}

// ln(v) for v > 0: v = f * 2^e with f in [sqrt(1/2), sqrt(2)), ln f = 2 atanh(s), s = (f - 1) / (f + 1).
fn lnf(v: f32) -> f32 {
  let b = bitcast<u32>(v);
  var e = i32((b >> 23u) & 0xffu) - 127;
  var f = bitcast<f32>((b & 0x7fffffu) | 0x3f800000u);
  if (f > 1.41421356) { f = f * 0.5; e = e + 1; }
  let s = (f - 1.0) / (f + 1.0);
  let s2 = s * s;
  let series = s * (2.0 + s2 * (0.6666666667 + s2 * (0.4 + s2 * (0.2857142857 + s2 * 0.2222222222))));
  return f32(e) * LN2 + series;
}

// -ln(1 - u) for u = m * 2^-53 in [0, 1): a series for small u, where 1 - u in float32 would lose u.
fn minusLog1m(m: vec2<u32>) -> f32 {
  let u = toF32(m, 53);
  if (u < 0.0625) {
    return u * (1.0 + u * (0.5 + u * (0.3333333333 + u * (0.25 + u * (0.2 + u * (0.1666666667 + u * (0.1428571429 + u * 0.125)))))));
  }
  // 1 - u exactly in integers (2^53 - m), then one rounding.
  let lo = 0u - m.x;
  let borrow = select(1u, 0u, m.x == 0u);
  let hi = 0x200000u - m.y - borrow;
  return -lnf(toF32(vec2<u32>(lo, hi), 53));
}

fn sinPoly(x: f32) -> f32 {
  let x2 = x * x;
  return x * (1.0 + x2 * (-0.16666666667 + x2 * (0.0083333333333 + x2 * (-0.00019841269841 + x2 * 0.0000027557319224))));
}

fn cosPoly(x: f32) -> f32 {
  let x2 = x * x;
  return 1.0 + x2 * (-0.5 + x2 * (0.041666666667 + x2 * (-0.0013888888889 + x2 * (0.000024801587302 - x2 * 0.00000027557319224))));
}

// (cos, sin) of 2 pi u for u = m * 2^-53: the octant from the top 3 bits (exact), then an angle in [0, pi/4].
fn cosSin(m: vec2<u32>) -> vec2<f32> {
  let octant = m.y >> 18u;
  let rest = vec2<u32>(m.x, m.y & 0x3ffffu); // 50 bits: the fraction f of the octant
  var q: u32;
  var a: f32;
  var mirrored = false;
  if ((octant & 1u) == 0u) {
    q = octant >> 1u;
    a = toF32(rest, 50) * QUARTER_PI;
  } else {
    // angle = (octant + 1) pi/4 - (1 - f) pi/4
    q = ((octant + 1u) >> 1u) & 3u;
    let lo = 0u - rest.x;
    let borrow = select(1u, 0u, rest.x == 0u);
    a = toF32(vec2<u32>(lo, 0x40000u - rest.y - borrow), 50) * QUARTER_PI;
    mirrored = true;
  }
  let c = cosPoly(a);
  let s = sinPoly(a);
  // cos/sin of q pi/2 + a, or of q pi/2 - a when mirrored.
  let sa = select(s, -s, mirrored);
  if (q == 0u) { return vec2<f32>(c, sa); }
  if (q == 1u) { return vec2<f32>(-sa, c); }
  if (q == 2u) { return vec2<f32>(-c, -sa); }
  return vec2<f32>(sa, -c);
}

@compute @workgroup_size(${RANDOM_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.nx * ${RANDOM_WORKGROUP}u;
  if (t >= p.count) { return; }
  let c = counterOf(t);
  let w = philox(vec4<u32>(c, 0u));
  let r = sqrt(2.0 * minusLog1m(m53(w.x, w.y)));
  let cs = cosSin(m53(w.z, w.w));
  outp[2u * t] = bitcast<u32>(r * cs.x);
  outp[2u * t + 1u] = bitcast<u32>(r * cs.y);
}
`;
}
