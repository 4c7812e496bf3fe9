// Running the WebAssembly row tokenizer (wasm-rows-code.ts): an instance whose memory holds a window of a
// partition's bytes at offset 0 (read there directly), its tables and the batch the column converters read.

import { isMainThread } from 'node:worker_threads';
import { CTRL, CTRL_BYTES, INLINE_BIT, MAX_ROWS, wasmRowsModule } from './wasm-rows-code.ts';
import { registerScratch } from '../../kernels/scratch.ts';

const NL = 10;
/** Bytes after the data: the sentinel newline, then room for a 16-byte load starting at it. */
const PAD = 64;
const PAGE = 65536;
/** Larger partitions are not tokenised here (offsets are i32; tables follow the data). */
export const WASM_MAX_BYTES = 1 << 30;
/** A worker keeps its instance (the read window, windows.ts) up to this size, as ops.ts keeps its buffer. */
const KEEP_AT_MOST = 256 * 1024 * 1024;

/** The batch arrays the converters read (fast-parser.ts's Batch), views of the instance's memory. */
export interface WasmBatchViews {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly nums: Float64Array;
  readonly numOk: Uint8Array;
  readonly rowOffsets: Int32Array;
}

/** How one partition is tokenised: fields per row, the delimiter byte, and which fields go to which slot. */
export interface RowLayout {
  readonly nfields: number;
  readonly delimiter: number;
  /** Slot of each field, -1 for fields no column asks for. */
  readonly slotOf: Int32Array;
  /** Per slot: 1 when plain integers may be parsed inline. */
  readonly inlineNum: Uint8Array;
  readonly nslots: number;
}

// The compiler's lib here has no WebAssembly types: the little used, declared.
interface WasmMemory { buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { fn: Tokenize; memory: WasmMemory } };
}
type Tokenize = (p: number, n: number, r: number, ctrl: number) => number;

let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled === undefined) {
    try {
      const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      compiled = wasm ? new wasm.Module(wasmRowsModule()) : null;
    } catch {
      compiled = null; // no WebAssembly SIMD here: the JavaScript tokenizer reads everything
    }
  }
  return compiled;
}

/** Which instance holds the bytes of a buffer (a partition read into one). */
const owners = new WeakMap<ArrayBuffer, WasmRows>();

export class WasmRows {
  private readonly fn: Tokenize;
  private readonly memory: WasmMemory;
  private ctrl = 0;
  private i32 = new Int32Array(0);

  private constructor(module: object) {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { fn, memory } = new wasm.Instance(module, {}).exports;
    this.fn = fn;
    this.memory = memory;
  }

  static create(): WasmRows | null {
    const m = compiledModule();
    return m === null ? null : new WasmRows(m);
  }

  private reserve(bytes: number): void {
    const need = Math.ceil(bytes / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
    owners.set(this.memory.buffer, this);
  }

  /** `length` bytes at offset 0 of the memory, to read a partition into (valid until the next call). */
  input(length: number): Uint8Array {
    this.reserve(length + PAD + (1 << 20));
    // A Buffer view, not a copy: callers search it with Buffer's memchr-speed indexOf.
    return Buffer.from(this.memory.buffer, 0, length);
  }

  /** True when `b` is this instance's input (so no copy is needed). */
  holds(b: Uint8Array): boolean {
    return b.byteOffset === 0 && b.buffer === this.memory.buffer;
  }

  /**
   * Lay out the tables of one partition of `n` bytes (copying `src` in unless it is already the input) and
   * return the bytes as the parser must now see them, and the batch views (the memory may have grown).
   */
  begin(src: Uint8Array, layout: RowLayout): { bytes: Uint8Array; views: WasmBatchViews } {
    const n = src.length;
    const { nfields, nslots } = layout;
    const cells = Math.max(1, nslots) * MAX_ROWS;
    const ctrl = align(n + PAD, 16);
    const fieldInfo = ctrl + CTRL_BYTES;
    const runs = fieldInfo + 4 * nfields;
    const rowOffsets = align(runs + 4 * nfields, 16);
    const starts = rowOffsets + 4 * MAX_ROWS;
    const ends = starts + 4 * cells;
    const nums = ends + 4 * cells;
    const numOk = nums + 8 * cells;
    const copy = !this.holds(src);
    this.reserve(numOk + cells);
    const buf = this.memory.buffer;
    const bytes = Buffer.from(buf, 0, n);
    if (copy) bytes.set(src);
    new Uint8Array(buf, n, PAD).fill(0);
    new Uint8Array(buf)[n] = NL; // the sentinel: the last row always ends at a newline
    const i32 = new Int32Array(buf);
    const words = [nfields, layout.delimiter, fieldInfo, runs, starts, ends, nums, numOk, rowOffsets];
    words.forEach((w, i) => { i32[(ctrl >> 2) + i] = w; });
    let run = 0;
    for (let f = nfields - 1; f >= 0; f--) {
      const slot = layout.slotOf[f]!;
      run = slot < 0 ? run + 1 : 0;
      i32[(fieldInfo >> 2) + f] = slot < 0 ? -1 : slot | (layout.inlineNum[slot] === 1 ? INLINE_BIT : 0);
      i32[(runs >> 2) + f] = run;
    }
    this.ctrl = ctrl;
    this.i32 = i32;
    const views: WasmBatchViews = {
      starts: new Int32Array(buf, starts, cells), ends: new Int32Array(buf, ends, cells),
      nums: new Float64Array(buf, nums, cells), numOk: new Uint8Array(buf, numOk, cells),
      rowOffsets: new Int32Array(buf, rowOffsets, MAX_ROWS),
    };
    return { bytes, views };
  }

  /**
   * Tokenise rows from p into the batch until it is full or the bytes end; a row with the wrong field count
   * goes to `badLine` (which may throw) and is dropped. Returns where to continue and the rows in the batch.
   */
  tokenize(p: number, n: number, badLine: (rowOffset: number, fields: number) => void): { p: number; rows: number } {
    const c = this.ctrl >> 2;
    let r = 0;
    for (;;) {
      p = this.fn(p, n, r, this.ctrl);
      r = this.i32[c + (CTRL.rows >> 2)]!;
      if (this.i32[c + (CTRL.status >> 2)] !== 1) return { p, rows: r };
      badLine(this.i32[c + (CTRL.badRow >> 2)]!, this.i32[c + (CTRL.badFields >> 2)]!);
    }
  }
}

function align(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

let kept: WasmRows | null = null;
registerScratch(() => {
  const had = kept !== null;
  kept = null;
  return had;
});

/**
 * The instance to read `length` bytes of a partition into: a worker keeps one (its memory is the reused
 * read window); the main thread and oversized reads get a fresh one, dropped after the parse.
 * Null where WebAssembly SIMD is unavailable or the partition is too large for it.
 */
export function rowsInstance(length: number): WasmRows | null {
  if (length > WASM_MAX_BYTES) return null;
  if (isMainThread || length > KEEP_AT_MOST) return WasmRows.create();
  kept ??= WasmRows.create();
  return kept;
}

/** The instance whose input `b` is, if any. */
export function ownerOf(b: Uint8Array): WasmRows | null {
  const w = owners.get(b.buffer as ArrayBuffer);
  return w && w.holds(b) ? w : null;
}
