// Large array buffers as shared WebAssembly memories, so SIMD kernels (sum-rows-wasm.ts) read chunk data
// where it lies. A shared WebAssembly.Memory's buffer IS a SharedArrayBuffer (threads get handles, as for
// any other chunk), but WebAssembly can address only memories, and none can be made from an existing
// SharedArrayBuffer: each thread keeps its own map buffer -> memory, and transport.ts sends the Memory
// object with a view of it. Copying data into a kernel's own memory instead is no option: V8 copies out of
// a SharedArrayBuffer word by word, as slowly as the JavaScript loop it would replace.
// A module addresses one memory (Node 20: multi-memory is behind a flag), so a kernel's accumulators must
// live in the data's memory too: each memory ends in SLOTS scratch slots that threads claim atomically.
// A slot's lock word holds its owner's thread id + 1, so a slot whose thread died holding it (terminated
// mid-kernel by an abort or a timeout, out of memory) is given back when that thread's exit is seen
// (releaseSlotsOf, called by the threads pool); thread ids are never reused within a process.
// Each shared memory reserves ~10 GiB of address space (13088 live 1 MiB memories exhaust a process, and
// then every WebAssembly instantiation fails), so only buffers of MIN_BYTES or more, at most MAX_LIVE at a
// time, get one; the rest, and every failure, are plain SharedArrayBuffers.

import { threadId } from 'node:worker_threads';

const PAGE = 65536;
/** Smaller buffers stay plain SharedArrayBuffers (the scratch tail costs at most ~3.5% here). */
export const MIN_BYTES = 16 * 1024 * 1024;
/** Byte offsets stay below 2^31 (i32 addresses, with room for the scratch). */
const MAX_BYTES = 2 ** 31 - 16 * PAGE;
/** Per thread: 256 reserve ~2.5 TiB of the ~128 TiB a process has. */
const MAX_LIVE = 256;
/** Scratch slots per memory: one per kernel running over this memory at a time. */
export const SLOTS = 8;
export const SLOT_BYTES = 65536;
/** The tail: SLOTS lock words (Int32), the memory's random 64-bit id, padding to 64 bytes, then the slots. */
const LOCKS_BYTES = 64;
const ID_AT = SLOTS * 4;
const TAIL_BYTES = LOCKS_BYTES + SLOTS * SLOT_BYTES;

interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
interface MemoryApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

const memories = new WeakMap<SharedArrayBuffer, WasmMemory>();
let live = 0;
const released = new FinalizationRegistry<null>(() => {
  live--;
});
// Every message brings a new Memory object for the same memory, and a kernel instance over a new object costs
// 0.1-0.7 ms for 800 MB (V8 sets the memory up for this thread again): received memories are known by the id
// in their tail, so a thread keeps using the first object it got while that one lives.
const byId = new Map<string, WeakRef<WasmMemory>>();
const forget = new FinalizationRegistry<string>((id) => {
  if (byId.get(id)?.deref() === undefined) byId.delete(id);
});
/** The memories this thread allocated (releaseSlotsOf looks at them and at the received ones, byId). */
const allocatedHere = new Set<WeakRef<WasmMemory>>();
const dropAllocated = new FinalizationRegistry<WeakRef<WasmMemory>>((ref) => allocatedHere.delete(ref));
const idOf = (buffer: SharedArrayBuffer): string => {
  const w = new Uint32Array(buffer, buffer.byteLength - TAIL_BYTES + ID_AT, 2);
  return `${w[0]}.${w[1]}`;
};

/** A zeroed SharedArrayBuffer of at least `bytes` that is a shared WebAssembly memory, or null (small, too many, or refused). */
export function allocateWasmShared(bytes: number): SharedArrayBuffer | null {
  if (bytes < MIN_BYTES || bytes > MAX_BYTES || live >= MAX_LIVE) return null;
  const wasm = (globalThis as { WebAssembly?: MemoryApi }).WebAssembly;
  if (!wasm) return null;
  const pages = Math.ceil((bytes + TAIL_BYTES) / PAGE);
  let memory: WasmMemory;
  try {
    memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null; // address space or memory refused: a plain SharedArrayBuffer does the same job
  }
  live++;
  released.register(memory, null);
  memories.set(memory.buffer, memory);
  // drawn into a plain array first: Web Crypto's typing (and spec) takes no shared views
  new Uint32Array(memory.buffer, memory.buffer.byteLength - TAIL_BYTES + ID_AT, 2).set(crypto.getRandomValues(new Uint32Array(2)));
  const ref = new WeakRef(memory);
  allocatedHere.add(ref);
  dropAllocated.register(memory, ref);
  return memory.buffer;
}

/** The shared WebAssembly memory whose buffer `buffer` is, in this thread. */
export function memoryOf(buffer: ArrayBufferLike): object | undefined {
  return memories.get(buffer as SharedArrayBuffer);
}

/** A memory received from another thread: the buffer of this thread's object for it (registered). */
export function adoptMemory(memory: object): SharedArrayBuffer {
  const m = memory as WasmMemory;
  if (!(m.buffer instanceof SharedArrayBuffer)) throw new TypeError('adoptMemory: not a shared WebAssembly.Memory');
  const id = idOf(m.buffer);
  const known = byId.get(id)?.deref();
  if (known !== undefined) return known.buffer;
  memories.set(m.buffer, m);
  byId.set(id, new WeakRef(m));
  forget.register(m, id);
  return m.buffer;
}

/** Byte offset of slot `i` in `buffer`. */
export const slotAt = (buffer: SharedArrayBuffer, i: number): number => buffer.byteLength - TAIL_BYTES + LOCKS_BYTES + i * SLOT_BYTES;

/** This thread's mark in a lock word it holds (0 is a free slot; the main thread's id is 0). */
const OWNER = threadId + 1;

const locksOf = (buffer: SharedArrayBuffer): Int32Array => new Int32Array(buffer, buffer.byteLength - TAIL_BYTES, SLOTS);

/** Claims a free scratch slot of `buffer` (a registered memory's) for this thread, or -1 when all are in use. */
export function claimSlot(buffer: SharedArrayBuffer): number {
  const locks = locksOf(buffer);
  for (let i = 0; i < SLOTS; i++) if (Atomics.compareExchange(locks, i, 0, OWNER) === 0) return i;
  return -1;
}

/** Gives back slot `i`, claimed by this thread. */
export function releaseSlot(buffer: SharedArrayBuffer, i: number): void {
  const was = Atomics.compareExchange(locksOf(buffer), i, OWNER, 0);
  if (was !== OWNER) throw new Error(`scratch slot ${i} released by thread ${threadId} but held by ${was === 0 ? 'no thread' : `thread ${was - 1}`}`);
}

/**
 * Frees every slot, in every memory this thread knows, that thread `exited` held: only for a thread that has
 * exited (its Worker's 'exit' event), else it could still be writing there. Returns how many were freed.
 * The threads a pool starts get their memories from this thread, so it knows every memory they can hold.
 */
export function releaseSlotsOf(exited: number): number {
  if (exited === threadId || exited < 0) return 0;
  let freed = 0;
  for (const ref of [...allocatedHere, ...byId.values()]) {
    const m = ref.deref();
    if (m === undefined) continue;
    const locks = locksOf(m.buffer);
    for (let i = 0; i < SLOTS; i++) if (Atomics.compareExchange(locks, i, exited + 1, 0) === exited + 1) freed++;
  }
  return freed;
}
