// Fused element-wise expressions on the GPU: the subset of column expressions whose CPU results WGSL can
// reproduce bit for bit (float64 + - * / in integer-emulated IEEE arithmetic, neg, abs, comparisons, Kleene
// and/or/not, null tests) compiles to one WGSL function that feeds the statistics kernels; the rest says why not.

import { type Data, type RecordBatch, type Schema, Type } from 'apache-arrow';
import { type ColExpr, describeExpr, exprType, intInfo } from '../../expr.ts';
import { scalarLiteral } from '../dates.ts';
import { validityOf } from '../validity.ts';
import { type Gpu, USAGE, maxBindingBytes } from './device.ts';
import { dispatch, grid, pipelineFor, piecesOf, uniformWords, upload } from './buffers.ts';
import { COMMON, ROWS_PER_GROUP } from './wgsl/column-stats.ts';
import { FLOAT64, FLOAT64_CMP, FLOAT64_DIV, FLOAT64_MUL } from './wgsl/float64.ts';
import type { SummarySource } from './column-summary.ts';

/** Column inputs one fused kernel may read (storage bindings: the output, both validities and these, of 8). */
export const MAX_FUSED_COLUMNS = 5;
/** Literal float64s a kernel takes from its parameters (so new literal values reuse the compiled pipeline). */
export const MAX_FUSED_LITERALS = 8;

export interface FusedPlan {
  /** Leaf columns in binding order: user names never reach the WGSL (leaves are c0, c1, ...). */
  readonly columns: readonly string[];
  readonly literals: readonly number[];
  /** The body of `fn ev(i: u32) -> Ev` (WGSL): the value's float64 bits and whether the row is valid. */
  readonly body: string;
}

export type Compiled = { readonly plan: FusedPlan } | { readonly refusal: string };

/** A compiled node: WGSL names of its float64 value (v) or boolean (b) and its validity; a null literal is either. */
type Val = { readonly kind: 'num' | 'bool' | 'null'; readonly v: string; readonly b: string; readonly ok: string };
const num = (v: string, ok: string): Val => ({ kind: 'num', v, b: 'false', ok });
const bool = (b: string, ok: string): Val => ({ kind: 'bool', v: 'vec2<u32>(0u, 0u)', b, ok });

class Refused extends Error {}

/**
 * Compile `expr` (whose float64 value a reduction reads), on the rows where `filter` is true when given, for
 * the GPU, or say why it stays on the CPU. Every accepted node has a float64 or boolean type by the CPU's own
 * type rules (exprType), so the results agree.
 */
export function compileFused(expr: ColExpr, schema: Schema, filter?: ColExpr): Compiled {
  if (!filter && (expr.t === 'col' || expr.t === 'lit')) return { refusal: 'a plain column or literal needs no fusion' };
  const columns: string[] = [];
  const literals: number[] = [];
  const lines: string[] = [];
  let next = 0;
  const fresh = () => `t${next++}`;
  const floatType = (e: ColExpr) => {
    const t = exprType(e, schema);
    return t.typeId === Type.Float && (t as unknown as { precision: number }).precision === 2;
  };
  const literal = (x: number): Val => {
    let k = literals.indexOf(x);
    if (k < 0 || !Object.is(literals[k], x)) {
      k = literals.length;
      literals.push(x);
    }
    if (literals.length > MAX_FUSED_LITERALS) throw new Refused(`more than ${MAX_FUSED_LITERALS} literals`);
    const v = fresh();
    lines.push(`let ${v} = lit(${k}u);`);
    return num(v, 'true');
  };
  const nullValue = (): Val => ({ kind: 'null', v: 'vec2<u32>(0u, 0u)', b: 'false', ok: 'false' });
  const walk = (e: ColExpr): Val => {
    switch (e.t) {
      case 'col': {
        const t = exprType(e, schema);
        const int = intInfo(t);
        const ok = (t.typeId === Type.Float && (t as unknown as { precision: number }).precision !== 0) || (int !== null && int.bits <= 32);
        if (!ok) throw new Refused(`column of type ${t} (float32/float64 and integers up to 32 bits map exactly)`);
        let k = columns.indexOf(e.name);
        if (k < 0) {
          k = columns.length;
          columns.push(e.name);
        }
        if (columns.length > MAX_FUSED_COLUMNS) throw new Refused(`more than ${MAX_FUSED_COLUMNS} columns`);
        const v = fresh();
        lines.push(`let ${v} = col${k}(i);`, `let ${v}ok = validAt(${k}u, p.validBase + i);`);
        return num(v, `${v}ok`);
      }
      case 'lit':
      case 'scalar': {
        const x = e.t === 'lit' ? e.value : scalarLiteral(e.slot as never, e.type);
        if (x === null) return nullValue();
        if (typeof x === 'number') return literal(x);
        if (typeof x === 'boolean') return bool(String(x), 'true');
        throw new Refused(`a ${typeof x} literal`);
      }
      case 'un': {
        const x = walk(e.x);
        const out = fresh();
        if (e.op === 'isNull' || e.op === 'notNull') {
          lines.push(`let ${out} = ${e.op === 'isNull' ? '!' : ''}(${x.ok});`);
          return bool(out, 'true');
        }
        if (e.op === 'not') {
          if (x.kind === 'num') throw new Refused('not() of a number');
          lines.push(`let ${out} = !${x.b};`);
          return bool(out, x.ok);
        }
        if (x.kind === 'bool' || !floatType(e)) throw new Refused(`${e.op}() of an integer (integer results keep integer types on the CPU)`);
        lines.push(e.op === 'neg' ? `let ${out} = f64neg(${x.v});` : `let ${out} = vec2<u32>(${x.v}.x, ${x.v}.y & 0x7fffffffu);`);
        return num(out, x.ok);
      }
      case 'bin': {
        const op = e.op;
        if (op === 'and' || op === 'or') {
          const l = walk(e.l);
          const r = walk(e.r);
          if (l.kind === 'num' || r.kind === 'num') throw new Refused(`${op} of non-booleans`);
          const out = fresh();
          // Kleene logic, as the CPU: false AND null = false, true OR null = true, otherwise null wins.
          if (op === 'and') lines.push(`let ${out}ok = (${l.ok} && !${l.b}) || (${r.ok} && !${r.b}) || (${l.ok} && ${r.ok});`, `let ${out} = ${l.ok} && ${r.ok} && ${l.b} && ${r.b};`);
          else lines.push(`let ${out}ok = (${l.ok} && ${l.b}) || (${r.ok} && ${r.b}) || (${l.ok} && ${r.ok});`, `let ${out} = (${l.ok} && ${l.b}) || (${r.ok} && ${r.b});`);
          return bool(out, `${out}ok`);
        }
        const CMP: Record<string, (a: string, b: string) => string> = {
          gt: (a, b) => `f64lt(${b}, ${a})`,
          lt: (a, b) => `f64lt(${a}, ${b})`,
          ge: (a, b) => `f64le(${b}, ${a})`,
          le: (a, b) => `f64le(${a}, ${b})`,
          eq: (a, b) => `f64eq(${a}, ${b})`,
          ne: (a, b) => `!f64eq(${a}, ${b})`,
        };
        const ARITH: Record<string, string> = { add: 'f64add', sub: 'f64sub', mul: 'f64mul', div: 'f64div' };
        if (!(op in CMP) && !(op in ARITH)) throw new Refused(`'${op}' (floordiv, mod and pow have no exact WGSL form here)`);
        if (op in ARITH && !floatType(e)) throw new Refused(`integer '${op}' (integer arithmetic checks overflow on the CPU)`);
        const l = walk(e.l);
        const r = walk(e.r);
        if (l.kind === 'bool' || r.kind === 'bool') throw new Refused(`'${op}' of booleans`);
        const out = fresh();
        lines.push(`let ${out} = ${op in CMP ? CMP[op]!(l.v, r.v) : `${ARITH[op]}(${l.v}, ${r.v})`};`, `let ${out}ok = ${l.ok} && ${r.ok};`);
        return op in CMP ? bool(out, `${out}ok`) : num(out, `${out}ok`);
      }
      case 'call':
        throw new Refused(`function '${e.fn}' has no WGSL form`);
    }
  };
  try {
    const keep = filter ? walk(filter) : null;
    if (keep && keep.kind === 'num') return { refusal: 'the filter is not boolean' };
    const rootType = exprType(expr, schema);
    if (!(rootType.typeId === Type.Float && (rootType as unknown as { precision: number }).precision !== 0)) return { refusal: `${describeExpr(expr)} is not float64 (only float64 results are reduced from fused expressions)` };
    const root = walk(expr);
    if (root.kind === 'bool') return { refusal: 'a boolean result' };
    if (columns.length === 0) return { refusal: 'no column' };
    // A filtered row (predicate false or null) is dropped: to the reduction it is a missing value.
    lines.push(`return Ev(${root.v}, ${root.ok}${keep ? ` && ${keep.ok} && ${keep.b}` : ''});`);
    return { plan: { columns, literals, body: lines.map((l) => `  ${l}`).join('\n') } };
  } catch (e) {
    if (e instanceof Refused) return { refusal: e.message };
    return { refusal: `cannot type ${describeExpr(expr)}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Words of the kernel parameters: n, validBase, nx, pad; validity word offsets (8); literals (16); steps (4). */
const PARAM_WORDS = 32;
const NO_VALIDITY = 0xffffffff;
const ELEMENT_WORKGROUP = 64;

/**
 * The element kernel of a plan: one invocation per row writes the float64 bits and sets the row's validity bit.
 * The expression is evaluated once per row, in one place: inlined into the statistics kernel's loops it made
 * lavapipe compile for a minute.
 */
export function fusedElementShader(plan: FusedPlan): string {
  const cols = plan.columns.map((_, k) => `@group(0) @binding(${k + 4}) var<storage, read> c${k}: array<u32>;\nfn col${k}(i: u32) -> vec2<u32> { return vec2<u32>(c${k}[2u * i], c${k}[2u * i + 1u]); }`).join('\n');
  return /* wgsl */ `${COMMON}
struct Params { n: u32, validBase: u32, nx: u32, pad: u32, vo: array<vec4<u32>, 2>, lits: array<vec4<u32>, 4>, steps: vec4<u32> }
@group(0) @binding(0) var<storage, read_write> outv: array<u32>;
@group(0) @binding(1) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> valid: array<u32>;
@group(0) @binding(3) var<storage, read_write> outbits: array<atomic<u32>>;
${cols}
${FLOAT64}
${/f64(mul|div)\(/.test(plan.body) ? FLOAT64_MUL : ''}
${/f64div\(/.test(plan.body) ? FLOAT64_DIV : ''}
${FLOAT64_CMP}
fn f64le(a: vec2<u32>, b: vec2<u32>) -> bool {
  return !isNan64(a) && !isNan64(b) && !u64lt(key64(b), key64(a));
}
fn divSteps() -> u32 { return p.steps.x; }
fn lit(k: u32) -> vec2<u32> {
  let w = p.lits[k >> 1u];
  return select(w.xy, w.zw, (k & 1u) == 1u);
}
fn validAt(k: u32, j: u32) -> bool {
  let off = p.vo[k >> 2u][k & 3u];
  if (off == ${NO_VALIDITY}u) { return true; }
  return ((valid[off + (j >> 5u)] >> (j & 31u)) & 1u) == 1u;
}
struct Ev { v: vec2<u32>, ok: bool }
fn ev(i: u32) -> Ev {
${plan.body}
}

@compute @workgroup_size(${ELEMENT_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  _ = arrayLength(&valid);
  let i = (wid.x + wid.y * p.nx) * ${ELEMENT_WORKGROUP}u + lid;
  if (i >= p.n) { return; }
  let e = ev(i);
  outv[2u * i] = e.v.x;
  outv[2u * i + 1u] = e.v.y;
  if (e.ok) {
    let j = p.validBase + i;
    atomicOr(&outbits[j >> 5u], 1u << (j & 31u));
  }
}
`;
}

type Numeric = Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/**
 * Evaluate the plan over `batch` on the GPU: the leaves are uploaded (as float64, exactly), the expression
 * runs once per row, and its float64 column and validity stay on the GPU as the statistics kernels' source.
 */
export async function uploadFused(gpu: Gpu, plan: FusedPlan, batch: RecordBatch): Promise<SummarySource> {
  const datas: Data[] = plan.columns.map((name) => batch.data.children[batch.schema.fields.findIndex((f) => f.name === name)]!);
  const n = batch.numRows;
  const ranges = piecesOf(n, 8, maxBindingBytes(gpu), ROWS_PER_GROUP);
  // All input validity bitmaps in one buffer (word offsets in the parameters).
  const offsets = new Array<number>(8).fill(NO_VALIDITY);
  const bitmaps: Uint8Array[] = [];
  let words = 0;
  datas.forEach((d, k) => {
    const v = validityOf(d);
    if (!v) return;
    offsets[k] = words;
    bitmaps.push(v);
    words += Math.ceil(v.length / 4);
  });
  const packed = new Uint8Array(Math.max(16, words * 4));
  let at = 0;
  for (const b of bitmaps) {
    packed.set(b, at);
    at += Math.ceil(b.length / 4) * 4;
  }
  const validIn = upload(gpu, packed);
  const validOut = upload(gpu, new Uint32Array(Math.max(4, Math.ceil(n / 32))));
  const outputs: GPUBuffer[] = [];
  try {
    const pipeline = pipelineFor(gpu, fusedElementShader(plan));
    for (const [start, count] of ranges) {
      const out = gpu.device.createBuffer({ size: Math.max(16, count * 8), usage: USAGE.STORAGE | USAGE.COPY_SRC });
      outputs.push(out);
      if (count === 0) continue;
      const leaves = datas.map((d) => upload(gpu, (d.values as Numeric).subarray(start, start + count), d.values instanceof Float64Array ? undefined : Float64Array));
      const groups = Math.ceil(count / ELEMENT_WORKGROUP);
      const [nx] = grid(groups);
      const params = new Uint32Array(PARAM_WORDS);
      params.set([count, start, nx, 0], 0);
      params.set(offsets, 4);
      const lits = new Float64Array(params.buffer, 12 * 4, 8);
      plan.literals.forEach((x, k) => (lits[k] = x));
      params[28] = 63; // quotient bits of the float64 division (a runtime value, so the loop is not unrolled)
      const uniform = uniformWords(gpu, params);
      try {
        await dispatch(gpu, pipeline, [out, uniform, validIn, validOut, ...leaves], groups, validOut, 4);
      } finally {
        uniform.destroy();
        for (const b of leaves) b.destroy();
      }
    }
  } catch (e) {
    for (const b of outputs) b.destroy();
    validOut.destroy();
    throw e;
  } finally {
    validIn.destroy();
  }
  return {
    kind: 'f64',
    length: n,
    bigint: false,
    hasValidity: true,
    pieces: ranges.map(([start, count], j) => ({ start, count, bindings: (records: GPUBuffer, params: GPUBuffer) => [outputs[j]!, validOut, records, params] })),
    destroy() {
      for (const b of outputs) b.destroy();
      validOut.destroy();
    },
  };
}
