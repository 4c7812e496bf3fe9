// Philox draws on the GPU for NDArray random chunks: uniforms and integers bit-identical to src/random (the GPU
// writes the exact float64 bits / integers; low + span * u is applied here in float64 as on the CPU), normals
// within the documented tolerance (float32 Box-Muller). Other distributions stay on the CPU kernels.

import { type StreamStart } from '../../random/stream.ts';
import { ElementStream } from '../../random/stream.ts';
import { type Gpu } from './device.ts';
import { dispatch, outputBuffer, pipelineFor, recycle, uniformWords } from './buffers.ts';
import { INTEGER_RETRY, RANDOM_WORKGROUP, integersShader, normalShader, uniformShader } from './wgsl/philox.ts';

const TWO32 = 4294967296;
/** Blocks per dispatch: keeps each read-back under 64 MiB and the thread index within 32 bits. */
const MAX_BLOCKS = 1 << 22;

function params(s: StreamStart, firstBlock: number, count: number, nx: number, extra: [range: number, limit: number, full: number] = [0, 0, 0]): Uint32Array {
  return Uint32Array.from([s.key0, s.key1, s.p0, s.p1, s.p2, firstBlock % TWO32, Math.floor(firstBlock / TWO32), count, nx, ...extra]);
}

async function run(gpu: Gpu, code: string, s: StreamStart, firstBlock: number, count: number, wordsPerItem: number, extra?: [number, number, number]): Promise<Uint32Array> {
  const groups = Math.ceil(count / RANDOM_WORKGROUP);
  const nx = Math.min(groups, 65535);
  const bytes = count * wordsPerItem * 4;
  const out = outputBuffer(gpu, bytes);
  const u = uniformWords(gpu, params(s, firstBlock, count, nx, extra));
  try {
    return new Uint32Array(await dispatch(gpu, pipelineFor(gpu, code), [out, u], groups, out, bytes));
  } finally {
    recycle(gpu, out);
    u.destroy();
  }
}

/** Paired layout (two elements per block): element e's value from `pair(words, blockWordOffset, half)`. */
async function fillPaired(gpu: Gpu, code: string, wordsPerBlock: number, s: StreamStart, first: number, count: number, write: (words: Uint32Array, block: number, half: number, at: number) => void): Promise<void> {
  if (count <= 0) return;
  const firstBlock = Math.floor(first / 2);
  const lastBlock = Math.floor((first + count - 1) / 2);
  for (let b = firstBlock; b <= lastBlock; b += MAX_BLOCKS) {
    const n = Math.min(MAX_BLOCKS, lastBlock - b + 1);
    const words = await run(gpu, code, s, b, n, wordsPerBlock);
    const from = Math.max(first, 2 * b);
    const to = Math.min(first + count, 2 * (b + n));
    for (let e = from; e < to; e++) write(words, (e >> 1) - b, e & 1, e - first);
  }
}

/** Uniforms on [low, high) for elements [first, first + count): the CPU generator's exact values. */
export async function gpuUniform(gpu: Gpu, s: StreamStart, first: number, count: number, out: Float64Array, offset: number, low = 0, high = 1): Promise<void> {
  const span = high - low;
  await fillPaired(gpu, uniformShader(), 4, s, first, count, (words, block, half, at) => {
    const f = new Float64Array(words.buffer, words.byteOffset + block * 16, 2);
    out[offset + at] = low + span * f[half]!;
  });
}

/** Normals: loc + scale * z with z the GPU's float32 Box-Muller value (docs/GPU.md gives the tolerance). */
export async function gpuNormal(gpu: Gpu, s: StreamStart, first: number, count: number, out: Float64Array, offset: number, loc = 0, scale = 1): Promise<void> {
  await fillPaired(gpu, normalShader(), 2, s, first, count, (words, block, half, at) => {
    const z = new Float32Array(words.buffer, words.byteOffset + block * 8, 2)[half]!;
    out[offset + at] = loc + scale * z;
  });
}

/** Whether gpuIntegers handles [low, high): ranges up to 2^32 (wider ones use 53-bit draws, on the CPU). */
export function gpuIntegersSupported(low: number, high: number): boolean {
  return high - low <= TWO32;
}

/** Integers on [low, high), high - low <= 2^32: the CPU generator's exact values. */
export async function gpuIntegers(gpu: Gpu, s: StreamStart, first: number, count: number, out: Float64Array, offset: number, low: number, high: number): Promise<void> {
  const range = high - low;
  const full = TWO32 % range === 0 ? 1 : 0;
  const limit = full ? 0 : TWO32 - (TWO32 % range);
  for (let e = 0; e < count; e += MAX_BLOCKS) {
    const n = Math.min(MAX_BLOCKS, count - e);
    const r = await run(gpu, integersShader(), s, first + e, n, 1, [range === TWO32 ? 0 : range, limit, full]);
    let retry: ElementStream | null = null;
    for (let j = 0; j < n; j++) {
      let x = r[j]!;
      if (x === INTEGER_RETRY && !full) {
        // Ran out of GPU blocks (probability < 2^-128): the CPU walks the same substream.
        retry ??= new ElementStream(s);
        retry.seek(first + e + j);
        let w = retry.word();
        while (w >= limit) w = retry.word();
        x = w % range;
      }
      out[offset + e + j] = low + x;
    }
  }
}
