// GPU memory for the kernels: uploads written straight into mapped buffers (mappedAtCreation + set: one
// copy, and never writeBuffer from a SharedArrayBuffer view, which crashes Dawn), a small pool for the
// output and read-back buffers whose sizes repeat, compiled pipelines cached per device, and one dispatch.

import { type Gpu, MAP_READ, USAGE, countDispatch, readyGpu, firstLine } from './device.ts';

/** A GPU failure while running one kernel: the caller switches the GPU off and reruns the task on the CPU. */
export class GpuKernelError extends Error {
  override name = 'GpuKernelError';
}

const POOL_BYTES = 64 * 1024 * 1024;

class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private bytes = 0;
  constructor(private readonly device: GPUDevice) {}

  acquire(size: number, usage: number): GPUBuffer {
    const cls = sizeClass(size);
    const list = this.free.get(`${usage}:${cls}`);
    const b = list?.pop();
    if (b) {
      this.bytes -= cls;
      return b;
    }
    return this.device.createBuffer({ size: cls, usage });
  }

  release(b: GPUBuffer): void {
    if (this.bytes + b.size > POOL_BYTES) {
      b.destroy();
      return;
    }
    const key = `${b.usage}:${b.size}`;
    const list = this.free.get(key) ?? [];
    list.push(b);
    this.free.set(key, list);
    this.bytes += b.size;
  }
}

/** Power-of-two size classes from 256 bytes, so buffers of similar sizes are shared. */
function sizeClass(size: number): number {
  let c = 256;
  while (c < size) c *= 2;
  return c;
}

const pools = new WeakMap<GPUDevice, BufferPool>();
const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export function poolOf(gpu: Gpu): BufferPool {
  let p = pools.get(gpu.device);
  if (!p) pools.set(gpu.device, (p = new BufferPool(gpu.device)));
  return p;
}

/** The compute pipeline for `code` (entry point `main`), compiled once per device. */
export function pipelineFor(gpu: Gpu, code: string): GPUComputePipeline {
  let m = pipelines.get(gpu.device);
  if (!m) pipelines.set(gpu.device, (m = new Map()));
  let p = m.get(code);
  if (!p) {
    const module = gpu.device.createShaderModule({ code });
    p = gpu.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    m.set(code, p);
  }
  return p;
}

type View = ArrayBufferView & { readonly length: number; set?: unknown };
type Ctor = { new (buffer: ArrayBuffer): { set(src: ArrayLike<number> | ArrayLike<bigint>): void }; BYTES_PER_ELEMENT: number };

/**
 * A storage buffer holding `src` (any typed array, e.g. on a SharedArrayBuffer). With `as`, elements are
 * converted while copied (Int8 -> Int32, Float32 -> Float64): still one pass. Unused tail bytes are zero.
 */
export function upload(gpu: Gpu, src: View, as?: Ctor, extraUsage = 0): GPUBuffer {
  const bytes = as ? src.length * as.BYTES_PER_ELEMENT : src.byteLength;
  const buf = gpu.device.createBuffer({ size: Math.max(16, align4(bytes)), usage: USAGE.STORAGE | USAGE.COPY_SRC | extraUsage, mappedAtCreation: true });
  const range = buf.getMappedRange();
  if (as) new as(range).set(src as unknown as ArrayLike<number>);
  else new Uint8Array(range).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
  buf.unmap();
  return buf;
}

/** A small uniform buffer of 32-bit words (parameters). */
export function uniformWords(gpu: Gpu, words: ArrayLike<number>): GPUBuffer {
  const buf = gpu.device.createBuffer({ size: Math.max(16, align4(words.length * 4 + 15) & ~15), usage: USAGE.UNIFORM, mappedAtCreation: true });
  new Uint32Array(buf.getMappedRange()).set(words);
  buf.unmap();
  return buf;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Elements per piece when an input of `bytesPerElement` must stay under the binding limit (a multiple of `multiple`). */
export function piecesOf(length: number, bytesPerElement: number, limitBytes: number, multiple: number): Array<[start: number, count: number]> {
  const per = Math.max(multiple, Math.floor(limitBytes / bytesPerElement / multiple) * multiple);
  const out: Array<[number, number]> = [];
  for (let s = 0; s < length; s += per) out.push([s, Math.min(per, length - s)]);
  if (out.length === 0) out.push([0, 0]);
  return out;
}

/** Workgroup grid for `groups` workgroups within the 65535-per-dimension limit: [x, y]. */
export function grid(groups: number): [number, number] {
  const x = Math.min(Math.max(groups, 1), 65535);
  return [x, Math.ceil(Math.max(groups, 1) / x)];
}

/**
 * Run `pipeline` over `groups` workgroups with `bindings` (binding i = bindings[i]), then read back the first
 * `outBytes` of `out`. Validation and out-of-memory errors, a lost device or a failed map become a
 * GpuKernelError, never a result: no value computed on a failing device is returned.
 */
export async function dispatch(gpu: Gpu, pipeline: GPUComputePipeline, bindings: readonly GPUBuffer[], groups: number, out: GPUBuffer, outBytes: number, shape?: [x: number, y: number]): Promise<ArrayBuffer> {
  const device = gpu.device;
  const pool = poolOf(gpu);
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const readback = pool.acquire(outBytes, MAP_READ | USAGE.COPY_DST);
  let mapped = false;
  try {
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: bindings.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y] = shape ?? grid(groups);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    encoder.copyBufferToBuffer(out, 0, readback, 0, align4(outBytes));
    device.queue.submit([encoder.finish()]);
    countDispatch(gpu);
    // Both scopes are popped in this turn, before any other task's kernel can push its own.
    const [validation, oom] = await Promise.all([device.popErrorScope(), device.popErrorScope()]);
    if (validation || oom) throw new GpuKernelError(`GPU kernel failed: ${firstLine((validation ?? oom)!.message)}`);
    await readback.mapAsync(MAP_READ, 0, align4(outBytes));
    mapped = true;
    const result = readback.getMappedRange(0, align4(outBytes)).slice(0, outBytes);
    // A device lost while we waited may still resolve the map: trust nothing read after a loss.
    if (readyGpu() !== gpu) throw new GpuKernelError('GPU device was lost during the kernel');
    return result;
  } catch (e) {
    if (e instanceof GpuKernelError) throw e;
    throw new GpuKernelError(`GPU kernel failed: ${firstLine(e)}`);
  } finally {
    if (mapped) readback.unmap();
    if (readyGpu() === gpu) pool.release(readback);
  }
}

/** An output buffer of at least `bytes` (storage, copy source) from the pool; give it back with `recycle`. */
export function outputBuffer(gpu: Gpu, bytes: number): GPUBuffer {
  return poolOf(gpu).acquire(bytes, USAGE.STORAGE | USAGE.COPY_SRC);
}

export function recycle(gpu: Gpu, b: GPUBuffer): void {
  if (readyGpu() === gpu) poolOf(gpu).release(b);
}
