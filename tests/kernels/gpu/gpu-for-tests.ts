// The GPU the GPU tests run on: probed once per test process. Without any adapter, one visible line
// `GPU tests skipped: <reason>` is printed (once, however many GPU test files load this) and they skip.

import { acquireGpu, gpuUnavailableReason, resetGpuForTesting, type Gpu } from '../../../src/kernels/gpu/device.ts';

let probe: Promise<Gpu | null> | null = null;

export function gpuForTests(): Promise<Gpu | null> {
  probe ??= acquireGpu().then((gpu) => {
    if (!gpu) {
      console.log(`GPU tests skipped: ${gpuUnavailableReason()}`);
      return null;
    }
    return gpu;
  });
  return probe;
}

/** A fresh GPU after a fault test switched it off or simulated its absence. */
export async function freshGpu(): Promise<Gpu> {
  delete process.env.TESSERA_GPU_ADAPTER;
  resetGpuForTesting();
  const gpu = await acquireGpu();
  if (!gpu) throw new Error('the GPU came back unavailable after a reset');
  return gpu;
}

/** Correctly rounded sum of finite doubles (Shewchuk's exact partials, as in Python's math.fsum): the oracle. */
export function fsum(xs: Iterable<number>): number {
  const partials: number[] = [];
  for (let x of xs) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  // Sum the partials from the top, with the half-way correction.
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n]!;
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/** One unit in the last place of x. */
export function ulp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const e = Math.floor(Math.log2(Math.abs(x)));
  return 2 ** Math.max(e - 52, -1074);
}

/** This thread's GPU now (a fault test in another file may have replaced the first one). */
export async function currentGpu(): Promise<Gpu> {
  const gpu = await acquireGpu();
  if (!gpu) throw new Error('no GPU: run the GPU tests only after gpuForTests() found one');
  return gpu;
}
