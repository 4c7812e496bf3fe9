// groupby-apply: user functions per group, the mission's stratified OLS against an independent
// closed-form fit, how functions reach workers, and every failure path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compute, fromColumns, readCsv, udf, type GroupFrame, type SchedulerName } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';

const OLS_MODULE = new URL('../../examples/ols.ts', import.meta.url).href;

/** Reference OLS y ~ 1 + a + b by centred sums and Cramer's rule (independent of examples/ols.ts). */
function closedForm(y: number[], a: number[], b: number[]) {
  const n = y.length;
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / n;
  const my = mean(y);
  const ma = mean(a);
  const mb = mean(b);
  let saa = 0, sbb = 0, sab = 0, say = 0, sby = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma, db = b[i]! - mb, dy = y[i]! - my;
    saa += da * da; sbb += db * db; sab += da * db; say += da * dy; sby += db * dy;
  }
  const det = saa * sbb - sab * sab;
  const ba = (say * sbb - sby * sab) / det;
  const bb = (sby * saa - say * sab) / det;
  return { n, intercept: my - ba * ma - bb * mb, a: ba, b: bb };
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-apply-'));
execFileSync(process.execPath, [new URL('../../datasets/gen-airline.mjs', import.meta.url).pathname, dir, '2', '6000']);

for (const scheduler of SCHEDULERS) {
  const opts = { scheduler: scheduler as SchedulerName };

  test(`[${scheduler}] per-Origin OLS ArrDelay ~ DepDelay + Distance matches a closed-form fit to 1e-9`, async () => {
    const flights = readCsv(join(dir, '*.csv'), { blocksize: 200_000 });
    const fits = await flights
      .groupby('Origin')
      .apply(udf(OLS_MODULE, 'fitOls'), { params: { y: 'ArrDelay', x: ['DepDelay', 'Distance'] }, columns: ['ArrDelay', 'DepDelay', 'Distance'] })
      .compute(opts);
    // reference: every complete row, grouped by a plain Map
    const all = await flights.select(['Origin', 'ArrDelay', 'DepDelay', 'Distance']).compute(opts);
    const groups = new Map<string, { y: number[]; a: number[]; b: number[] }>();
    const [o, y, a, b] = ['Origin', 'ArrDelay', 'DepDelay', 'Distance'].map((c) => all.getChild(c)!);
    for (let i = 0; i < all.numRows; i++) {
      if (!o!.isValid(i) || !y!.isValid(i) || !a!.isValid(i) || !b!.isValid(i)) continue;
      const g = groups.get(o!.get(i)) ?? { y: [], a: [], b: [] };
      groups.set(o!.get(i), g);
      g.y.push(y!.get(i)); g.a.push(a!.get(i)); g.b.push(b!.get(i));
    }
    assert.ok(fits.numRows >= 20, `expected many origins, got ${fits.numRows}`);
    const origins = fits.getChild('Origin')!.toArray() as string[];
    assert.equal(origins, [...origins].sort(), 'rows sorted by key');
    let compared = 0;
    fits.toArray().forEach((row) => {
      const r = row.toJSON() as Record<string, number | string | null>;
      const ref = groups.get(r.Origin as string);
      if (!ref || ref.y.length < 4) return;
      const want = closedForm(ref.y, ref.a, ref.b);
      assert.is(r.n, want.n);
      for (const [got, exp] of [[r.intercept, want.intercept], [r.DepDelay, want.a], [r.Distance, want.b]] as const) {
        assert.ok(Math.abs((got as number) - exp) <= 1e-9 * Math.max(1, Math.abs(exp)), `${r.Origin}: ${got} vs ${exp}`);
      }
      compared++;
    });
    assert.ok(compared >= 20);
  });

  test(`[${scheduler}] self-contained functions with params; many result shapes`, async () => {
    const df = fromColumns({ k: ['a', 'b', 'a', 'c', 'b', 'a'], x: [1, 2, 3, 4, 5, 6] }, { npartitions: 3 });
    const scaled = await df.groupby('k').apply((g: GroupFrame, p: { f: number }) => ({ total: (g.col('x') as Float64Array).reduce((s, v) => s + v, 0) * p.f, rows: g.numRows }), { params: { f: 10 } }).compute(opts);
    assert.equal(scaled.toArray().map((r) => r.toJSON()), [{ k: 'a', total: 100, rows: 3 }, { k: 'b', total: 70, rows: 2 }, { k: 'c', total: 40, rows: 1 }]);
    const scalar = await df.groupby('k').apply((g: GroupFrame) => g.numRows).compute(opts);
    assert.equal(scalar.toArray().map((r) => r.toJSON()), [{ k: 'a', value: 3 }, { k: 'b', value: 2 }, { k: 'c', value: 1 }]);
    const many = await df.groupby('k').apply((g: GroupFrame) => Array.from(g.col('x') as Float64Array, (x) => ({ x2: x * 2 }))).compute(opts);
    assert.equal(many.getChild('x2')!.toJSON(), [2, 6, 12, 4, 10, 8]);
    const frames = await df.groupby('k').apply((g: GroupFrame) => g.batch.slice(0, 1)).compute(opts);
    assert.equal(frames.toArray().map((r) => r.toJSON()), [{ k: 'a', x: 1 }, { k: 'b', x: 2 }, { k: 'c', x: 4 }]);
    const t = await df.groupby('k').transform((g: GroupFrame) => { const x = g.col('x') as Float64Array; const m = x.reduce((s, v) => s + v, 0) / x.length; return Array.from(x, (v) => v - m); }, { name: 'centred' }).compute(opts);
    assert.is(t.numRows, 6);
    // rows come back in input order (like pandas), with the input's columns and no hidden ones
    assert.equal(t.schema.fields.map((f) => f.name), ['k', 'x', 'centred']);
    assert.equal([...(t.getChild('x')!.toArray() as Float64Array)], [1, 2, 3, 4, 5, 6]);
    assert.equal(t.getChild('k')!.toArray(), ['a', 'b', 'a', 'c', 'b', 'a']);
    const means: Record<string, number> = { a: 10 / 3, b: 3.5, c: 4 };
    const xs = [1, 2, 3, 4, 5, 6];
    const ks = ['a', 'b', 'a', 'c', 'b', 'a'];
    (t.getChild('centred')!.toArray() as Float64Array).forEach((v, i) => assert.ok(Math.abs(v - (xs[i]! - means[ks[i]!]!)) < 1e-12, `row ${i}`));
    const byKey = new Map<string, number>();
    t.toArray().forEach((r) => byKey.set(r.k, (byKey.get(r.k) ?? 0) + r.centred));
    for (const v of byKey.values()) assert.ok(Math.abs(v) < 1e-12, 'centred values sum to 0 per group');
  });

  test(`[${scheduler}] a throwing function names the group and bucket; inconsistent shapes are a clear error`, async () => {
    const df = fromColumns({ k: ['a', 'b', 'c'], x: [1, 2, 3] }, { npartitions: 2 });
    await df.groupby('k').apply((g: GroupFrame) => { if (g.key.k === 'b') throw new Error('singular matrix'); return { n: 1 }; }).compute(opts).then(
      () => assert.unreachable(),
      (e) => assert.match(String(e.message), /groupby\.apply: the function failed for group k="b" \(bucket \d+\): singular matrix/),
    );
    await df.groupby('k').apply((g: GroupFrame) => (g.key.k === 'c' ? { n: 1, extra: 2 } : { n: 1 }), { npartitions: 1 }).compute(opts).then(
      () => assert.unreachable(),
      (e) => assert.match(String(e.message), /group k="c" returned fields \[n, extra\] but group k="a" returned \[n\]/),
    );
    await df.groupby('k').apply((g: GroupFrame) => ({ v: g.key.k === 'a' ? 1 : 'one' }), { npartitions: 1 }).compute(opts).then(
      () => assert.unreachable(),
      (e) => assert.match(String(e.message), /column 'v' holds both number and string values/),
    );
  });
}

// Three files with their own key dictionaries (keys first seen in different orders), nulls in keys and
// values, and groups split over many partitions and buckets: every group must see exactly its rows, in input order.
const orderDir = mkdtempSync(join(tmpdir(), 'tessera-apply-order-'));
const orderRows: Array<{ id: number; k: string | null; v: number | null }> = [];
{
  const keys = ['ü', 'b', '__proto__', 'a', 'constructor', 'zz'];
  for (let f = 0; f < 3; f++) {
    const lines = ['id,k,v'];
    for (let i = 0; i < 400; i++) {
      const id = f * 1000 + i;
      const k = i % 23 === 0 ? null : keys[(i * (f + 2) + f) % keys.length]!;
      const v = i % 7 === 0 ? null : (i * 37) % 101 - 50;
      orderRows.push({ id, k, v });
      lines.push(`${id},${k ?? ''},${v ?? ''}`);
    }
    writeFileSync(join(orderDir, `part-${f}.csv`), lines.join('\n') + '\n');
  }
}

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] each group gets exactly its rows in input order across partitions and dictionaries, nulls kept`, async () => {
    const df = readCsv(join(orderDir, '*.csv'), { blocksize: 1500 });
    const seen = (g: GroupFrame) => {
      const ids = g.numbers('id');
      const v = g.numbers('v');
      let sum = 0;
      let nulls = 0;
      for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) nulls++; else sum += v[i]!;
      return { ids: Array.from(ids).join(' '), sum, nulls };
    };
    for (const dropna of [true, false]) {
      const got = await df.groupby('k', { dropna }).apply(seen, { npartitions: 3 }).compute({ scheduler });
      const want = new Map<string | null, { ids: number[]; sum: number; nulls: number }>();
      for (const r of orderRows) {
        if (r.k === null && dropna) continue;
        const w = want.get(r.k) ?? { ids: [], sum: 0, nulls: 0 };
        want.set(r.k, w);
        w.ids.push(r.id);
        if (r.v === null) w.nulls++;
        else w.sum += r.v;
      }
      const wantKeys = [...want.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
      assert.equal(got.toArray().map((r) => r.toJSON()), wantKeys.map((k) => ({ k, ids: want.get(k)!.ids.join(' '), sum: want.get(k)!.sum, nulls: want.get(k)!.nulls })), `dropna ${dropna}`);
    }
    // transform puts every row back in input order with its group's values
    const t = await df.groupby('k').transform((g: GroupFrame) => Array.from(g.numbers('id'), (_, i) => i), { name: 'rank', npartitions: 2 }).compute({ scheduler });
    const ranks = new Map<string, number>();
    const kept = orderRows.filter((r) => r.k !== null);
    assert.equal(Array.from(t.getChild('id')!.toArray() as Float64Array, Number), kept.map((r) => r.id));
    assert.equal(Array.from(t.getChild('rank')!.toArray() as ArrayLike<number>, Number), kept.map((r) => { const n = ranks.get(r.k!) ?? 0; ranks.set(r.k!, n + 1); return n; }));
  });
}

test('closures with free variables are rejected before any work when they must leave the thread', async () => {
  const df = fromColumns({ k: ['a', 'b'], x: [1, 2] });
  const factor = 3;
  let ran = 0;
  const err = await df.groupby('k').apply((g: GroupFrame) => g.numRows * factor).compute({ scheduler: 'threads', listeners: [{ onTaskStart: () => ran++ }] }).then(
    () => null,
    (e: Error) => e,
  );
  assert.ok(err);
  assert.match(err!.message, /the function uses 'factor' from outside itself, which cannot travel to 'threads' workers\. Pass such values as \{params: \{\.\.\.\}\}/);
  assert.is(ran, 0);
  // the same closure runs on the sync scheduler
  const ok = await df.groupby('k').apply((g: GroupFrame) => g.numRows * factor).compute({ scheduler: 'sync' });
  assert.equal(ok.getChild('value')!.toJSON(), [3, 3]);
});

test('a module reference to a missing export fails clearly', async () => {
  const df = fromColumns({ k: ['a'], x: [1] });
  await df.groupby('k').apply(udf(OLS_MODULE, 'noSuchFit')).compute({ scheduler: 'sync' }).then(
    () => assert.unreachable(),
    (e) => assert.match(String(e.message), /has no exported function 'noSuchFit' \(exports: fitOls\)/),
  );
});


// Shuffle pieces carry each run's key once, not on every row: the bucket rebuilds the key columns. A function
// that returns its whole group (every column, keys included, where the input had them) must get back exactly
// the input's rows, for two keys (a dictionary of strings and an integer with nulls) between value columns.
const twoKeyDir = mkdtempSync(join(tmpdir(), 'tessera-apply-keys-'));
const twoKeyRows: Array<{ x: number; s: string | null; k1: string; v: number | null; k2: number | null }> = [];
{
  for (let f = 0; f < 2; f++) {
    const lines = ['x,s,k1,v,k2'];
    for (let i = 0; i < 300; i++) {
      const x = f * 1000 + i;
      const row = { x, s: i % 5 === 0 ? null : `s${i % 9}`, k1: ['p', 'q', 'r'][(i * (f + 1)) % 3]!, v: i % 11 === 0 ? null : (i % 13) - 6.5, k2: i % 17 === 0 ? null : i % 4 };
      twoKeyRows.push(row);
      lines.push(`${row.x},${row.s ?? ''},${row.k1},${row.v ?? ''},${row.k2 ?? ''}`);
    }
    writeFileSync(join(twoKeyDir, `part-${f}.csv`), lines.join('\n') + '\n');
  }
}

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] groups see their key columns on every row, in the input's column order (two keys, nulls)`, async () => {
    const df = readCsv(join(twoKeyDir, '*.csv'), { blocksize: 2000 });
    for (const dropna of [true, false]) {
      const got = await df.groupby(['k1', 'k2'], { dropna }).apply((g: GroupFrame) => g.batch, { npartitions: 3 }).compute({ scheduler });
      assert.equal(got.schema.fields.map((f) => f.name), ['x', 's', 'k1', 'v', 'k2'], 'the columns the function returned, keys where the input had them');
      const want = twoKeyRows.filter((r) => !dropna || r.k2 !== null);
      const sortKey = (r: { k1: string; k2: number | null; x: number }) => `${r.k1}|${r.k2 === null ? 'zzz' : r.k2}|${String(r.x).padStart(6, '0')}`;
      const rows = got.toArray().map((r) => r.toJSON() as { x: number; s: string | null; k1: string; v: number | null; k2: number | null });
      // rows of a group come in input order and groups in key order (nulls last): sorting the expected rows the same way gives the same list
      assert.equal(rows.map((r) => ({ ...r })), [...want].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1)).map((r) => ({ x: r.x, s: r.s, k1: r.k1, v: r.v, k2: r.k2 })), `dropna ${dropna}`);
    }
    // only key columns: the rows still count
    const sizes = await df.select(['k1']).groupby('k1').apply((g: GroupFrame) => ({ rows: g.numRows, k: String(g.col('k1')[0]) + String(g.col('k1')[g.numRows - 1]) })).compute({ scheduler });
    const counts = new Map<string, number>();
    for (const r of twoKeyRows) counts.set(r.k1, (counts.get(r.k1) ?? 0) + 1);
    assert.equal(sizes.toArray().map((r) => r.toJSON()), ['p', 'q', 'r'].map((k) => ({ k1: k, rows: counts.get(k), k: k + k })));
    // bucket tasks let go of the workers' kept read buffers: reads in the same compute and after still agree
    const [perKey, total] = await compute(df.groupby('k1').apply((g: GroupFrame) => ({ rows: g.numRows }), { npartitions: 2 }), df.col('x').sum(), { scheduler });
    assert.equal(perKey.toArray().map((r) => r.toJSON()), ['p', 'q', 'r'].map((k) => ({ k1: k, rows: counts.get(k) })));
    assert.is(Number(total), twoKeyRows.reduce((s, r) => s + r.x, 0));
    const [max] = await compute(df.col('x').max(), { scheduler });
    assert.is(Number(max), Math.max(...twoKeyRows.map((r) => r.x)));
  });
}

test.run();
