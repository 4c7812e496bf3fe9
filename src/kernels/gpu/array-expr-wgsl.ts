// Compiles an NDArray element-wise expression (kernels/array/elementwise.ts) to one WGSL compute shader that
// mirrors the CPU's typing and conversions op by op, and says which chains the GPU may run and how exactly.

import { resultDType, typeOf, type ArrayExpr } from '../array/elementwise.ts';
import type { DType } from '../array/dtypes.ts';

/** How a GPU result compares with the CPU's: bit-identical, or float32 within the documented bound. */
export type Exactness = 'exact' | 'approx';

export type ExprPlan =
  | { readonly ok: true; readonly exactness: Exactness; readonly nodes: number }
  | { readonly ok: false; readonly reason: string };

/** The GPU representation of each dtype the GPU handles: uint8 and bool values travel widened to u32, float64 as bits. */
type Ty = 'f32' | 'i32' | 'u32' | 'f64';
const TY: Partial<Record<DType, Ty>> = { float64: 'f64', float32: 'f32', int32: 'i32', uint8: 'u32', bool: 'u32' };

/** Built-ins without a usable error bound (sin/cos only on [-pi, pi], tanh/pow inherited): the CPU keeps these. */
const CPU_ONLY_UNARY = new Set(['log1p', 'sin', 'cos', 'tan', 'tanh']);
/** Most storage buffers a shader stage may bind by default (8): inputs + output + parameters. */
export const MAX_INPUTS = 6;

/** Thrown while compiling a chain the GPU cannot run exactly or within its bound; the chunk runs on the CPU. */
class NotOnGpu extends Error {}

/** Whether the GPU can run `expr` over inputs of `dtypes` into `out`, and whether its answer is bit-identical. */
export function planExpr(expr: ArrayExpr, dtypes: readonly DType[], out: DType): ExprPlan {
  if (dtypes.length > MAX_INPUTS) return { ok: false, reason: `more than ${MAX_INPUTS} inputs` };
  try {
    const c = compileExpr(expr, dtypes, out, dtypes.map(() => true), 1);
    return { ok: true, exactness: c.exactness, nodes: c.nodes };
  } catch (e) {
    if (e instanceof NotOnGpu) return { ok: false, reason: e.message };
    throw e;
  }
}

/** The compiled form: shader source, and the scalars converted on the host exactly as the CPU converts them. */
export interface CompiledExpr {
  readonly code: string;
  readonly exactness: Exactness;
  /** Expression nodes (inputs and scalars included): the CPU's cost grows with them. */
  readonly nodes: number;
  /** 32-bit words of the scalars, in their order in prm[]. */
  readonly scalarWords: number[];
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** A scalar converted to dtype t on the host, as the CPU's `convert` does, as the bits of its GPU value. */
function scalarWord(v: number | bigint | boolean, t: DType): number {
  const x = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  switch (t) {
    case 'float32':
      F32[0] = Number(x);
      return U32[0]!;
    case 'int32':
      return (typeof x === 'bigint' ? Number(BigInt.asIntN(32, x)) : x | 0) >>> 0;
    case 'uint8':
      return typeof x === 'bigint' ? Number(BigInt.asUintN(8, x)) : x & 255;
    case 'bool':
      return (typeof x === 'bigint' ? x !== 0n : x !== 0) ? 1 : 0;
    default:
      throw new Error(`no GPU scalar of dtype ${t}`);
  }
}

const HELPERS = /* wgsl */ `
fn nan32(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn finite32(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
fn truthy32(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }
// NaN and infinity built at run time (prm[1] is 0): as constants WGSL rejects them at compile time
fn qnan() -> f32 { return bitcast<f32>(prm[1] | 0x7fc00000u); }
fn pinf() -> f32 { return bitcast<f32>(prm[1] | 0x7f800000u); }
// JS ToInt32 of a float32 (truncate, wrap modulo 2^32, NaN and infinities give 0), as the CPU's x | 0.
fn toI32(x: f32) -> i32 {
  let b = bitcast<u32>(x);
  let e = (b >> 23u) & 0xffu;
  if (e == 255u || e < 127u) { return 0; }
  if (e < 158u) { return i32(trunc(x)); }
  let sh = e - 150u;
  if (sh >= 32u) { return 0; }
  var r = ((b & 0x7fffffu) | 0x800000u) << sh;
  if ((b >> 31u) != 0u) { r = 0u - r; }
  return bitcast<i32>(r);
}
// int32 to the nearest float32 (ties to even), as Math.fround: two exact halves added once.
fn i32ToF32(x: i32) -> f32 { return f32(x >> 16u) * 65536.0 + f32(x & 0xffff); }
fn minF(a: f32, b: f32) -> f32 { if (nan32(a) || nan32(b)) { return qnan(); } return select(b, a, a < b); }
fn maxF(a: f32, b: f32) -> f32 { if (nan32(a) || nan32(b)) { return qnan(); } return select(b, a, a > b); }
fn modI(a: i32, b: i32) -> i32 {
  if (b == 0 || (b == -1)) { return 0; }
  let m = a % b;
  return select(m, m + b, m != 0 && ((m < 0) != (b < 0)));
}
// Special values decided on the bits (a GPU may flush subnormals to 0 in comparisons and built-ins)
fn logF(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) == 0u) { return -pinf(); }
  if (nan32(x) || (b >> 31u) != 0u) { return qnan(); }
  if (!finite32(x)) { return x; }
  // a subnormal x = m 2^-149: log(m) - 149 ln 2, m exact in float32
  if ((b & 0x7f800000u) == 0u) { return log(f32(b & 0x7fffffu)) - 103.27892990343184; }
  return log(x);
}
fn sqrtF(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) == 0u || (!finite32(x) && (b >> 31u) == 0u)) { return x; }
  if (nan32(x) || (b >> 31u) != 0u) { return qnan(); }
  // a subnormal x = 2m 2^-150: sqrt(2m) 2^-75, with 2m exact in float32 and the scaling exact
  if ((b & 0x7f800000u) == 0u) { return sqrt(f32((b & 0x7fffffu) * 2u)) * 2.6469779601696886e-23; }
  return sqrt(x);
}
fn expF(x: f32) -> f32 {
  if (nan32(x)) { return x; }
  if (x > 88.73) { return pinf(); }
  if (x < -104.0) { return 0.0; }
  return exp(x);
}
fn divF(a: f32, b: f32) -> f32 {
  if (nan32(a) || nan32(b)) { return qnan(); }
  if (b == 0.0) {
    if (a == 0.0) { return qnan(); }
    let neg = ((bitcast<u32>(a) ^ bitcast<u32>(b)) >> 31u) != 0u;
    return select(pinf(), -pinf(), neg);
  }
  if (!finite32(a) && !finite32(b)) { return qnan(); }
  return a / b;
}
fn roundingF(x: f32, r: f32) -> f32 { return select(x, r, finite32(x)); }
`;

// float64 values travel as their bits, vec2<u32>(low word, high word): only bit operations touch them
const HELPERS64 = /* wgsl */ `
fn nan64(v: vec2<u32>) -> bool { let h = v.y & 0x7fffffffu; return h > 0x7ff00000u || (h == 0x7ff00000u && v.x != 0u); }
fn zero64(v: vec2<u32>) -> bool { return (v.y & 0x7fffffffu) == 0u && v.x == 0u; }
// an order key: unsigned comparison of keys orders the doubles; both zeros share one key
fn key64(v: vec2<u32>) -> vec2<u32> {
  if (zero64(v)) { return vec2<u32>(0u, 0x80000000u); }
  if ((v.y >> 31u) != 0u) { return ~v; }
  return vec2<u32>(v.x, v.y | 0x80000000u);
}
fn lt64(a: vec2<u32>, b: vec2<u32>) -> bool { let ka = key64(a); let kb = key64(b); return ka.y < kb.y || (ka.y == kb.y && ka.x < kb.x); }
fn eq64(a: vec2<u32>, b: vec2<u32>) -> bool { return all(key64(a) == key64(b)); }
fn qnan64() -> vec2<u32> { return vec2<u32>(prm[1], prm[1] | 0x7ff80000u); }
fn min64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> { if (nan64(a) || nan64(b)) { return qnan64(); } return select(b, a, lt64(a, b)); }
fn max64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> { if (nan64(a) || nan64(b)) { return qnan64(); } return select(b, a, lt64(b, a)); }
// int32 to float64, exactly: the magnitude's bits below its leading one become the fraction
fn i32ToF64(x: i32) -> vec2<u32> {
  if (x == 0) { return vec2<u32>(0u, 0u); }
  let neg = x < 0;
  let m = select(bitcast<u32>(x), 0u - bitcast<u32>(x), neg);
  let msb = firstLeadingBit(m);
  let frac = m ^ (1u << msb);
  let sh = 52u - msb;
  var lo = 0u;
  var hi = 0u;
  if (sh >= 32u) { hi = frac << (sh - 32u); } else { lo = frac << sh; hi = frac >> (32u - sh); }
  return vec2<u32>(lo, hi | ((1023u + msb) << 20u) | select(0u, 0x80000000u, neg));
}
// float32 to float64, exactly (subnormals normalised, NaN and infinities kept)
fn f32ToF64(x: f32) -> vec2<u32> {
  let b = bitcast<u32>(x);
  let s = b & 0x80000000u;
  let e = (b >> 23u) & 0xffu;
  var m = b & 0x7fffffu;
  if (e == 255u) { return vec2<u32>(m << 29u, s | 0x7ff00000u | (m >> 3u)); }
  var ee = e + 896u;
  if (e == 0u) {
    if (m == 0u) { return vec2<u32>(0u, s); }
    let msb = firstLeadingBit(m);
    ee = msb + 874u;
    m = (m ^ (1u << msb)) << (23u - msb);
  }
  return vec2<u32>(m << 29u, s | (ee << 20u) | (m >> 3u));
}
`;

const F64 = new Float64Array(1);
const W64 = new Uint32Array(F64.buffer);

/** The WGSL type of a GPU value. */
const wgslType = (ty: Ty): string => (ty === 'f64' ? 'vec2<u32>' : ty);

interface Gen {
  readonly code: string;
  readonly ty: Ty;
}

/**
 * WGSL for `expr`; throws NotOnGpu (with the reason) for a chain the GPU cannot run exactly or within its
 * bound. The shader reads input k as in<k>[index], where index is the output's flat index (direct inputs)
 * or computed from prm's broadcast strides; writes out[] in `out`'s type.
 */
export function compileExpr(expr: ArrayExpr, dtypes: readonly DType[], out: DType, direct: readonly boolean[], nd: number): CompiledExpr {
  for (const d of [...dtypes, out]) {
    if (!TY[d]) throw new NotOnGpu(`${d} has no GPU type (WGSL has no 64-bit integers)`);
  }
  const lines: string[] = [];
  const scalarWords: number[] = [];
  let tmp = 0;
  let approx = false;
  let nodes = 0;
  const bind = (code: string, ty: Ty): Gen => {
    const name = `t${tmp++}`;
    lines.push(`  let ${name}: ${wgslType(ty)} = ${code};`);
    return { code: name, ty };
  };
  const SCALARS = 2; // prm[0] = total, prm[1] = 0 (see qnan), then the scalars
  const typeOfNode = (e: ArrayExpr): DType => {
    const t = resultDType(e, dtypes);
    if (!TY[t]) throw new NotOnGpu(`an intermediate ${t} value (${e.kind === 'cast' ? 'astype' : e.kind === 'unary' || e.kind === 'binary' ? e.op : e.kind})`);
    return t;
  };
  // float64 arithmetic would be float32 arithmetic here: only bit operations (sign, comparisons, selection) run
  const no64 = (what: string): never => {
    throw new NotOnGpu(`float64 ${what} (WGSL has no f64: only comparisons, selections, neg/abs and min/max of float64 are exact on the GPU)`);
  };
  const convert = (g: Raw, t: DType): Gen => {
    const ty = TY[t]!;
    if ('scalar' in g) {
      if (t === 'float64') {
        const v = g.scalar;
        F64[0] = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
        scalarWords.push(W64[0]!, W64[1]!);
        return bind(`vec2<u32>(prm[${SCALARS + scalarWords.length - 2}u], prm[${SCALARS + scalarWords.length - 1}u])`, 'f64');
      }
      scalarWords.push(scalarWord(g.scalar, t));
      return bind(`bitcast<${ty}>(prm[${SCALARS + scalarWords.length - 1}u])`, ty);
    }
    if (t === 'bool') {
      if (g.ty === 'f64') return bind(`select(0u, 1u, !zero64(${g.code}))`, 'u32');
      if (g.ty === 'f32') return bind(`select(0u, 1u, truthy32(${g.code}))`, 'u32');
      return bind(`select(0u, 1u, ${g.code} != ${g.ty === 'i32' ? '0' : '0u'})`, 'u32');
    }
    if (ty === g.ty && t !== 'uint8') return g;
    if (g.ty === 'f64') return no64(`to ${t}`);
    if (t === 'float64') return bind(g.ty === 'f32' ? `f32ToF64(${g.code})` : g.ty === 'i32' ? `i32ToF64(${g.code})` : `i32ToF64(i32(${g.code}))`, 'f64');
    if (t === 'uint8') {
      if (g.ty === 'u32') return bind(`${g.code} & 255u`, 'u32');
      if (g.ty === 'i32') return bind(`bitcast<u32>(${g.code}) & 255u`, 'u32');
      return bind(`bitcast<u32>(toI32(${g.code})) & 255u`, 'u32');
    }
    if (t === 'int32') return bind(g.ty === 'f32' ? `toI32(${g.code})` : `i32(${g.code})`, 'i32');
    // float32
    return bind(g.ty === 'i32' ? `i32ToF32(${g.code})` : `f32(${g.code})`, 'f32');
  };
  type Raw = Gen | { scalar: number | bigint | boolean };
  const value = (r: Raw): Gen => {
    if ('scalar' in r) throw new NotOnGpu('a scalar used on its own');
    return r;
  };
  const gen = (e: ArrayExpr): Raw => {
    nodes++;
    if (e.kind === 'input') return { code: `x${e.index}`, ty: TY[dtypes[e.index]!]! };
    if (e.kind === 'scalar') return { scalar: e.value };
    const t = typeOfNode(e);
    switch (e.kind) {
      case 'cast':
        return convert(gen(e.arg), e.dtype);
      case 'where': {
        const c = value(gen(e.cond));
        const a = convert(gen(e.a), t);
        const b = convert(gen(e.b), t);
        const truth = c.ty === 'f64' ? `!zero64(${c.code})` : c.ty === 'f32' ? `truthy32(${c.code})` : `${c.code} != ${c.ty === 'i32' ? '0' : '0u'}`;
        return bind(`select(${b.code}, ${a.code}, ${truth})`, a.ty);
      }
      case 'unary': {
        if (CPU_ONLY_UNARY.has(e.op)) throw new NotOnGpu(`${e.op} (the WGSL built-in has no usable error bound)`);
        const a0 = gen(e.arg);
        switch (e.op) {
          case 'exp': case 'log': case 'sqrt': {
            if (t === 'float64') return no64(e.op);
            approx = true;
            const a = convert(a0, 'float32');
            return bind(`${e.op}F(${a.code})`, 'f32');
          }
          case 'isnan': {
            const a = value(a0);
            return bind(a.ty === 'f64' ? `select(0u, 1u, nan64(${a.code}))` : a.ty === 'f32' ? `select(0u, 1u, nan32(${a.code}))` : '0u', 'u32');
          }
          case 'not': {
            const a = value(a0);
            if (a.ty === 'f64') return bind(`select(0u, 1u, zero64(${a.code}))`, 'u32');
            return bind(a.ty === 'f32' ? `select(0u, 1u, (bitcast<u32>(${a.code}) & 0x7fffffffu) == 0u)` : `select(0u, 1u, ${a.code} == ${a.ty === 'i32' ? '0' : '0u'})`, 'u32');
          }
          case 'neg': {
            const v = convert(a0, t);
            if (v.ty === 'f64') return bind(`${v.code} ^ vec2<u32>(0u, 0x80000000u)`, 'f64');
            if (v.ty === 'f32') return bind(`bitcast<f32>(bitcast<u32>(${v.code}) ^ 0x80000000u)`, 'f32');
            if (v.ty === 'i32') return bind(`-${v.code}`, 'i32');
            return bind(`(0u - ${v.code}) & 255u`, 'u32');
          }
          case 'abs': {
            const v = convert(a0, t);
            if (v.ty === 'f64') return bind(`${v.code} & vec2<u32>(0xffffffffu, 0x7fffffffu)`, 'f64');
            if (v.ty === 'f32') return bind(`bitcast<f32>(bitcast<u32>(${v.code}) & 0x7fffffffu)`, 'f32');
            if (v.ty === 'i32') return bind(`select(${v.code}, -${v.code}, ${v.code} < 0)`, 'i32');
            return v;
          }
          case 'floor': case 'ceil': case 'round': {
            const a = value(a0);
            if (a.ty === 'f64') return no64(e.op);
            if (a.ty !== 'f32') return a;
            return bind(`roundingF(${a.code}, ${e.op}(${a.code}))`, 'f32');
          }
        }
        throw new Error(`no GPU code for ${e.op}`);
      }
      case 'binary': {
        if (e.op === 'pow') throw new NotOnGpu('pow (WGSL pow has no usable error bound; integer pow follows float64 on the CPU)');
        if (e.op === 'mod' && (t === 'float32' || t === 'float64')) throw new NotOnGpu(`${t} mod (WGSL % is not exact)`);
        const l0 = gen(e.left);
        const r0 = gen(e.right);
        const cmp = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' } as Record<string, string>;
        if (e.op in cmp) {
          const common = resultDType({ kind: 'binary', op: 'minimum', left: e.left, right: e.right }, dtypes);
          if (!TY[common]) throw new NotOnGpu(`a comparison in ${common}`);
          const l = convert(l0, common), r = convert(r0, common);
          if (l.ty === 'f64') {
            const rel = { eq: `eq64(${l.code}, ${r.code})`, ne: `eq64(${l.code}, ${r.code})`, lt: `lt64(${l.code}, ${r.code})`, le: `!lt64(${r.code}, ${l.code})`, gt: `lt64(${r.code}, ${l.code})`, ge: `!lt64(${l.code}, ${r.code})` }[e.op as 'eq'];
            const ordered = `!nan64(${l.code}) && !nan64(${r.code}) && ${rel}`;
            return bind(e.op === 'ne' ? `select(1u, 0u, ${ordered})` : `select(0u, 1u, ${ordered})`, 'u32');
          }
          if (l.ty !== 'f32') return bind(`select(0u, 1u, ${l.code} ${cmp[e.op]} ${r.code})`, 'u32');
          // NaN compares unequal to everything, as on the CPU; tested on bits, not left to the compiler
          const ordered = `!nan32(${l.code}) && !nan32(${r.code}) && ${l.code} ${e.op === 'ne' ? '==' : cmp[e.op]} ${r.code}`;
          return bind(e.op === 'ne' ? `select(1u, 0u, ${ordered})` : `select(0u, 1u, ${ordered})`, 'u32');
        }
        if (e.op === 'and' || e.op === 'or') {
          const l = convert(l0, 'bool'), r = convert(r0, 'bool');
          return bind(`${l.code} ${e.op === 'and' ? '&' : '|'} ${r.code}`, 'u32');
        }
        if (t === 'float64' && e.op !== 'minimum' && e.op !== 'maximum') return no64(e.op);
        const l = convert(l0, t), r = convert(r0, t);
        const ty = l.ty;
        if (e.op === 'minimum' || e.op === 'maximum') {
          if (ty === 'f64') return bind(`${e.op === 'minimum' ? 'min64' : 'max64'}(${l.code}, ${r.code})`, 'f64');
          if (ty === 'f32') return bind(`${e.op === 'minimum' ? 'minF' : 'maxF'}(${l.code}, ${r.code})`, 'f32');
          return bind(`${e.op === 'minimum' ? 'min' : 'max'}(${l.code}, ${r.code})`, ty);
        }
        if (e.op === 'div') {
          approx = true;
          return bind(`divF(${l.code}, ${r.code})`, 'f32');
        }
        if (e.op === 'mod') {
          if (ty === 'i32') return bind(`modI(${l.code}, ${r.code})`, 'i32');
          return bind(`select(${l.code} % max(${r.code}, 1u), 0u, ${r.code} == 0u)`, 'u32');
        }
        const sym = { add: '+', sub: '-', mul: '*' }[e.op as 'add'];
        if (!sym) throw new Error(`no GPU code for ${e.op}`);
        return bind(ty === 'u32' ? `(${l.code} ${sym} ${r.code}) & 255u` : `${l.code} ${sym} ${r.code}`, ty);
      }
    }
  };
  const result = convert(value(gen(expr)), out);
  const k = dtypes.length;
  const decls: string[] = [];
  const storage = (d: DType) => (TY[d] === 'f64' ? 'u32' : TY[d]);
  for (let i = 0; i < k; i++) decls.push(`@group(0) @binding(${i}) var<storage, read> in${i}: array<${storage(dtypes[i]!)}>;`);
  decls.push(`@group(0) @binding(${k}) var<storage, read_write> outv: array<${storage(out)}>;`);
  decls.push(`@group(0) @binding(${k + 1}) var<storage, read> prm: array<u32>;`);
  // prm (parameters) after the scalars: the output shape (nd words), then per strided input its nd broadcast strides
  const shapeAt = SCALARS + scalarWords.length;
  const reads: string[] = [];
  const strided = direct.map((d, i) => (d ? -1 : i)).filter((i) => i >= 0);
  if (strided.length > 0) {
    reads.push('  var rest = idx;');
    for (const i of strided) reads.push(`  var o${i} = 0u;`);
    reads.push(`  for (var d = ${nd - 1}; d >= 0; d--) {`);
    reads.push(`    let n = prm[${shapeAt}u + u32(d)];`);
    reads.push('    let c = rest % n;');
    reads.push('    rest = rest / n;');
    strided.forEach((i, j) => reads.push(`    o${i} += c * prm[${shapeAt + nd + j * nd}u + u32(d)];`));
    reads.push('  }');
  }
  for (let i = 0; i < k; i++) {
    const at = direct[i] ? 'idx' : `o${i}`;
    reads.push(TY[dtypes[i]!] === 'f64' ? `  let x${i} = vec2<u32>(in${i}[2u * ${at}], in${i}[2u * ${at} + 1u]);` : `  let x${i} = in${i}[${at}];`);
  }
  const write = TY[out] === 'f64' ? `outv[2u * idx] = ${result.code}.x;\n  outv[2u * idx + 1u] = ${result.code}.y;` : `outv[idx] = ${result.code};`;
  const uses64 = [...dtypes, out].includes('float64') || lines.some((l) => l.includes('vec2<u32>'));
  const code = `${decls.join('\n')}
${HELPERS}${uses64 ? HELPERS64 : ''}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (idx >= prm[0]) { return; }
${reads.join('\n')}
${lines.join('\n')}
  ${write}
}
`;
  return { code, scalarWords, exactness: approx ? 'approx' : 'exact', nodes };
}

/** The expression's structure without scalar values (scalars arrive in prm), for caching pipelines. */
export function structureKey(e: ArrayExpr): string {
  switch (e.kind) {
    case 'input': return `i${e.index}`;
    case 'scalar': return `s:${typeOf(e, [])}:${typeof e.value}`;
    case 'cast': return `cast(${e.dtype},${structureKey(e.arg)})`;
    case 'where': return `where(${structureKey(e.cond)},${structureKey(e.a)},${structureKey(e.b)})`;
    case 'unary': return `${e.op}(${structureKey(e.arg)})`;
    case 'binary': return `${e.op}(${structureKey(e.left)},${structureKey(e.right)})`;
  }
}

