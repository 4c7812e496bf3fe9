// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the counter-based
// bijection behind numpy's Philox, JAX and cuRAND: 128-bit counter + 64-bit key -> 128 random bits.

import { WASM_MAX_BLOCKS, wasmPhilox } from './philox-wasm.ts';

// Round multipliers and the Weyl increments that bump the key between rounds (the published constants).
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

// mulhi(M, c) is computed from exact double products of c with M's 16-bit halves (each < 2^48), so the
// hot loop needs neither BigInt nor 64-bit integers.
const M0_LO = M0 & 0xffff;
const M0_HI = M0 >>> 16;
const M1_LO = M1 & 0xffff;
const M1_HI = M1 >>> 16;
const TWO16 = 65536;
// Multiplying by a power of two is exact in doubles and cheaper than dividing.
const INV_TWO16 = 1 / 65536;
const INV_TWO32 = 1 / 4294967296;

export const PHILOX_ROUNDS = 10;

let useWasm = true;
let useSimd = true;
/** Tests compare both paths: false runs the JavaScript rounds even where WebAssembly is available. */
export function setPhiloxWasm(on: boolean): boolean {
  const was = useWasm;
  useWasm = on;
  return was && wasmPhilox() !== null;
}
/** Tests compare the SIMD kernel with the one-block-at-a-time one: false runs the latter. */
export function setPhiloxSimd(on: boolean): boolean {
  const was = useSimd;
  useSimd = on;
  return was && wasmPhilox()?.blocks4 != null;
}

/**
 * Philox4x32 with `rounds` rounds on counter (c0..c3) and key (k0, k1); the four output words go to
 * out[offset..offset+3] as unsigned 32-bit integers.
 */
export function philox4x32(
  c0: number, c1: number, c2: number, c3: number,
  k0: number, k1: number,
  out: Uint32Array, offset: number,
  rounds: number = PHILOX_ROUNDS,
): void {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = c2 >>> 0, x3 = c3 >>> 0;
  let key0 = k0 >>> 0, key1 = k1 >>> 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      key0 = (key0 + W0) >>> 0;
      key1 = (key1 + W1) >>> 0;
    }
    // hi/lo of M0 * x0
    const a = x0 * M0_LO;
    const b = x0 * M0_HI;
    const hi0 = ((b * INV_TWO16) >>> 0) + (((b & 0xffff) * TWO16 + a) * INV_TWO32 >>> 0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    // hi/lo of M1 * x2
    const c = x2 * M1_LO;
    const d = x2 * M1_HI;
    const hi1 = ((d * INV_TWO16) >>> 0) + (((d & 0xffff) * TWO16 + c) * INV_TWO32 >>> 0);
    const lo1 = Math.imul(M1, x2) >>> 0;
    const n0 = (hi1 ^ x1 ^ key0) >>> 0;
    const n2 = (hi0 ^ x3 ^ key1) >>> 0;
    x0 = n0;
    x1 = lo1;
    x2 = n2;
    x3 = lo0;
  }
  out[offset] = x0;
  out[offset + 1] = x1;
  out[offset + 2] = x2;
  out[offset + 3] = x3;
}

/**
 * `count` consecutive blocks starting at counter (c0, c1, c2, c3), incrementing the 96-bit (c0, c1, c2),
 * written as 4 words each to out[0..4*count). A call per block costs nothing measurable (V8 inlines
 * philox4x32: 2M blocks in ~165 ms either way), so the rounds live in one place.
 */
export function philoxBlocks(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, count: number, out: Uint32Array): void {
  let ctr0 = c0 >>> 0, ctr1 = c1 >>> 0, ctr2 = c2 >>> 0;
  const wasm = useWasm ? wasmPhilox() : null;
  if (wasm) {
    // the same rounds in WebAssembly (one i64.mul per product), a batch at a time through its memory
    for (let done = 0; done < count;) {
      // a call never carries c0 into c1 (the SIMD kernel cannot): a batch stops at c0's wrap
      const n = Math.min(WASM_MAX_BLOCKS, count - done, 4294967296 - ctr0);
      if (wasm.blocks4 && useSimd) wasm.blocks4(ctr0, ctr1, ctr2, c3, k0, k1, n, PHILOX_ROUNDS);
      else wasm.blocks(ctr0, ctr1, ctr2, c3, k0, k1, n, PHILOX_ROUNDS);
      out.set(wasm.words.subarray(0, 4 * n), 4 * done);
      done += n;
      const next = ctr0 + n;
      ctr0 = next >>> 0;
      if (next >= 4294967296) {
        ctr1 = (ctr1 + 1) >>> 0;
        if (ctr1 === 0) ctr2 = (ctr2 + 1) >>> 0;
      }
    }
    return;
  }
  for (let i = 0, o = 0; i < count; i++, o += 4) {
    philox4x32(ctr0, ctr1, ctr2, c3, k0, k1, out, o);
    ctr0 = (ctr0 + 1) >>> 0;
    if (ctr0 === 0) {
      ctr1 = (ctr1 + 1) >>> 0;
      if (ctr1 === 0) ctr2 = (ctr2 + 1) >>> 0;
    }
  }
}

/** Whether philoxBlocks runs the SIMD kernel now (WebAssembly SIMD available, neither switched off). */
export function philoxSimdActive(): boolean {
  return useWasm && useSimd && wasmPhilox()?.blocks4 != null;
}

/**
 * philoxBlocks for at most WASM_MAX_BLOCKS blocks, its words left in the SIMD kernel's memory
 * (wasmPhilox().words), where the conversion kernels read them; only while philoxSimdActive().
 */
export function philoxBlocksInKernel(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, count: number): void {
  const w = wasmPhilox()!;
  if (count > WASM_MAX_BLOCKS) throw new RangeError(`philoxBlocksInKernel: ${count} blocks; at most ${WASM_MAX_BLOCKS}`);
  if ((c0 >>> 0) + count <= 4294967296) {
    w.blocks4!(c0 >>> 0, c1 >>> 0, c2 >>> 0, c3, k0, k1, count, PHILOX_ROUNDS);
    return;
  }
  // c0 wraps inside the run (once every 2^32 blocks): two kernel calls, assembled through a copy
  const tmp = new Uint32Array(4 * count);
  philoxBlocks(c0, c1, c2, c3, k0, k1, count, tmp);
  w.words.set(tmp);
}
