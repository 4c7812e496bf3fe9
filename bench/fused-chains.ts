// Shared by bench/fused-ab.ts and bench/fused-split.ts: one 2^22-element chunk of uniform [0, 1) values
// (a fixed LCG, so both scripts and both checkouts see the same bits) and case (a)'s chains as expressions.
import type { ArrayExpr } from '../src/kernels/array/elementwise.ts';

export const N = 2 ** 22;
export const data = new Float64Array(N);
let s = 12345;
for (let i = 0; i < N; i++) {
  s = (s * 1103515245 + 12345) >>> 0;
  data[i] = s / 2 ** 32;
}

const x: ArrayExpr = { kind: 'input', index: 0 };
const u = (op: string, arg: ArrayExpr): ArrayExpr => ({ kind: 'unary', op, arg } as ArrayExpr);
const b = (op: string, left: ArrayExpr, right: ArrayExpr): ArrayExpr => ({ kind: 'binary', op, left, right } as ArrayExpr);
const c = (value: number): ArrayExpr => ({ kind: 'scalar', value });

/** x + 0 (the copy into WebAssembly memory plus the sum), the kernels alone, and case (a)'s whole chain. */
export const CHAINS: Record<string, ArrayExpr> = {
  'x + 0 (copy + sum)': b('add', x, c(0)),
  'exp(x)': u('exp', x),
  'sin(x)': u('sin', x),
  'cos(x)': u('cos', x),
  'exp(x) + 3 sin(x)': b('add', u('exp', x), b('mul', u('sin', x), c(3))),
};

export const cpuMs = (): number => { const t = process.cpuUsage(); return (t.user + t.system) / 1e3; };
