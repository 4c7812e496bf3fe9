// The one WebGPU device of this process or worker thread: acquired lazily through the `webgpu` package
// (Dawn), kept referenced for the thread's life, and switched off for the rest of the run on any loss.
/// <reference types="@webgpu/types" />

/** Buffer usage and map-mode flags (the WebGPU constants; numbers, so no globals are installed). */
export const USAGE = { MAP_READ: 0x0001, MAP_WRITE: 0x0002, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080 } as const;
export const MAP_READ = 0x0001;

export interface Gpu {
  readonly device: GPUDevice;
  /** "vendor architecture (description)" of the adapter, for explain() and warnings. */
  readonly adapterName: string;
  /** Largest storage binding the device accepts (bytes); bigger inputs are split. */
  readonly maxBindingBytes: number;
}

type State =
  | { readonly status: 'unprobed' }
  | { readonly status: 'probing'; readonly promise: Promise<Gpu | null> }
  | { readonly status: 'ready'; readonly gpu: Gpu }
  | { readonly status: 'unavailable'; readonly reason: string }
  | { readonly status: 'disabled'; readonly reason: string };

let state: State = { status: 'unprobed' };
// Every object `create()` returned, and every device: Dawn aborts the process when they are collected while
// in use (see shared WEBGPU-NOTES), so they stay referenced for the process's life, even after a reset.
const keepAlive: unknown[] = [];
let warned = false;

/**
 * Hooks for the fault tests. `TESSERA_GPU_ADAPTER=none` (read at acquisition, inherited by workers) makes
 * adapter acquisition return null as on a machine without a GPU; `maxBindingBytes` forces input splitting;
 * `loseDeviceAfterDispatches` destroys the device once that many kernels were submitted.
 */
export const gpuTestHooks: { maxBindingBytes: number | null; loseDeviceAfterDispatches: number | null } = {
  maxBindingBytes: null,
  loseDeviceAfterDispatches: null,
};

async function acquire(): Promise<Gpu | null> {
  if (process.env.TESSERA_GPU_ADAPTER === 'none') {
    state = { status: 'unavailable', reason: 'no GPU adapter (TESSERA_GPU_ADAPTER=none)' };
    return null;
  }
  let webgpu: { create(flags: string[]): GPU };
  try {
    webgpu = (await import('webgpu')) as unknown as { create(flags: string[]): GPU };
  } catch (e) {
    state = { status: 'unavailable', reason: `the 'webgpu' package could not be loaded (${firstLine(e)}); install it (npm i webgpu) on a supported platform` };
    return null;
  }
  try {
    const navigatorGpu = webgpu.create([]);
    keepAlive.push(navigatorGpu);
    const adapter = await navigatorGpu.requestAdapter();
    if (!adapter) {
      state = { status: 'unavailable', reason: 'no GPU adapter: requestAdapter() returned null (no Vulkan/Metal/D3D12 driver Dawn accepts; on Linux without a GPU, install lavapipe)' };
      return null;
    }
    keepAlive.push(adapter);
    const maxBinding = adapter.limits.maxStorageBufferBindingSize;
    const device = await adapter.requestDevice({
      requiredLimits: { maxStorageBufferBindingSize: maxBinding, maxBufferSize: adapter.limits.maxBufferSize },
    });
    keepAlive.push(device);
    const info = adapter.info;
    const gpu: Gpu = {
      device,
      adapterName: [info.vendor, info.architecture].filter(Boolean).join(' ') + (info.description ? ` (${info.description})` : ''),
      maxBindingBytes: maxBinding,
    };
    device.lost.then((lost) => {
      if (state.status === 'ready' && state.gpu === gpu) disableGpu(`GPU device lost (${lost.reason}: ${lost.message || 'no message'})`);
    });
    device.onuncapturederror = (ev) => {
      if (state.status === 'ready' && state.gpu === gpu) disableGpu(`GPU error: ${firstLine(ev.error.message)}`);
    };
    state = { status: 'ready', gpu };
    return gpu;
  } catch (e) {
    state = { status: 'unavailable', reason: `GPU device could not be acquired: ${firstLine(e)}` };
    return null;
  }
}

/** The GPU of this thread, acquiring it on first use; null when there is none or it was switched off. */
export function acquireGpu(): Promise<Gpu | null> {
  switch (state.status) {
    case 'ready':
      return Promise.resolve(state.gpu);
    case 'probing':
      return state.promise;
    case 'unavailable':
    case 'disabled':
      return Promise.resolve(null);
    case 'unprobed': {
      // acquire() may settle the state before its first await: mark the probe first, then start it.
      let start!: () => void;
      const gate = new Promise<void>((resolve) => (start = resolve));
      const promise = gate.then(acquire);
      state = { status: 'probing', promise };
      start();
      return promise;
    }
  }
}

/** The GPU if it is ready now, without waiting (null when unprobed, absent or off). */
export function readyGpu(): Gpu | null {
  return state.status === 'ready' ? state.gpu : null;
}

/** Why there is no GPU here (null while one is usable or not yet probed). */
export function gpuUnavailableReason(): string | null {
  return state.status === 'unavailable' || state.status === 'disabled' ? state.reason : null;
}

/**
 * Switch the GPU off for the rest of this process's run (device lost, a GPU error): every later kernel runs
 * on the CPU. Warns once, on one line, so a long run does not flood the terminal.
 */
export function disableGpu(reason: string): void {
  if (state.status === 'disabled') return;
  const gpu = state.status === 'ready' ? state.gpu : null;
  state = { status: 'disabled', reason };
  if (!warned) {
    warned = true;
    console.warn(`tessera: ${reason}; GPU kernels are off for the rest of this run, tasks run on the CPU kernels`);
  }
  try {
    gpu?.device.destroy();
  } catch {
    // already destroyed
  }
}

let dispatches = 0;

/** Called once per submitted kernel; the fault-injection hook destroys the device at the chosen count. */
export function countDispatch(gpu: Gpu): void {
  dispatches++;
  const at = gpuTestHooks.loseDeviceAfterDispatches;
  if (at !== null && dispatches >= at) {
    gpuTestHooks.loseDeviceAfterDispatches = null;
    gpu.device.destroy();
  }
}

/** Kernels submitted by this thread so far (tests check that work really ran on the GPU). */
export function gpuDispatchCount(): number {
  return dispatches;
}

/** Tests only: forget the device (kept referenced) so the next use probes again, and re-arm the warning. */
export function resetGpuForTesting(): void {
  state = { status: 'unprobed' };
  warned = false;
  gpuTestHooks.maxBindingBytes = null;
  gpuTestHooks.loseDeviceAfterDispatches = null;
}

/** The binding limit in force (the test hook can lower it to force splitting). */
export function maxBindingBytes(gpu: Gpu): number {
  return Math.min(gpu.maxBindingBytes, gpuTestHooks.maxBindingBytes ?? Infinity);
}

export function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!;
}

/**
 * For `kernels: 'gpu'`: the GPU, or an error saying why there is none and what to set instead. A GPU switched
 * off earlier in this run (device lost) is not an error: its tasks run on the CPU, as promised (null).
 */
export async function requireGpu(): Promise<Gpu | null> {
  const gpu = await acquireGpu();
  if (gpu || state.status === 'disabled') return gpu;
  throw new Error(`kernels: 'gpu' needs a GPU, and none can be used here: ${gpuUnavailableReason() ?? 'unknown reason'}. Set kernels: 'auto' to use a GPU only where one exists, or kernels: 'cpu'`);
}
