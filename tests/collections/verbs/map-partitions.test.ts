// mapPartitions(fn, {meta}): results on every scheduler, meta inferred from the first non-empty real
// partition (the function never sees fake data), a partition returning another schema is an error naming
// it, and the user-function rules of groupby-apply (free variables refused before any work).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Field, Float64, Schema, Utf8 } from 'apache-arrow';
import { fromColumns, udf } from '../../../src/index.ts';
import { SCHEDULERS, rejects } from '../../helpers.ts';

const x = Array.from({ length: 40 }, (_, k) => (k % 7 === 0 ? null : k));
const df = fromColumns({ x, s: x.map((v) => (v === null ? null : `é${v}`)) }, { npartitions: 4 });

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] mapPartitions with meta: one result per partition, in order; params reach the function`, async () => {
    const out = df.mapPartitions(
      (f, p: { k: number }) => {
        const v = f.numbers('x');
        return { y: v.map((a) => a * p.k), part: new Int32Array(f.numRows).fill(f.partition) };
      },
      { meta: { y: 'float64', part: 'int32' }, params: { k: 3 } },
    );
    assert.equal(out.dtypes, { y: 'Float64', part: 'Int32' });
    const rows = await out.toRecords({ scheduler });
    assert.equal(rows.map((r) => r.y), x.map((v) => (v === null ? NaN : v * 3)));
    assert.equal(rows.map((r) => r.part), x.map((_, k) => Math.floor(k / 10)));
  });
}

test('without meta: the schema comes from fn on the first non-empty partition, which is real data', async () => {
  const base = fromColumns({ x }, { npartitions: 4 });
  const later = base.filter(base.col('x').gt(25)); // partitions 0-1 empty, 2 partly
  const seen: number[] = [];
  const out = await later.mapPartitions((f) => {
    seen.push(f.numRows);
    return f.batch;
  }, { scheduler: 'sync' });
  assert.ok(seen.length === 1 && seen[0]! > 0, `fn saw ${seen}`);
  assert.equal(out.dtypes, { x: 'Int32' });
  assert.equal((await out.toRecords({ scheduler: 'sync' })).map((r) => r.x), x.filter((v) => v !== null && v > 25));
  // JS arrays of numbers are float64 whatever values a partition holds, so every partition agrees
  const typed = await df.mapPartitions((f) => ({ n: [f.numRows], label: [`p${f.partition}`] }), { scheduler: 'sync' });
  assert.equal(typed.dtypes, { n: 'Float64', label: 'Utf8' });
  assert.equal((await typed.toRecords({ scheduler: 'sync' })).map((r) => ({ ...r })), [0, 1, 2, 3].map((p) => ({ n: 10, label: `p${p}` })));
});

test('a partition returning another schema is an error naming the partition and both schemas', async () => {
  const bad = df.mapPartitions((f) => (f.partition === 2 ? { y: ['a'] } : { y: [1] }), { meta: { y: 'float64' } });
  await rejects(bad.compute({ scheduler: 'sync' }), /partition 2.*value a \(string\) does not fit Float64/);
  const renamed = df.mapPartitions((f) => (f.partition === 1 ? { z: [1] } : { y: [1] }), { meta: { y: 'float64' } });
  await rejects(renamed.compute({ scheduler: 'sync' }), /partition 1 returned columns \[z\] but the frame's schema \(meta\) is \[y: Float64\]/);
  const arrow = df.mapPartitions((f) => (f.partition === 3 ? f.batch : { x: [1], s: ['a'] }), { meta: new Schema([new Field('x', new Float64()), new Field('s', new Utf8())]) });
  await rejects(arrow.compute({ scheduler: 'sync' }), /partition 3 returned columns \[x: Int32, s: Utf8\]/);
  const inferred = await df.mapPartitions((f) => (f.partition === 0 ? { a: [1] } : { b: [1] }), { scheduler: 'sync' });
  await rejects(inferred.compute({ scheduler: 'sync' }), /partition 1 returned columns \[b\]/);
  const fractional = df.mapPartitions(() => ({ n: [1.5] }), { meta: { n: 'int32' } });
  await rejects(fractional.compute({ scheduler: 'sync' }), /1\.5 \(number\) does not fit Int32/);
  const failing = df.mapPartitions((f) => {
    if (f.partition === 1) throw new Error('boom');
    return f.batch;
  }, { meta: df.schema });
  await rejects(failing.compute({ scheduler: 'sync' }), /failed on partition 1: boom/);
});

test('user-function rules: captured variables refused before any work on workers; module functions work', async () => {
  const factor = 2;
  const captured = df.mapPartitions((f) => ({ y: f.numbers('x').map((v) => v * factor) }), { meta: { y: 'float64' } });
  await rejects(captured.compute({ scheduler: 'threads' }), /uses 'factor' from outside itself/);
  // sync runs the closure as it is
  assert.is((await captured.compute({ scheduler: 'sync' })).numRows, 40);
  const mod = df.mapPartitions(udf(new URL('./map-partitions-fn.ts', import.meta.url).href, 'rowCount'), { meta: { rows: 'int32' } });
  assert.equal((await mod.toRecords({ scheduler: 'threads' })).map((r) => r.rows), [10, 10, 10, 10]);
});

test('mapPartitions validates fn, meta and options', () => {
  assert.throws(() => df.mapPartitions(42 as never, { meta: { y: 'float64' } }), /fn must be a function/);
  assert.throws(() => df.mapPartitions((f) => f.batch, { meta: { y: 'float128' } }), /dtype 'float128'/);
  assert.throws(() => df.mapPartitions((f) => f.batch, { meta: { y: 'float64' }, parms: 1 } as never), /unknown option 'parms'/);
});

test.run();
