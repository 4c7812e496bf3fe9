// A backend's step pair ('opA>opB', KernelBackend.pairs) runs two adjacent chain steps as one kernel, so the
// first step's value never exists. The pair may only fire when nothing else in the chain reads that value.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ref } from '../../src/scheduler/graph.ts';
import { registerOp } from '../../src/scheduler/registry.ts';
import { CHAIN_OP, type ChainStep, executeTask } from '../../src/scheduler/execute.ts';
import { registerKernelBackend } from '../../src/kernels/backend.ts';

registerOp('pairtest.double', (x: number) => x * 2);
registerOp('pairtest.plus', (...xs: number[]) => xs.reduce((a, b) => a + b, 0));
const fusedCalls: Array<[unknown[], unknown[]]> = [];
registerKernelBackend({
  name: 'pairtest',
  kernels: {},
  // The same answer as the two steps, so a wrong decision shows only through the calls or a missing value.
  pairs: { 'pairtest.double>pairtest.plus': (first, rest) => (fusedCalls.push([first, rest]), (first[0] as number) * 2 + (rest as number[]).reduce((a, b) => a + b, 0)) },
});

const run = (steps: ChainStep[], input = 5): unknown => {
  fusedCalls.length = 0;
  return executeTask({ key: steps.at(-1)!.key, op: CHAIN_OP, args: [steps], deps: ['in'], settings: { backend: 'pairtest' } }, [input]);
};
const double: ChainStep = { key: 'a', op: 'pairtest.double', args: [ref('in')] };

test('adjacent steps with a pair run as one kernel when the next step reads the first value only as its first argument', () => {
  assert.is(run([double, { key: 'b', op: 'pairtest.plus', args: [ref('a'), 1, 2] }]), 13);
  assert.equal(fusedCalls, [[[5], [1, 2]]]);
});

test('no pair when a later step also reads the first value (it would never have been stored)', () => {
  const steps = [double, { key: 'b', op: 'pairtest.plus', args: [ref('a'), 1] }, { key: 'c', op: 'pairtest.plus', args: [ref('b'), ref('a')] }];
  assert.is(run(steps), 21);
  assert.is(fusedCalls.length, 0);
});

test('no pair when the next step reads the first value again in its other arguments, or not first', () => {
  assert.is(run([double, { key: 'b', op: 'pairtest.plus', args: [ref('a'), ref('a')] }]), 20);
  assert.is(fusedCalls.length, 0);
  assert.is(run([double, { key: 'b', op: 'pairtest.plus', args: [3, ref('a')] }]), 13);
  assert.is(fusedCalls.length, 0);
});

test('the CPU backend has no pairs: the same chain runs step by step', () => {
  fusedCalls.length = 0;
  const steps = [double, { key: 'b', op: 'pairtest.plus', args: [ref('a'), 1, 2] }];
  assert.is(executeTask({ key: 'b', op: CHAIN_OP, args: [steps], deps: ['in'] }, [5]), 13);
  assert.is(fusedCalls.length, 0);
});

test.run();
