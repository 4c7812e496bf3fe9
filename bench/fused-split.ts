// Where case (a)'s time goes: CPU time of one 2^22-element float64 chunk through the fused reducer
// (copy into WebAssembly memory + chain + sum), for the full chain and its parts, single thread.
// usage: node --import tsx bench/fused-split.ts [--reps 20]
import { fusedReducer } from '../src/kernels/array/fused-reduce.ts';
import { CHAINS, N, cpuMs, data } from './fused-chains.ts';
import { elementaryWasm } from '../src/kernels/array/elementary-wasm.ts';

const argv = process.argv.slice(2);
const reps = Number(argv[argv.indexOf('--reps') + 1] ?? 20) || 20;
const cases = CHAINS;
const cpu = cpuMs;
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
