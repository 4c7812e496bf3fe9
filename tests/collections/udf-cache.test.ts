// Shipped user functions are cached by content in bounded caches, and closures registered for the sync
// scheduler do not outlive the plans that hold them (issue 12 item 7: 200 applies capturing 1 MiB each
// used to keep 200 MB alive).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { shipFunction } from '../../src/collections/udf.ts';
import { UDF_CACHE_LIMIT, loadUdf, udfCacheSizes } from '../../src/kernels/groupby/udf-runtime.ts';

test('200 sync applies, each capturing 1 MiB: nothing retained after GC (measured in a child with --expose-gc)', () => {
  const script = fileURLToPath(new URL('./fixtures/closure-retention.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, 'sync'], { encoding: 'utf8', timeout: 60_000 });
  const { retainedMb } = JSON.parse(out.trim().split('\n').pop()!) as { retainedMb: number };
  assert.ok(retainedMb < 20, `retained ${retainedMb.toFixed(1)} MB of the 200 MB captured`);
});

test('compiled sources: one function per distinct text, at most UDF_CACHE_LIMIT kept', () => {
  const a = loadUdf({ kind: 'source', source: '(g) => 1' });
  assert.is(loadUdf({ kind: 'source', source: '(g) => 1' }), a, 'same text, same compiled function');
  for (let i = 0; i < UDF_CACHE_LIMIT + 50; i++) {
    const fn = loadUdf({ kind: 'source', source: `(g) => ${i}` }) as () => number;
    assert.is(fn(), i);
  }
  assert.ok(udfCacheSizes().compiled <= UDF_CACHE_LIMIT, String(udfCacheSizes().compiled));
});

test("esbuild's __name helper in a shipped source is provided, not blamed on the user", () => {
  const source = '(g) => { function inner() { return 7; } __name(inner, "inner"); return inner.name + inner(); }';
  const fn = loadUdf({ kind: 'source', source }) as () => string;
  assert.is(fn(), 'inner7');
});

test('shipFunction lets __name through and names other compiler helpers as such', () => {
  const withName = new Function('return (g) => { function inner() { return 1; } __name(inner, "inner"); return inner(); }')();
  assert.is(shipFunction(withName, 'threads', 'apply').kind, 'source');
  const withAwaiter = new Function('return (g) => __awaiter(this, void 0, void 0, function* () { return 1; })')();
  assert.throws(() => shipFunction(withAwaiter, 'threads', 'apply'), /'__awaiter', a helper your compiler .* ES2022/);
  const userFree = new Function('return (g) => outside + 1')();
  assert.throws(() => shipFunction(userFree, 'threads', 'apply'), /uses 'outside' from outside itself/);
});

test.run();
