// A/B of the fused reducer between two checkouts in one process, runs interleaved (load on a shared box
// inflates both alike): CPU ms per 2^22-element chunk, min and median per chain.
// usage: node --import tsx bench/fused-ab.ts /path/to/base/checkout [--reps 15]
import { resolve } from 'node:path';
import { CHAINS, N, cpuMs, data } from './fused-chains.ts';

const argv = process.argv.slice(2);
const basePath = resolve(argv[0]!);
const reps = Number(argv[argv.indexOf('--reps') + 1] ?? 15) || 15;
type Reducer = typeof import('../src/kernels/array/fused-reduce.ts').fusedReducer;
const mine: Reducer = (await import('../src/kernels/array/fused-reduce.ts')).fusedReducer;
const base: Reducer = (await import(`${basePath}/src/kernels/array/fused-reduce.ts`)).fusedReducer;
const cases = CHAINS;
const cpu = cpuMs;
const stats = (xs: number[]) => { const v = [...xs].sort((p, q) => p - q); return `min ${v[0]!.toFixed(2)} med ${v[v.length >> 1]!.toFixed(2)}`; };
for (const [name, e] of Object.entries(cases)) {
  const steps = [base, mine].map((f) => f(e, [{ data, offset: 0 }], 'sum', () => true)!);
  const times: number[][] = [[], []];
  const sums = [0, 0];
  for (let r = 0; r < reps + 2; r++)
    for (const k of [0, 1]) {
      const t = cpu();
      const v = steps[k]!(0, N);
      const dt = cpu() - t;
      if (v.kind === 'sum') sums[k] = v.a[0] + v.a[1] + v.a[2] + v.a[3];
      if (r >= 2) times[k]!.push(dt);
    }
  console.log(`${name.padEnd(18)} base ${stats(times[0]!)}  new ${stats(times[1]!)} ms/chunk   sums ${sums[0]} ${sums[1]}`);
}
