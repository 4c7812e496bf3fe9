// The kernel backend seam: ops with hardware-specific kernels (expression evaluation, summaries, grouped
// aggregation, take/filter, shuffles) can be run by another backend (a GPU, SIMD WASM) chosen per task
// from the task's settings in executeTask. The CPU backend is the op registry itself: today's kernels.

import type { OpFunction } from '../scheduler/registry.ts';
import type { Config } from '../config.ts';

/** Op ids a backend may implement: the ones whose work is a kernel over partition data. */
export const KERNEL_OPS = [
  'frame.assign', 'frame.filter', 'reduce.chunk', 'reduce.combine',
  'groupby.chunk', 'groupby.merge', 'groupby.split', 'groupby.finalize', 'groupby.shuffle-split',
  // NDArray chunk kernels (GPU backends: kernels/gpu)
  'array.random', 'array.elementwise', 'array.reduce-partial', 'array.reduce-expr', 'array.matmul',
] as const;

export type KernelOp = (typeof KERNEL_OPS)[number];

/**
 * A kernel backend: a name, and for the kernel ops it accelerates a function with the same arguments and
 * result as the CPU op (the task's args after dependency values were substituted). Ops it leaves out
 * run on the CPU, so a backend can start with one op and grow.
 */
export interface KernelBackend {
  readonly name: string;
  readonly kernels: Readonly<Partial<Record<KernelOp, OpFunction>>>;
}

export const CPU_BACKEND: KernelBackend = { name: 'cpu', kernels: {} };

// One table per thread, on globalThis: a worker started from the one-file bundle of the sources holds a
// second copy of this module when a user module imports tessera's sources (see scheduler/registry.ts).
const COPY = Symbol('tessera backend table copy');
const g = globalThis as unknown as Record<symbol, { backends: Map<string, KernelBackend>; by: Map<string, symbol> } | undefined>;
const table = (g[Symbol.for('tessera.kernel-backends')] ??= { backends: new Map([['cpu', CPU_BACKEND]]), by: new Map() });
const backends = table.backends;

/**
 * Make a backend available in this process under its name. Workers load it through the `workerModules`
 * config option (a module that calls this), exactly as they load user ops.
 */
export function registerKernelBackend(backend: KernelBackend): void {
  if (typeof backend?.name !== 'string' || backend.name.length === 0) throw new TypeError('registerKernelBackend: the backend needs a non-empty name');
  if (backend.name === 'cpu') throw new TypeError("registerKernelBackend: 'cpu' is the built-in backend; choose another name");
  for (const op of Object.keys(backend.kernels ?? {})) {
    if (!(KERNEL_OPS as readonly string[]).includes(op)) throw new TypeError(`registerKernelBackend('${backend.name}'): '${op}' is not a kernel op; kernel ops are ${KERNEL_OPS.join(', ')}`);
    if (typeof (backend.kernels as Record<string, unknown>)[op] !== 'function') throw new TypeError(`registerKernelBackend('${backend.name}'): kernel '${op}' must be a function`);
  }
  const existing = backends.get(backend.name);
  if (existing && existing !== backend) {
    const by = table.by.get(backend.name);
    if (by !== undefined && by !== COPY) return; // the same registration made by another copy of the same sources
    throw new Error(`a kernel backend named '${backend.name}' is already registered`);
  }
  backends.set(backend.name, backend);
  table.by.set(backend.name, COPY);
}

export function hasKernelBackend(name: string): boolean {
  return backends.has(name);
}

/** The backend called `name`; throws naming the known ones (and how workers get theirs) when unknown. */
export function kernelBackend(name: string): KernelBackend {
  const b = backends.get(name);
  if (!b) {
    throw new Error(`unknown kernel backend '${name}'; registered here: ${[...backends.keys()].join(', ')} (register it with registerKernelBackend in a module listed in workerModules, so every worker has it)`);
  }
  return b;
}

/** Backend names of the `kernels` setting (registered by kernels/gpu/backend.ts, imported with every op). */
export const GPU_BACKEND_NAMES = { gpu: 'gpu', auto: 'gpu-auto' } as const;

/**
 * The backend tasks run on: `kernels: 'gpu' | 'auto'` picks the GPU backends, `'cpu'` keeps `backend` (the
 * older setting, still used for user-registered backends). Both at once is a conflict, not a silent choice.
 */
export function effectiveBackend(cfg: Pick<Config, 'backend' | 'kernels'>): string {
  if (cfg.kernels === 'cpu') return cfg.backend;
  if (cfg.backend !== 'cpu') {
    throw new TypeError(`kernels: '${cfg.kernels}' and backend: '${cfg.backend}' both choose a kernel backend; set only one (kernels for the GPU, backend for a registered backend)`);
  }
  return GPU_BACKEND_NAMES[cfg.kernels];
}
