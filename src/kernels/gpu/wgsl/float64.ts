// IEEE float64 arithmetic in WGSL integer ops (WGSL has no f64): add, sub, mul and div rounded to nearest-even
// with subnormals, infinities and NaN, and comparisons with JS semantics, so fused expressions give the CPU's
// bits exactly. A float64 is vec2<u32>(low word, high word).

export const FLOAT64 = /* wgsl */ `
const NAN64 = vec2<u32>(0u, 0x7ff80000u);

fn u64add(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}
// a - b for a >= b.
fn u64sub(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}
fn u64lt(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.y < b.y || (a.y == b.y && a.x < b.x);
}
fn clz64(a: vec2<u32>) -> u32 {
  if (a.y != 0u) { return countLeadingZeros(a.y); }
  return 32u + countLeadingZeros(a.x);
}
// a << s for s < 64.
fn u64shl(a: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return a; }
  if (s >= 32u) { return vec2<u32>(0u, a.x << (s - 32u)); }
  return vec2<u32>(a.x << s, (a.y << s) | (a.x >> (32u - s)));
}
// a >> s with every shifted-out bit ORed into bit 0 (the sticky bit of rounding).
fn shrSticky(a: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return a; }
  if (s >= 64u) { return vec2<u32>(select(0u, 1u, (a.x | a.y) != 0u), 0u); }
  if (s >= 32u) {
    let t = s - 32u;
    var lo = a.y;
    var lost = a.x;
    if (t > 0u) {
      lo = a.y >> t;
      lost = lost | (a.y << (32u - t));
    }
    return vec2<u32>(lo | select(0u, 1u, lost != 0u), 0u);
  }
  let lost = a.x << (32u - s);
  return vec2<u32>(((a.x >> s) | (a.y << (32u - s))) | select(0u, 1u, lost != 0u), a.y >> s);
}

fn isNan64(a: vec2<u32>) -> bool {
  let h = a.y & 0x7fffffffu;
  return h > 0x7ff00000u || (h == 0x7ff00000u && a.x != 0u);
}
fn isInf64(a: vec2<u32>) -> bool {
  return (a.y & 0x7fffffffu) == 0x7ff00000u && a.x == 0u;
}
fn isZero64(a: vec2<u32>) -> bool {
  return (a.y & 0x7fffffffu) == 0u && a.x == 0u;
}
fn exp64(a: vec2<u32>) -> i32 {
  return i32((a.y >> 20u) & 0x7ffu);
}
// The 53-bit significand (hidden bit included for normal numbers).
fn man64(a: vec2<u32>) -> vec2<u32> {
  return vec2<u32>(a.x, (a.y & 0xfffffu) | select(0u, 0x100000u, exp64(a) != 0));
}

// Round m * 2^(e - 1085) (m's leading one at bit 62, sticky in the low bits) to the nearest float64, ties to even.
fn roundPack(sign: u32, e0: i32, m0: vec2<u32>) -> vec2<u32> {
  var e = e0;
  var m = m0;
  if (e < 1) {
    m = shrSticky(m, u32(min(1 - e, 64)));
    e = 1;
  }
  let low = m.x & 0x3ffu;
  m = vec2<u32>((m.x >> 10u) | (m.y << 22u), m.y >> 10u);
  if (low > 0x200u || (low == 0x200u && (m.x & 1u) == 1u)) { m = u64add(m, vec2<u32>(1u, 0u)); }
  if ((m.y & 0x200000u) != 0u) {
    m = vec2<u32>((m.x >> 1u) | (m.y << 31u), m.y >> 1u);
    e += 1;
  }
  if (e >= 2047) { return vec2<u32>(0u, (sign << 31u) | 0x7ff00000u); }
  let field = select(0u, u32(e), (m.y & 0x100000u) != 0u);
  return vec2<u32>(m.x, (sign << 31u) | (field << 20u) | (m.y & 0xfffffu));
}

fn f64add(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  if (isNan64(a) || isNan64(b)) { return NAN64; }
  if (isInf64(a)) {
    if (isInf64(b) && (a.y >> 31u) != (b.y >> 31u)) { return NAN64; }
    return a;
  }
  if (isInf64(b)) { return b; }
  if (isZero64(a)) {
    if (isZero64(b)) { return vec2<u32>(0u, a.y & b.y & 0x80000000u); }
    return b;
  }
  if (isZero64(b)) { return a; }
  var x = a;
  var y = b;
  if (u64lt(vec2<u32>(x.x, x.y & 0x7fffffffu), vec2<u32>(y.x, y.y & 0x7fffffffu))) {
    x = b;
    y = a;
  }
  let sx = x.y >> 31u;
  let ex = max(exp64(x), 1);
  let ey = max(exp64(y), 1);
  let mx = u64shl(man64(x), 10u);
  let my = shrSticky(u64shl(man64(y), 10u), u32(ex - ey));
  var e = ex;
  var m: vec2<u32>;
  if (sx == (y.y >> 31u)) {
    m = u64add(mx, my);
    if ((m.y & 0x80000000u) != 0u) {
      m = shrSticky(m, 1u);
      e += 1;
    }
  } else {
    m = u64sub(mx, my);
    if ((m.x | m.y) == 0u) { return vec2<u32>(0u, 0u); }
  }
  let lz = clz64(m);
  if (lz > 1u) {
    m = u64shl(m, lz - 1u);
    e -= i32(lz - 1u);
  }
  return roundPack(sx, e, m);
}

fn f64neg(a: vec2<u32>) -> vec2<u32> {
  return vec2<u32>(a.x, a.y ^ 0x80000000u);
}

fn f64sub(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  // NaN stays NaN whatever its sign bit; x - y = x + (-y) exactly in IEEE arithmetic.
  return f64add(a, f64neg(b));
}
`;

/** Multiplication (and the normalisation division shares). */
export const FLOAT64_MUL = /* wgsl */ `
fn mul32(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>((p00 & 0xffffu) | (mid << 16u), a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}

// Leading one of a nonzero subnormal or normal significand moved to bit 52; the exponent follows.
fn normalised(a: vec2<u32>) -> vec3<u32> {
  var e = exp64(a);
  var m = man64(a);
  if (e == 0) {
    let z = clz64(m) - 11u;
    m = u64shl(m, z);
    e = 1 - i32(z);
  }
  return vec3<u32>(m, bitcast<u32>(e));
}

fn f64mul(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let s = (a.y ^ b.y) >> 31u;
  if (isNan64(a) || isNan64(b)) { return NAN64; }
  if (isInf64(a) || isInf64(b)) {
    if (isZero64(a) || isZero64(b)) { return NAN64; }
    return vec2<u32>(0u, (s << 31u) | 0x7ff00000u);
  }
  if (isZero64(a) || isZero64(b)) { return vec2<u32>(0u, s << 31u); }
  let na = normalised(a);
  let nb = normalised(b);
  let p00 = mul32(na.x, nb.x);
  let p01 = mul32(na.x, nb.y);
  let p10 = mul32(na.y, nb.x);
  let p11 = mul32(na.y, nb.y);
  let p = add128(add128(vec4<u32>(p00.x, p00.y, p11.x, p11.y), vec4<u32>(0u, p01.x, p01.y, 0u)), vec4<u32>(0u, p10.x, p10.y, 0u));
  // p in [2^104, 2^106): keep its top 63 bits with the rest as sticky.
  let t = select(104u, 105u, (p.w & 0x200u) != 0u);
  let b2 = t - 94u;
  let lost = p.x | (p.y << (32u - b2));
  let m = vec2<u32>(((p.y >> b2) | (p.z << (32u - b2))) | select(0u, 1u, lost != 0u), (p.z >> b2) | (p.w << (32u - b2)));
  return roundPack(s, bitcast<i32>(na.z) + bitcast<i32>(nb.z) + i32(t) - 1127, m);
}

`;

/**
 * Division: restoring, 63 quotient bits. Needs FLOAT64_MUL's helpers, and \`divSteps()\` returning 63 from a
 * runtime value: with a constant trip count the driver unrolls the loop and lavapipe takes ~45 s to compile.
 */
export const FLOAT64_DIV = /* wgsl */ `
fn f64div(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let s = (a.y ^ b.y) >> 31u;
  if (isNan64(a) || isNan64(b)) { return NAN64; }
  if (isInf64(a)) {
    if (isInf64(b)) { return NAN64; }
    return vec2<u32>(0u, (s << 31u) | 0x7ff00000u);
  }
  if (isInf64(b)) { return vec2<u32>(0u, s << 31u); }
  if (isZero64(b)) {
    if (isZero64(a)) { return NAN64; }
    return vec2<u32>(0u, (s << 31u) | 0x7ff00000u);
  }
  if (isZero64(a)) { return vec2<u32>(0u, s << 31u); }
  let na = normalised(a);
  let nb = normalised(b);
  var r = na.xy;
  let d = nb.xy;
  var e = bitcast<i32>(na.z) - bitcast<i32>(nb.z) + 1023;
  if (u64lt(r, d)) {
    r = u64shl(r, 1u);
    e -= 1;
  }
  // Restoring division: 63 quotient bits (the first is 1), the remainder as sticky.
  var q = vec2<u32>(0u, 0u);
  for (var k = 0u; k < divSteps(); k++) {
    q = u64shl(q, 1u);
    if (!u64lt(r, d)) {
      r = u64sub(r, d);
      q.x = q.x | 1u;
    }
    r = u64shl(r, 1u);
  }
  q.x = q.x | select(0u, 1u, (r.x | r.y) != 0u);
  return roundPack(s, e, q);
}

`;

/** Comparisons with JS semantics (NaN unordered, -0 == 0). */
export const FLOAT64_CMP = /* wgsl */ `
// Order key: unsigned order of keys = numeric order, -0 and +0 one key (NaN is handled by the callers).
fn key64(a: vec2<u32>) -> vec2<u32> {
  if (isZero64(a)) { return vec2<u32>(0u, 0x80000000u); }
  if ((a.y >> 31u) == 1u) { return ~a; }
  return vec2<u32>(a.x, a.y | 0x80000000u);
}
fn f64lt(a: vec2<u32>, b: vec2<u32>) -> bool {
  return !isNan64(a) && !isNan64(b) && u64lt(key64(a), key64(b));
}
fn f64eq(a: vec2<u32>, b: vec2<u32>) -> bool {
  return !isNan64(a) && !isNan64(b) && all(key64(a) == key64(b));
}
`;
