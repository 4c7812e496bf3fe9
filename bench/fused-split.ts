// Where case (a)'s time goes: CPU time of one 2^22-element float64 chunk through the fused reducer
// (copy into WebAssembly memory + chain + sum), for the full chain and its parts, single thread.
// usage: node --import tsx bench/fused-split.ts [--reps 20]
import { fusedReducer } from '../src/kernels/array/fused-reduce.ts';
import type { ArrayExpr } from '../src/kernels/array/elementwise.ts';
import { elementaryWasm } from '../src/kernels/array/elementary-wasm.ts';

const argv = process.argv.slice(2);
const reps = Number(argv[argv.indexOf('--reps') + 1] ?? 20) || 20;
const N = 2 ** 22;
const data = new Float64Array(N);
let s = 12345;
for (let i = 0; i < N; i++) {
  s = (s * 1103515245 + 12345) >>> 0;
  data[i] = s / 2 ** 32;
}
const x: ArrayExpr = { kind: 'input', index: 0 };
const u = (op: string, arg: ArrayExpr): ArrayExpr => ({ kind: 'unary', op, arg } as ArrayExpr);
const b = (op: string, left: ArrayExpr, right: ArrayExpr): ArrayExpr => ({ kind: 'binary', op, left, right } as ArrayExpr);
const c = (value: number): ArrayExpr => ({ kind: 'scalar', value });
const cases: Record<string, ArrayExpr> = {
  'x + 0 (copy + sum)': b('add', x, c(0)),
  'exp(x)': u('exp', x),
  'sin(x)': u('sin', x),
  'exp(x) + 3 sin(x)': b('add', u('exp', x), b('mul', u('sin', x), c(3))),
};
const cpu = (): number => { const t = process.cpuUsage(); return (t.user + t.system) / 1e3; };
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
// the copy alone, as fusedReducer stages it (4096 elements at a time into the module's memory)
{
  const mem = elementaryWasm()!.memory;
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = cpu();
    for (let at = 0; at < N; at += 4096) mem.set(data.subarray(at, at + 4096), 0);
    times.push(cpu() - t);
  }
  console.log(`${'copy only'.padEnd(22)} ${median(times).toFixed(2).padStart(8)} ms/chunk  ${(median(times) * 1e6 / N).toFixed(2)} ns/elem`);
}
for (const [name, e] of Object.entries(cases)) {
  const step = fusedReducer(e, [{ data, offset: 0 }], 'sum', () => true)!;
  let sink = 0;
  const times: number[] = [];
  for (let r = 0; r < reps + 2; r++) {
    const t = cpu();
    const v = step(0, N);
    if (v.kind === 'sum') sink += v.a[0];
    if (r >= 2) times.push(cpu() - t);
  }
  console.log(`${name.padEnd(22)} ${median(times).toFixed(2).padStart(8)} ms/chunk  ${(median(times) * 1e6 / N).toFixed(2)} ns/elem  (${sink.toFixed(3)})`);
}
