// Fused element-wise evaluation. An expression (plain data: inputs, scalars, unary/binary ops, where,
// casts) is typed by NumPy's rules, compiled once per (expression, input dtypes, rank) into one loop over
// the broadcast output, and run per chunk: a chain of operations costs one pass and one output buffer.

import { allocate, promote, isFloatDType, type AnyTypedArray, type DType } from './dtypes.ts';
import { broadcastShapes, broadcastTo } from './broadcast.ts';
import { isContiguous, sizeOf, view, type Strided } from './strided.ts';
import { cos64, exp64, log64, sin64 } from './elementary.ts';
import { floatMod, floatPow } from '../float-semantics.ts';
import { blockEvalAvailable, compileBlockProgram, runBlockProgram, type BlockInput } from './block-eval.ts';

export const UNARY_OPS = ['neg', 'abs', 'exp', 'log', 'log1p', 'sqrt', 'sin', 'cos', 'tan', 'tanh', 'floor', 'ceil', 'round', 'isnan', 'not'] as const;
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'mod', 'minimum', 'maximum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or'] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];
export type BinaryOp = (typeof BINARY_OPS)[number];

export type ArrayExpr =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'scalar'; readonly value: number | bigint | boolean }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly arg: ArrayExpr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: ArrayExpr; readonly right: ArrayExpr }
  | { readonly kind: 'where'; readonly cond: ArrayExpr; readonly a: ArrayExpr; readonly b: ArrayExpr }
  | { readonly kind: 'cast'; readonly dtype: DType; readonly arg: ArrayExpr };

/** A scalar's "weak" type (NumPy 2): it adapts to the array it meets instead of widening it. */
type Typed = DType | 'weak-int' | 'weak-float' | 'weak-bool';

const FLOAT_UNARY = new Set<UnaryOp>(['exp', 'log', 'log1p', 'sqrt', 'sin', 'cos', 'tan', 'tanh']);
const COMPARISONS = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

function concrete(t: Typed): DType {
  return t === 'weak-int' ? 'int64' : t === 'weak-float' ? 'float64' : t === 'weak-bool' ? 'bool' : t;
}

function combine(a: Typed, b: Typed): Typed {
  const weakA = a.startsWith('weak');
  const weakB = b.startsWith('weak');
  if (weakA && weakB) {
    if (a === 'weak-float' || b === 'weak-float') return 'weak-float';
    if (a === 'weak-int' || b === 'weak-int') return 'weak-int';
    return 'weak-bool';
  }
  if (weakA || weakB) {
    const [arr, weak] = weakA ? [b as DType, a] : [a as DType, b];
    if (weak === 'weak-float') return isFloatDType(arr) ? arr : 'float64';
    if (weak === 'weak-int') return arr === 'bool' ? 'int64' : arr;
    return arr;
  }
  return promote(a as DType, b as DType);
}

/** Arithmetic on bools counts them (as pandas' sum of a mask): bool operands act as int32. */
function arithmetic(t: Typed): Typed {
  return t === 'bool' ? 'int32' : t === 'weak-bool' ? 'weak-int' : t;
}

function floatOf(t: Typed): Typed {
  if (t === 'float32') return 'float32';
  if (t.startsWith('weak')) return 'weak-float';
  return 'float64';
}

/** The dtype of an expression's result, given its inputs' dtypes. */
export function typeOf(expr: ArrayExpr, inputs: readonly DType[]): Typed {
  switch (expr.kind) {
    case 'input': {
      const t = inputs[expr.index];
      if (t === undefined) throw new RangeError(`array expression reads input ${expr.index} but only ${inputs.length} were given`);
      return t;
    }
    case 'scalar':
      return typeof expr.value === 'boolean' ? 'weak-bool' : typeof expr.value === 'bigint' || Number.isInteger(expr.value) ? 'weak-int' : 'weak-float';
    case 'cast':
      typeOf(expr.arg, inputs);
      return expr.dtype;
    case 'where':
      typeOf(expr.cond, inputs);
      return combine(typeOf(expr.a, inputs), typeOf(expr.b, inputs));
    case 'unary': {
      const t = typeOf(expr.arg, inputs);
      if (FLOAT_UNARY.has(expr.op)) return floatOf(t);
      if (expr.op === 'isnan' || expr.op === 'not') return t.startsWith('weak') ? 'weak-bool' : 'bool';
      if (expr.op === 'neg' || expr.op === 'abs') return arithmetic(t);
      return t; // floor, ceil, round keep the dtype (integers are already whole)
    }
    case 'binary': {
      const l = typeOf(expr.left, inputs);
      const r = typeOf(expr.right, inputs);
      if (COMPARISONS.has(expr.op) || expr.op === 'and' || expr.op === 'or') {
        return l.startsWith('weak') && r.startsWith('weak') ? 'weak-bool' : 'bool';
      }
      if (expr.op === 'div') return floatOf(combine(l, r));
      if (expr.op === 'minimum' || expr.op === 'maximum') return combine(l, r);
      return arithmetic(combine(arithmetic(l), arithmetic(r)));
    }
  }
}

export function resultDType(expr: ArrayExpr, inputs: readonly DType[]): DType {
  return concrete(typeOf(expr, inputs));
}

// ---- code generation: int64 values are bigints in the generated code, every other dtype a number ----

interface Gen {
  code: string;
  big: boolean;
}

function asNumber(g: Gen): string {
  return g.big ? `Number(${g.code})` : g.code;
}

function asBig(g: Gen): string {
  return g.big ? g.code : `$toBig(${g.code})`;
}

/** Code for `x` converted to dtype t, given the value's current representation. */
function convert(g: Gen, t: DType): Gen {
  switch (t) {
    case 'int64':
      return { code: asBig(g), big: true };
    case 'bool':
      return { code: `(${g.big ? `${g.code} !== 0n` : `${g.code} !== 0`} ? 1 : 0)`, big: false };
    case 'int32':
      return { code: g.big ? `Number(BigInt.asIntN(32, ${g.code}))` : `(${g.code} | 0)`, big: false };
    case 'uint8':
      return { code: g.big ? `Number(BigInt.asUintN(8, ${g.code}))` : `(${g.code} & 255)`, big: false };
    case 'float32':
      return { code: `Math.fround(${asNumber(g)})`, big: false };
    case 'float64':
      return { code: asNumber(g), big: false };
  }
}

function generate(expr: ArrayExpr, inputs: readonly DType[], scalars: Array<number | bigint>): Gen {
  const t = concrete(typeOf(expr, inputs));
  switch (expr.kind) {
    case 'input':
      return { code: `v${expr.index}`, big: inputs[expr.index] === 'int64' };
    case 'scalar': {
      scalars.push(typeof expr.value === 'boolean' ? (expr.value ? 1 : 0) : expr.value);
      // left as it is (a number or a bigint): the operation it meets converts it to its own type. Converting
      // a weak int to int64 here would make a float chain (x.sin().mul(3)) build a BigInt per element.
      const name = `s[${scalars.length - 1}]`;
      void t;
      return { code: name, big: typeof expr.value === 'bigint' };
    }
    case 'cast':
      return convert(generate(expr.arg, inputs, scalars), expr.dtype);
    case 'where': {
      const c = generate(expr.cond, inputs, scalars);
      const a = convert(generate(expr.a, inputs, scalars), t);
      const b = convert(generate(expr.b, inputs, scalars), t);
      // NaN counts as true, as NumPy's truthiness of a float
      return { code: `((${c.code}) !== ${c.big ? '0n' : '0'} ? ${a.code} : ${b.code})`, big: a.big };
    }
    case 'unary': {
      const a = generate(expr.arg, inputs, scalars);
      if (FLOAT_UNARY.has(expr.op)) {
        // exp/log/sin/cos: tessera's own (elementary.ts), so this loop and the SIMD kernels agree bit for bit
        const fn = OWN_FLOAT_FUNCTIONS.has(expr.op) ? `$${expr.op}64` : `Math.${expr.op}`;
        return convert({ code: `${fn}(${asNumber(a)})`, big: false }, t);
      }
      switch (expr.op) {
        case 'isnan':
          return { code: a.big ? '0' : `(${a.code} !== ${a.code} ? 1 : 0)`, big: false };
        case 'not':
          return { code: a.big ? `(${a.code} === 0n ? 1 : 0)` : `(${a.code} === 0 ? 1 : 0)`, big: false };
        case 'neg': {
          const v = convert(a, t);
          return v.big ? { code: `BigInt.asIntN(64, -${v.code})`, big: true } : convert({ code: `(-${v.code})`, big: false }, t);
        }
        case 'abs': {
          const v = convert(a, t);
          return v.big ? { code: `BigInt.asIntN(64, ${v.code} < 0n ? -${v.code} : ${v.code})`, big: true } : convert({ code: `Math.abs(${v.code})`, big: false }, t);
        }
        case 'floor':
        case 'ceil':
          return a.big || t !== 'float64' && t !== 'float32' ? a : convert({ code: `Math.${expr.op}(${a.code})`, big: false }, t);
        case 'round':
          // NumPy rounds half to even
          return a.big || t !== 'float64' && t !== 'float32' ? a : convert({ code: `$roundHalfEven(${a.code})`, big: false }, t);
      }
      throw new Error(`unknown unary op ${expr.op}`);
    }
    case 'binary': {
      const l0 = generate(expr.left, inputs, scalars);
      const r0 = generate(expr.right, inputs, scalars);
      if (COMPARISONS.has(expr.op)) {
        const sym = { eq: '===', ne: '!==', lt: '<', le: '<=', gt: '>', ge: '>=' }[expr.op as 'eq'];
        // both sides in their common dtype (a bigint never === a number)
        const common = concrete(combine(typeOf(expr.left, inputs), typeOf(expr.right, inputs)));
        const l = convert(l0, common), r = convert(r0, common);
        return { code: `(${l.code} ${sym} ${r.code} ? 1 : 0)`, big: false };
      }
      if (expr.op === 'and' || expr.op === 'or') {
        const l = convert(l0, 'bool'), r = convert(r0, 'bool');
        return { code: `(${l.code} ${expr.op === 'and' ? '&' : '|'} ${r.code})`, big: false };
      }
      const l = convert(l0, t);
      const r = convert(r0, t);
      if (l.big) {
        switch (expr.op) {
          case 'add': return { code: `BigInt.asIntN(64, ${l.code} + ${r.code})`, big: true };
          case 'sub': return { code: `BigInt.asIntN(64, ${l.code} - ${r.code})`, big: true };
          case 'mul': return { code: `BigInt.asIntN(64, ${l.code} * ${r.code})`, big: true };
          case 'pow': return { code: `$powBig(${l.code}, ${r.code})`, big: true };
          case 'mod': return { code: `$modBig(${l.code}, ${r.code})`, big: true };
          case 'minimum': return { code: `(${l.code} < ${r.code} ? ${l.code} : ${r.code})`, big: true };
          case 'maximum': return { code: `(${l.code} > ${r.code} ? ${l.code} : ${r.code})`, big: true };
        }
      }
      const integer = t !== 'float64' && t !== 'float32';
      switch (expr.op) {
        case 'add': return convert({ code: `(${l.code} + ${r.code})`, big: false }, t);
        case 'sub': return convert({ code: `(${l.code} - ${r.code})`, big: false }, t);
        case 'mul': return convert({ code: integer ? `Math.imul(${l.code}, ${r.code})` : `(${l.code} * ${r.code})`, big: false }, t);
        case 'div': return convert({ code: `(${l.code} / ${r.code})`, big: false }, t);
        case 'pow': return convert({ code: integer ? `$powInt(${l.code}, ${r.code})` : `$powFloat(${l.code}, ${r.code})`, big: false }, t);
        case 'mod': return convert({ code: integer ? `$modInt(${l.code}, ${r.code})` : `$modFloat(${l.code}, ${r.code})`, big: false }, t);
        case 'minimum': return { code: `$minimum(${l.code}, ${r.code})`, big: false };
        case 'maximum': return { code: `$maximum(${l.code}, ${r.code})`, big: false };
      }
      throw new Error(`unknown binary op ${expr.op}`);
    }
  }
}

const OWN_FLOAT_FUNCTIONS = new Set<UnaryOp>(['exp', 'log', 'sin', 'cos']);

// Helpers the generated code calls (NumPy semantics where JS differs).
const HELPERS = {
  $exp64: exp64,
  $log64: log64,
  $sin64: sin64,
  $cos64: cos64,
  $toBig(x: number): bigint {
    if (!Number.isFinite(x)) throw new RangeError(`cannot convert ${x} to int64; filter or fill non-finite values first`);
    return BigInt(Math.trunc(x));
  },
  $roundHalfEven(x: number): number {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  // integer x % 0 is 0 in NumPy; otherwise the result takes the divisor's sign
  $modInt(a: number, b: number): number {
    if (b === 0) return 0;
    const m = a % b;
    return m !== 0 && (m < 0) !== (b < 0) ? m + b : m;
  },
  $modFloat: floatMod,
  $powFloat: floatPow,
  $modBig(a: bigint, b: bigint): bigint {
    if (b === 0n) return 0n;
    const m = a % b;
    return m !== 0n && (m < 0n) !== (b < 0n) ? m + b : m;
  },
  $powInt(a: number, b: number): number {
    if (b < 0) throw new RangeError('integers to negative integer powers are not allowed (as NumPy); cast to float64 first with astype');
    // by squaring with wrapping 32-bit products: Math.pow rounds to a double first, so a power past 2^53
    // lost its low bits (int32 2147483647 ** 3 gave 0, NumPy 2147483647). The caller narrows to the dtype.
    let result = 1;
    let base = a | 0;
    for (let e = b; e > 0; e = Math.floor(e / 2)) {
      if (e % 2 === 1) result = Math.imul(result, base);
      base = Math.imul(base, base);
    }
    return result;
  },
  $powBig(a: bigint, b: bigint): bigint {
    if (b < 0n) throw new RangeError('integers to negative integer powers are not allowed (as NumPy); cast to float64 first with astype');
    return BigInt.asIntN(64, a ** b);
  },
  // NaN propagates, as NumPy's minimum/maximum
  $minimum(a: number, b: number): number {
    return a !== a || b !== b ? NaN : a < b ? a : b;
  },
  $maximum(a: number, b: number): number {
    return a !== a || b !== b ? NaN : a > b ? a : b;
  },
};

/** The expression without its scalar values (only their kinds), so one compiled loop serves them all. */
function shapeKey(e: ArrayExpr): string {
  switch (e.kind) {
    case 'input': return `i${e.index}`;
    case 'scalar': return `s:${typeOf(e, [])}:${typeof e.value}`;
    case 'cast': return `cast(${e.dtype},${shapeKey(e.arg)})`;
    case 'where': return `where(${shapeKey(e.cond)},${shapeKey(e.a)},${shapeKey(e.b)})`;
    case 'unary': return `${e.op}(${shapeKey(e.arg)})`;
    case 'binary': return `${e.op}(${shapeKey(e.left)},${shapeKey(e.right)})`;
  }
}

type Compiled = (out: AnyTypedArray, inputs: Strided[], shape: number[], s: Array<number | bigint>, h: typeof HELPERS) => void;
const cache = new Map<string, { fn: Compiled; scalars: Array<number | bigint> }>();

function compile(expr: ArrayExpr, dtypes: readonly DType[], nd: number, out: DType): { fn: Compiled; scalars: Array<number | bigint> } {
  const scalars: Array<number | bigint> = [];
  const body = convert(generate(expr, dtypes, scalars), out);
  // Scalars are passed in, so one compiled loop serves every value of the constants.
  const key = `${shapeKey(expr)}|${dtypes.join()}|${nd}|${out}`;
  const hit = cache.get(key);
  if (hit) return { fn: hit.fn, scalars };
  const k = dtypes.length;
  const lines: string[] = [];
  lines.push(`const { ${Object.keys(HELPERS).join(', ')} } = h;`);
  for (let i = 0; i < k; i++) lines.push(`const d${i} = inputs[${i}].data, st${i} = inputs[${i}].stride; let b${i} = inputs[${i}].offset;`);
  if (nd === 0) {
    for (let i = 0; i < k; i++) lines.push(`const v${i} = d${i}[b${i}];`);
    lines.push(`out[0] = ${body.code};`, 'return;');
  } else {
    lines.push('const nd = shape.length, inner = shape[nd - 1];');
    lines.push('let total = 1; for (const n of shape) total *= n; if (total === 0) return;');
    lines.push('const counter = new Array(nd).fill(0);');
    for (let i = 0; i < k; i++) lines.push(`const is${i} = st${i}[nd - 1];`);
    lines.push('for (let flat = 0; flat < total;) {');
    for (let i = 0; i < k; i++) lines.push(`  let p${i} = b${i};`);
    lines.push(`  for (let j = 0; j < inner; j++, flat++${Array.from({ length: k }, (_, i) => `, p${i} += is${i}`).join('')}) {`);
    for (let i = 0; i < k; i++) lines.push(`    const v${i} = d${i}[p${i}];`);
    lines.push(`    out[flat] = ${body.code};`);
    lines.push('  }');
    lines.push('  for (let axis = nd - 2; axis >= 0; axis--) {');
    lines.push(`    counter[axis]++;${Array.from({ length: k }, (_, i) => ` b${i} += st${i}[axis];`).join('')}`);
    lines.push('    if (counter[axis] < shape[axis]) break;');
    lines.push(`    ${Array.from({ length: k }, (_, i) => `b${i} -= st${i}[axis] * shape[axis];`).join(' ')} counter[axis] = 0;`);
    lines.push('  }');
    lines.push('}');
  }
  // Only op names from fixed tables and numeric indices reach this source; user values arrive as `s`.
  const fn = new Function('out', 'inputs', 'shape', 's', 'h', lines.join('\n')) as Compiled;
  if (cache.size > 1000) cache.clear(); // bounded: programs rarely build this many distinct chains
  cache.set(key, { fn, scalars });
  return { fn, scalars };
}

/**
 * Evaluates `expr` over `inputs` (broadcast together by NumPy's rules) into a new contiguous array on a
 * SharedArrayBuffer (or into `into`). `outDType` overrides the result dtype (a cast at the end).
 */
export function evaluate(expr: ArrayExpr, inputs: readonly Strided[], outDType?: DType, into?: AnyTypedArray): Strided {
  const dtypes = inputs.map((x) => dtypeOfInput(x));
  const shape = broadcastShapes(...inputs.map((x) => x.shape));
  const dtype = outDType ?? resultDType(expr, dtypes);
  // `into`: a scratch buffer of the result's type, at least as long (fused reductions reuse one)
  const out = into ?? allocate(dtype, sizeOf(shape));
  if (dtype === 'float64' && evaluateBlocks(expr, inputs, dtypes, shape, out as Float64Array)) return view(out, shape);
  const { fn, scalars } = compile(expr, dtypes, shape.length, dtype);
  fn(out, inputs.map((x) => broadcastTo(x, shape)), shape, scalars, HELPERS);
  return view(out, shape);
}

/** Below this many elements the generated loop is as fast as the block kernels (the results are the same). */
const BLOCK_MIN = 256;

/**
 * The float64 chain a block at a time through the SIMD kernels (block-eval.ts), when every input is either
 * contiguous with the output's shape or a single value; false (nothing written) otherwise.
 */
function evaluateBlocks(expr: ArrayExpr, inputs: readonly Strided[], dtypes: readonly DType[], shape: readonly number[], out: Float64Array): boolean {
  const n = sizeOf(shape);
  if (n < BLOCK_MIN || !blockEvalAvailable()) return false;
  const runs: BlockInput[] = [];
  for (const x of inputs) {
    if (!(x.data instanceof Float64Array)) return false;
    const single = sizeOf(x.shape) === 1;
    if (!single && (x.shape.length !== shape.length || x.shape.some((d, i) => d !== shape[i]) || !isContiguous(x))) return false;
    runs.push({ data: x.data, offset: x.offset, scalar: single });
  }
  const program = compileBlockProgram(expr, (e) => concrete(typeOf(e, dtypes)) === 'float64');
  if (!program) return false;
  runBlockProgram(program, runs, n, out, 0, BLOCK_JS);
  return true;
}

/** The operations the block programs run in JavaScript (no kernel), exactly as the generated loop writes them. */
const BLOCK_JS = {
  unary: (op: UnaryOp): ((x: number) => number) => {
    switch (op) {
      case 'log1p': return Math.log1p;
      case 'tan': return Math.tan;
      case 'tanh': return Math.tanh;
      case 'round': return HELPERS.$roundHalfEven;
      case 'exp': return exp64;
      case 'log': return log64;
      case 'sin': return sin64;
      case 'cos': return cos64;
      case 'neg': return (x) => -x;
      case 'abs': return Math.abs;
      case 'sqrt': return Math.sqrt;
      case 'floor': return Math.floor;
      case 'ceil': return Math.ceil;
      default: throw new Error(`no float64 block form for ${op}`);
    }
  },
  binary: (op: BinaryOp): ((a: number, b: number) => number) => {
    switch (op) {
      case 'pow': return floatPow;
      case 'mod': return floatMod;
      default: throw new Error(`no float64 block form for ${op}`);
    }
  },
};

/** Inputs may carry their dtype (bool arrays are Uint8Arrays that say so). */
function dtypeOfInput(x: Strided & { dtype?: string }): DType {
  if (x.dtype === 'bool') return 'bool';
  const d = x.data;
  if (d instanceof Float64Array) return 'float64';
  if (d instanceof Float32Array) return 'float32';
  if (d instanceof Int32Array) return 'int32';
  if (d instanceof BigInt64Array) return 'int64';
  if (d instanceof Uint8Array) return 'uint8';
  throw new TypeError('element-wise input must be a Float64Array, Float32Array, Int32Array, BigInt64Array or Uint8Array view');
}

export function unary(op: UnaryOp, x: Strided): Strided {
  return evaluate({ kind: 'unary', op, arg: { kind: 'input', index: 0 } }, [x]);
}

export function binary(op: BinaryOp, a: Strided, b: Strided): Strided {
  return evaluate({ kind: 'binary', op, left: { kind: 'input', index: 0 }, right: { kind: 'input', index: 1 } }, [a, b]);
}

export type { AnyTypedArray };
