import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freeVariables } from '../../src/collections/udf.ts';

test('free variables: globals, params, locals, destructuring and properties are not free', () => {
  assert.equal(freeVariables('(g, p) => { const { a, b: [c] } = p; let s = 0; for (const x of g.col("x")) s += Math.abs(x) * a * c; return { s, n: g.numRows }; }'), []);
  assert.equal(freeVariables('function fit(g) { try { return helper(g) } catch (e) { return e } }'), ['helper']);
  assert.equal(freeVariables('(g) => g.numRows * factor + offset'), ['factor', 'offset']);
  assert.equal(freeVariables('async (g) => { function inner(y) { return y + 1 } return inner(await g) }'), []);
  assert.equal(freeVariables('(g) => ({ [key]: 1, other: 2 })'), ['key']);
  assert.equal(freeVariables('(g) => { label: for (;;) { break label } return new Float64Array(3) }'), []);
});

test('unparseable source says what to do instead', () => {
  assert.throws(() => freeVariables('not a function ((('), /use udf\(import\.meta\.url, 'name'\) instead/);
});

test.run();
