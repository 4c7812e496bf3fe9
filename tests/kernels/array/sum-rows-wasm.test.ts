// Large array buffers as shared WebAssembly memories (wasm-chunks.ts) and sum(axis=0) over them in SIMD
// (sum-rows-wasm.ts): the exact bits of the JavaScript loop's documented order for every column count
// (odd, the slot's tile edge), any offset, NaN/Inf/-0; slots that are all taken fall back; views travel
// to threads with their memory, and thread results equal sync ones bit for bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocate } from '../../../src/kernels/array/dtypes.ts';
import { partialReduce } from '../../../src/kernels/array/reduce.ts';
import { setSumRowsWasmDisabled } from '../../../src/kernels/array/sum-rows-wasm.ts';
import { MIN_BYTES, SLOTS, SLOT_BYTES, adoptMemory, claimSlot, memoryOf, releaseSlot } from '../../../src/kernels/array/wasm-chunks.ts';
import { fromWire, toWire } from '../../../src/scheduler/transport.ts';
import { array, closeExecutors } from '../../../src/index.ts';
import { rng } from '../../helpers.ts';

test.after(() => closeExecutors());

const BIG = MIN_BYTES / 8 + 4096;

/** The documented order: per column, eight rows as a pairwise tree added to the column, leftover rows one by one. */
function naive(data: Float64Array, offset: number, rows: number, cols: number): Float64Array {
  const want = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const at = (row: number) => data[offset + row * cols + j]!;
    let i = 0;
    for (; i + 8 <= rows; i += 8) want[j] += ((at(i) + at(i + 1)) + (at(i + 2) + at(i + 3))) + ((at(i + 4) + at(i + 5)) + (at(i + 6) + at(i + 7)));
    for (; i < rows; i++) want[j] += at(i);
  }
  return want;
}

const sumRows = (data: Float64Array, offset: number, rows: number, cols: number): Float64Array =>
  partialReduce('sum', { data, shape: [rows, cols], stride: [cols, 1], offset }, [0]).values!;

test('allocate: large arrays are shared WebAssembly memories (zeroed SharedArrayBuffers), small ones plain SharedArrayBuffers', () => {
  const big = allocate('float64', BIG) as Float64Array;
  assert.ok(big.buffer instanceof SharedArrayBuffer);
  assert.ok(memoryOf(big.buffer) !== undefined, 'large: a WebAssembly memory');
  assert.is(big.length, BIG);
  assert.ok(big.every((v) => v === 0));
  const small = allocate('float64', 1000);
  assert.ok(small.buffer instanceof SharedArrayBuffer);
  assert.is(memoryOf(small.buffer), undefined);
});

test('sum over leading rows in a WebAssembly memory: the exact bits of the documented order, every column count and offset, NaN/Inf/-0; the same as the JavaScript loop', () => {
  const data = allocate('float64', BIG) as Float64Array;
  assert.ok(memoryOf(data.buffer) !== undefined);
  const r = rng(11);
  const special = [NaN, Infinity, -Infinity, -0, 1e308, -1e308, 5e-324];
  for (let i = 0; i < 400_000; i++) data[i] = r() < 0.02 ? special[Math.floor(r() * special.length)]! : (r() - 0.5) * 10 ** Math.floor(r() * 12);
  const width = SLOT_BYTES / 8;
  // (one column is summed as whole rows, another path: reduce.test.ts)
  const cases: Array<[number, number, number]> = [
    [8, 2, 3], [8, 3, 5], [16, 5, 1], [17, 7, 2], [7, 4, 0], [1, 9, 4], [9, 2, 1], [24, 1001, 13],
    [16, width - 1, 0], [16, width, 7], [9, width + 1, 3], [8, 2 * width + 3, 11],
    // two groups per pass (add16) then an odd last group alone (add8): even and odd group counts, a ragged tail
    [32, 3, 2], [40, 5, 9], [48, 2, 0], [61, 1031, 6], [24, width + 1, 5], [40, width - 1, 1],
  ];
  for (const [rows, cols, offset] of cases) {
    const want = naive(data, offset, rows, cols);
    const got = sumRows(data, offset, rows, cols);
    const was = setSumRowsWasmDisabled(true);
    const js = sumRows(data, offset, rows, cols);
    setSumRowsWasmDisabled(was);
    for (let j = 0; j < cols; j++) {
      assert.ok(Object.is(got[j], want[j]), `rows ${rows} cols ${cols} offset ${offset} column ${j}: ${got[j]} vs ${want[j]}`);
      assert.ok(Object.is(js[j], want[j]), `js rows ${rows} cols ${cols} column ${j}`);
    }
  }
  // -0 everywhere: the sum is +0 on both paths (the accumulator starts at +0)
  data.fill(-0, 0, 64 * 3);
  const zeros = sumRows(data, 0, 64, 3);
  for (let j = 0; j < 3; j++) assert.ok(Object.is(zeros[j], 0), `-0 column ${j}`);
});

test('sum over leading rows: with every scratch slot taken the JavaScript loop answers (same bits), and slots are free again after each sum', () => {
  const data = allocate('float64', BIG) as Float64Array;
  const r = rng(3);
  for (let i = 0; i < 64 * 100; i++) data[i] = r() - 0.5;
  const want = naive(data, 0, 64, 100);
  const buffer = data.buffer as SharedArrayBuffer;
  const held = Array.from({ length: SLOTS }, () => claimSlot(buffer));
  assert.equal([...held].sort((a, b) => a - b), Array.from({ length: SLOTS }, (_, i) => i));
  assert.is(claimSlot(buffer), -1);
  const got = sumRows(data, 0, 64, 100);
  for (let j = 0; j < 100; j++) assert.ok(Object.is(got[j], want[j]), `column ${j}`);
  for (const s of held) releaseSlot(buffer, s);
  sumRows(data, 0, 64, 100);
  const again = Array.from({ length: SLOTS }, () => claimSlot(buffer));
  assert.ok(again.every((s) => s >= 0), 'every slot free after the sums');
  for (const s of again) releaseSlot(buffer, s);
});

test('transport: a view of a WebAssembly memory travels with its memory (shared mode) and stays a plain typed array for processes', () => {
  const data = allocate('float64', BIG) as Float64Array;
  data[5] = 42;
  const view = data.subarray(3, 10);
  const wire = toWire({ x: view }, 'shared') as { x: unknown };
  assert.not.ok(ArrayBuffer.isView(wire.x), 'encoded as a descriptor');
  const back = (fromWire(wire) as { x: Float64Array }).x;
  assert.instance(back, Float64Array);
  assert.is(back.length, 7);
  assert.is(back.byteOffset, view.byteOffset);
  assert.is(back[2], 42);
  assert.ok(memoryOf(back.buffer) !== undefined, 'registered on arrival');
  assert.is((toWire({ x: view }, 'ipc') as { x: unknown }).x, view);
  assert.is(toWire(new Float64Array(4), 'shared') instanceof Float64Array, true);
});

test('a memory received twice (a new Memory object each message) is adopted once: later views use the first object, so kernels reuse its instance', async () => {
  const data = allocate('float64', BIG) as Float64Array;
  data[7] = 3.5;
  const memory = memoryOf(data.buffer)!;
  const { port1, port2 } = new MessageChannel();
  const got: object[] = [];
  const arrived = new Promise<void>((resolve) => port2.on('message', (m: object) => {
    got.push(m);
    if (got.length === 2) resolve();
  }));
  port1.postMessage(memory);
  port1.postMessage(memory);
  await arrived;
  port1.close();
  assert.is.not(got[0], got[1]);
  const a = fromWire(toWire(new Float64Array(adoptMemory(got[0]!), 0, 8), 'shared')) as Float64Array;
  const b = adoptMemory(got[1]!);
  assert.is(b, a.buffer, 'the second object maps to the first one\'s buffer');
  assert.is(new Float64Array(b, 0, 8)[7], 3.5);
  assert.is(memoryOf(b), got[0]);
});

test('threads: sum/mean/var/min/max over axis 0 of a large array in row chunks equal sync bit for bit, and sum the documented order', async () => {
  const rows = 2048 + 3, cols = 1031;
  const data = allocate('float64', rows * cols) as Float64Array;
  assert.ok(memoryOf(data.buffer) !== undefined);
  const r = rng(5);
  for (let i = 0; i < data.length; i++) data[i] = r() < 0.001 ? [NaN, Infinity, -0][i % 3]! : (r() - 0.5) * 1e3;
  const x = array.fromTypedArray(data, [rows, cols], { chunks: [512, cols] });
  for (const name of ['sum', 'mean', 'var', 'min', 'max'] as const) {
    const sync = (await x[name]({ axis: 0 }).compute({ scheduler: 'sync' })).data as Float64Array;
    const threads = (await x[name]({ axis: 0 }).compute({ scheduler: 'threads', numWorkers: 2 })).data as Float64Array;
    for (let j = 0; j < cols; j++) assert.ok(Object.is(sync[j], threads[j]), `${name} column ${j}: ${sync[j]} vs ${threads[j]}`);
    if (name === 'sum') {
      // chunk partials (the documented order within each chunk) added left to right
      for (let j = 0; j < cols; j += 97) {
        let want = 0;
        for (let c = 0; c * 512 < rows; c++) want += naive(data, c * 512 * cols, Math.min(512, rows - c * 512), cols)[j]!;
        assert.ok(Object.is(sync[j], want), `sum column ${j}: ${sync[j]} vs ${want}`);
      }
    }
  }
});

test.run();
