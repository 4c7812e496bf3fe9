// Philox4x32-10 against the Random123 known-answer vectors and against a BigInt reference written from
// the paper (exact 64-bit products), so the double-arithmetic mulhi in the kernel is checked bit by bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { philox4x32, philoxBlocks, setPhiloxSimd, setPhiloxWasm } from '../../src/random/philox.ts';
import { WASM_MAX_BLOCKS, wasmPhilox } from '../../src/random/philox-wasm.ts';
import { rng } from '../helpers.ts';

function hex(words: Uint32Array): string[] {
  return [...words].map((w) => w.toString(16).padStart(8, '0'));
}

test('Random123 kat_vectors: philox4x32 10', () => {
  const out = new Uint32Array(4);
  philox4x32(0, 0, 0, 0, 0, 0, out, 0);
  assert.equal(hex(out), ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out, 0);
  assert.equal(hex(out), ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
  philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out, 0);
  assert.equal(hex(out), ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
});

test('Random123 kat_vectors: philox4x32 7 (the round count is a parameter)', () => {
  const out = new Uint32Array(4);
  philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out, 0, 7);
  assert.equal(hex(out), ['4dfccaba', '190a87f0', 'c47362ba', 'b6b5242a']);
});

function referencePhilox(ctr: number[], key: number[]): number[] {
  const mask = 0xffffffffn;
  let [x0, x1, x2, x3] = ctr.map(BigInt) as [bigint, bigint, bigint, bigint];
  let [k0, k1] = key.map(BigInt) as [bigint, bigint];
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + 0x9e3779b9n) & mask;
      k1 = (k1 + 0xbb67ae85n) & mask;
    }
    const p0 = 0xd2511f53n * x0;
    const p1 = 0xcd9e8d57n * x2;
    [x0, x1, x2, x3] = [((p1 >> 32n) ^ x1 ^ k0) & mask, p1 & mask, ((p0 >> 32n) ^ x3 ^ k1) & mask, p0 & mask];
  }
  return [x0, x1, x2, x3].map(Number);
}

test('matches a BigInt reference on random and extreme counters and keys', () => {
  const r = rng(7);
  const word = () => Math.floor(r() * 4294967296);
  const extremes = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
  const out = new Uint32Array(4);
  for (let t = 0; t < 2000; t++) {
    const pick = () => (t % 3 === 0 ? extremes[Math.floor(r() * extremes.length)]! : word());
    const ctr = [pick(), pick(), pick(), pick()];
    const key = [pick(), pick()];
    philox4x32(ctr[0]!, ctr[1]!, ctr[2]!, ctr[3]!, key[0]!, key[1]!, out, 0);
    assert.equal([...out], referencePhilox(ctr, key), `ctr ${ctr} key ${key}`);
  }
});

test('philoxBlocks in WebAssembly: the KAT vectors, and the same words as the JavaScript rounds across counter carries and batches', () => {
  assert.ok(wasmPhilox(), 'WebAssembly is available on Node 20');
  const one = new Uint32Array(4);
  philoxBlocks(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 1, one);
  assert.equal(hex(one), ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  philoxBlocks(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 1, one);
  assert.equal(hex(one), ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
  const n = WASM_MAX_BLOCKS + 777; // two batches
  for (const [c0, c1, c2] of [[0xffffffff - 5, 7, 9], [0xffffffff - 2000, 0xffffffff, 3], [0xffffffff - 4100, 0xffffffff, 0xffffffff], [12345, 0, 0]] as const) {
    const fast = new Uint32Array(4 * n), slow = new Uint32Array(4 * n);
    philoxBlocks(c0, c1, c2, 0x80000001, 0xdeadbeef, 0x01234567, n, fast);
    const was = setPhiloxWasm(false);
    try {
      philoxBlocks(c0, c1, c2, 0x80000001, 0xdeadbeef, 0x01234567, n, slow);
    } finally {
      setPhiloxWasm(true);
    }
    assert.ok(was, 'the first run used WebAssembly');
    assert.equal(Buffer.from(fast.buffer).equals(Buffer.from(slow.buffer)), true, `counter ${c0}, ${c1}, ${c2}`);
    // the four-blocks-at-a-time SIMD kernel (the default) against the one-block kernel, odd counts included
    const single = new Uint32Array(4 * n);
    const simd = setPhiloxSimd(false);
    try {
      philoxBlocks(c0, c1, c2, 0x80000001, 0xdeadbeef, 0x01234567, n, single);
    } finally {
      setPhiloxSimd(true);
    }
    assert.ok(simd, 'the first run used the SIMD kernel');
    assert.equal(Buffer.from(fast.buffer).equals(Buffer.from(single.buffer)), true, `SIMD, counter ${c0}, ${c1}, ${c2}`);
    // and block k is philox4x32 of the counter + k
    const k = n - 1, c = new Uint32Array(4);
    const lo = c0 + k, carry = lo >= 2 ** 32 ? 1 : 0, mid = c1 + carry;
    philox4x32(lo >>> 0, mid >>> 0, (c2 + (mid >= 2 ** 32 ? 1 : 0)) >>> 0, 0x80000001, 0xdeadbeef, 0x01234567, c, 0);
    assert.equal([...fast.subarray(4 * k)], [...c]);
  }
});

test.run();
