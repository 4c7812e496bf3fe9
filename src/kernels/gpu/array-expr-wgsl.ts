// Compiles an NDArray element-wise expression (kernels/array/elementwise.ts) to one WGSL compute shader that
// mirrors the CPU's typing and conversions op by op, and says which chains the GPU may run and how exactly.

import { resultDType, typeOf, type ArrayExpr } from '../array/elementwise.ts';
import type { DType } from '../array/dtypes.ts';

/** How a GPU result compares with the CPU's: bit-identical, or float32 within the documented bound. */
export type Exactness = 'exact' | 'approx';

export type ExprPlan =
  | { readonly ok: true; readonly exactness: Exactness; readonly nodes: number }
  | { readonly ok: false; readonly reason: string };

/** The GPU representation of each dtype the GPU handles: uint8 and bool values travel widened to u32. */
type Ty = 'f32' | 'i32' | 'u32';
const TY: Partial<Record<DType, Ty>> = { float32: 'f32', int32: 'i32', uint8: 'u32', bool: 'u32' };

/**
 * Ops whose float32 results are not bit-identical to the CPU's but within a bound (docs/GPU.md):
 * WGSL's division is 2.5 ulp, sqrt inherits inverseSqrt's, exp and log have their own bounds.
 */
const APPROX_UNARY = new Set(['exp', 'log', 'sqrt']);
/** Built-ins without a usable error bound (sin/cos only on [-pi, pi], tanh/pow inherited): the CPU keeps these. */
const CPU_ONLY_UNARY = new Set(['log1p', 'sin', 'cos', 'tan', 'tanh']);
/** Most storage buffers a shader stage may bind by default (8): inputs + output + parameters. */
export const MAX_INPUTS = 6;

export function gpuTypeOf(d: DType): Ty | undefined {
  return TY[d];
}

/** Whether the GPU can run `expr` over inputs of `dtypes` into `out`, and whether its answer is bit-identical. */
export function planExpr(expr: ArrayExpr, dtypes: readonly DType[], out: DType): ExprPlan {
  if (dtypes.length > MAX_INPUTS) return { ok: false, reason: `more than ${MAX_INPUTS} inputs` };
  for (const d of [...dtypes, out]) {
    if (!TY[d]) return { ok: false, reason: d === 'float64' ? 'float64 has no GPU type (WGSL has no f64): the CPU keeps float64 exact' : `${d} has no GPU type (WGSL has no 64-bit integers)` };
  }
  let approx = false;
  let nodes = 0;
  const fail = (reason: string): ExprPlan => ({ ok: false, reason });
  const walk = (e: ArrayExpr, convertedByParent: boolean): string | null => {
    nodes++;
    if (e.kind === 'input') return null;
    if (e.kind === 'scalar') return convertedByParent ? null : 'a scalar used on its own';
    const t = resultDType(e, dtypes);
    if (!TY[t]) return `an intermediate ${t} value (${e.kind === 'cast' ? 'astype' : e.kind === 'unary' || e.kind === 'binary' ? e.op : e.kind})`;
    switch (e.kind) {
      case 'cast':
        return walk(e.arg, true);
      case 'where':
        return walk(e.cond, false) ?? walk(e.a, true) ?? walk(e.b, true);
      case 'unary':
        if (CPU_ONLY_UNARY.has(e.op)) return `${e.op} (the WGSL built-in has no usable error bound)`;
        if (APPROX_UNARY.has(e.op)) approx = true;
        return walk(e.arg, e.op === 'neg' || e.op === 'abs' || APPROX_UNARY.has(e.op));
      case 'binary': {
        if (e.op === 'pow') return 'pow (WGSL pow has no usable error bound; integer pow follows float64 on the CPU)';
        if (e.op === 'mod' && t === 'float32') return 'float32 mod (WGSL % is not exact)';
        if (e.op === 'div') approx = true;
        const common = resultDType({ kind: 'binary', op: 'minimum', left: e.left, right: e.right }, dtypes);
        if ((e.op === 'eq' || e.op === 'ne' || e.op === 'lt' || e.op === 'le' || e.op === 'gt' || e.op === 'ge') && !TY[common]) return `a comparison in ${common}`;
        return walk(e.left, true) ?? walk(e.right, true);
      }
    }
  };
  const why = walk(expr, true);
  if (why) return fail(why);
  return { ok: true, exactness: approx ? 'approx' : 'exact', nodes };
}

/** The compiled form: shader source, and the scalars converted on the host exactly as the CPU converts them. */
export interface CompiledExpr {
  readonly code: string;
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

interface Gen {
  readonly code: string;
  readonly ty: Ty;
}

/**
 * WGSL for `expr` (which planExpr accepted). The shader reads input k as in<k>[index], where index is the
 * output's flat index (direct inputs) or computed from prm's broadcast strides; writes out[] in `out`'s type.
 */
export function compileExpr(expr: ArrayExpr, dtypes: readonly DType[], out: DType, direct: readonly boolean[], nd: number): CompiledExpr {
  const lines: string[] = [];
  const scalarWords: number[] = [];
  let tmp = 0;
  const bind = (code: string, ty: Ty): Gen => {
    const name = `t${tmp++}`;
    lines.push(`  let ${name}: ${ty} = ${code};`);
    return { code: name, ty };
  };
  const SCALARS = 2; // prm[0] = total, prm[1] = 0 (see qnan), then the scalars
  const convert = (g: Gen | { scalar: number | bigint | boolean }, t: DType): Gen => {
    const ty = TY[t]!;
    if ('scalar' in g) {
      scalarWords.push(scalarWord(g.scalar, t));
      return bind(`bitcast<${ty}>(prm[${SCALARS + scalarWords.length - 1}u])`, ty);
    }
    if (t === 'bool') {
      if (g.ty === 'f32') return bind(`select(0u, 1u, truthy32(${g.code}))`, 'u32');
      return bind(`select(0u, 1u, ${g.code} != ${g.ty === 'i32' ? '0' : '0u'})`, 'u32');
    }
    if (ty === g.ty && t !== 'uint8') return g;
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
  const gen = (e: ArrayExpr): Raw => {
    if (e.kind === 'input') return { code: `x${e.index}`, ty: TY[dtypes[e.index]!]! };
    if (e.kind === 'scalar') return { scalar: e.value };
    const t = resultDType(e, dtypes);
    switch (e.kind) {
      case 'cast':
        return convert(gen(e.arg), e.dtype);
      case 'where': {
        const c = gen(e.cond) as Gen;
        const a = convert(gen(e.a), t);
        const b = convert(gen(e.b), t);
        const truth = c.ty === 'f32' ? `truthy32(${c.code})` : `${c.code} != ${c.ty === 'i32' ? '0' : '0u'}`;
        return bind(`select(${b.code}, ${a.code}, ${truth})`, a.ty);
      }
      case 'unary': {
        const a0 = gen(e.arg);
        switch (e.op) {
          case 'exp': case 'log': case 'sqrt': {
            const a = convert(a0, 'float32');
            return bind(`${e.op}F(${a.code})`, 'f32');
          }
          case 'isnan': {
            const a = a0 as Gen;
            return bind(a.ty === 'f32' ? `select(0u, 1u, nan32(${a.code}))` : '0u', 'u32');
          }
          case 'not': {
            const a = a0 as Gen;
            return bind(a.ty === 'f32' ? `select(0u, 1u, (bitcast<u32>(${a.code}) & 0x7fffffffu) == 0u)` : `select(0u, 1u, ${a.code} == ${a.ty === 'i32' ? '0' : '0u'})`, 'u32');
          }
          case 'neg': {
            const v = convert(a0, t);
            if (v.ty === 'f32') return bind(`bitcast<f32>(bitcast<u32>(${v.code}) ^ 0x80000000u)`, 'f32');
            if (v.ty === 'i32') return bind(`-${v.code}`, 'i32');
            return bind(`(0u - ${v.code}) & 255u`, 'u32');
          }
          case 'abs': {
            const v = convert(a0, t);
            if (v.ty === 'f32') return bind(`bitcast<f32>(bitcast<u32>(${v.code}) & 0x7fffffffu)`, 'f32');
            if (v.ty === 'i32') return bind(`select(${v.code}, -${v.code}, ${v.code} < 0)`, 'i32');
            return v;
          }
          case 'floor': case 'ceil': case 'round': {
            const a = a0 as Gen;
            if (a.ty !== 'f32') return a;
            return bind(`roundingF(${a.code}, ${e.op}(${a.code}))`, 'f32');
          }
        }
        throw new Error(`no GPU code for ${e.op}`);
      }
      case 'binary': {
        const l0 = gen(e.left);
        const r0 = gen(e.right);
        const cmp = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' } as Record<string, string>;
        if (e.op in cmp) {
          const common = resultDType({ kind: 'binary', op: 'minimum', left: e.left, right: e.right }, dtypes);
          const l = convert(l0, common), r = convert(r0, common);
          if (l.ty !== 'f32') return bind(`select(0u, 1u, ${l.code} ${cmp[e.op]} ${r.code})`, 'u32');
          // NaN compares unequal to everything, as on the CPU; tested on bits, not left to the compiler
          const ordered = `!nan32(${l.code}) && !nan32(${r.code}) && ${l.code} ${e.op === 'ne' ? '==' : cmp[e.op]} ${r.code}`;
          return bind(e.op === 'ne' ? `select(1u, 0u, ${ordered})` : `select(0u, 1u, ${ordered})`, 'u32');
        }
        if (e.op === 'and' || e.op === 'or') {
          const l = convert(l0, 'bool'), r = convert(r0, 'bool');
          return bind(`${l.code} ${e.op === 'and' ? '&' : '|'} ${r.code}`, 'u32');
        }
        const l = convert(l0, t), r = convert(r0, t);
        const ty = l.ty;
        if (e.op === 'minimum' || e.op === 'maximum') {
          if (ty === 'f32') return bind(`${e.op === 'minimum' ? 'minF' : 'maxF'}(${l.code}, ${r.code})`, 'f32');
          return bind(`${e.op === 'minimum' ? 'min' : 'max'}(${l.code}, ${r.code})`, ty);
        }
        if (e.op === 'div') return bind(`divF(${l.code}, ${r.code})`, 'f32');
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
  const result = convert(gen(expr), out);
  const outTy = TY[out]!;
  const k = dtypes.length;
  const decls: string[] = [];
  for (let i = 0; i < k; i++) decls.push(`@group(0) @binding(${i}) var<storage, read> in${i}: array<${TY[dtypes[i]!]}>;`);
  decls.push(`@group(0) @binding(${k}) var<storage, read_write> outv: array<${outTy}>;`);
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
  for (let i = 0; i < k; i++) reads.push(`  let x${i} = in${i}[${direct[i] ? 'idx' : `o${i}`}];`);
  const code = `${decls.join('\n')}
${HELPERS}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (idx >= prm[0]) { return; }
${reads.join('\n')}
${lines.join('\n')}
  outv[idx] = ${result.code};
}
`;
  return { code, scalarWords };
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

