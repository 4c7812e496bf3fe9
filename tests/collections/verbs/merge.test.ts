// merge(): every `how` against DuckDB and against the one-partition result, through the hash shuffle and
// both broadcasts, with null keys (never matching), duplicate keys on both sides, unicode and hostile names,
// one side 1000x the other, empty partitions, and the validation errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DateDay, Dictionary, Int32, TimestampMillisecond, TimestampSecond, Utf8, vectorFromArray, Table } from 'apache-arrow';
import { type DataFrame, fromArrow, fromColumns } from '../../../src/index.ts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCHEDULERS, rejects, rng } from '../../helpers.ts';
import { duckRows, duckTable, rowStrings, sorted } from './duck-tables.ts';

const HOWS = ['inner', 'left', 'right', 'outer', 'semi', 'anti'] as const;
type How = (typeof HOWS)[number];

function data(seed: number, rows: number, keys: number, nullRate: number) {
  const r = rng(seed);
  const words = ['Zürich', '東京', '😀', 'a', '', 'O\'Hare', '\u0000x'];
  const k = Array.from({ length: rows }, () => (r() < nullRate ? null : Math.floor(r() * keys)));
  const s = Array.from({ length: rows }, () => (r() < nullRate ? null : words[Math.floor(r() * words.length)]!));
  const v = Array.from({ length: rows }, (_, i) => (r() < 0.1 ? null : i));
  return { k, s, v };
}

const L = data(1, 240, 30, 0.1);
const R = data(2, 60, 40, 0.1);

/** SQL of each how over tables l(k, s, v) and r(k, s, v) joined on k (and s when two keys). */
function sqlFor(how: How, keys: readonly string[]): string {
  const on = keys.map((c) => `l.${c} = r.${c}`).join(' AND ');
  if (how === 'semi' || how === 'anti') return `SELECT l.* FROM l ${how.toUpperCase()} JOIN r ON ${on}`;
  const kind = { inner: 'INNER', left: 'LEFT', right: 'RIGHT', outer: 'FULL OUTER' }[how];
  const keyCols = keys.map((c) => `COALESCE(l.${c}, r.${c})`);
  const others = ['k', 's', 'v'].filter((c) => !keys.includes(c));
  return `SELECT ${[...keyCols, ...others.map((c) => `l.${c}`), ...others.map((c) => `r.${c}`)].join(', ')} FROM l ${kind} JOIN r ON ${on}`;
}

function outColumns(how: How, keys: readonly string[]): string[] {
  if (how === 'semi' || how === 'anti') return ['k', 's', 'v'];
  const others = ['k', 's', 'v'].filter((c) => !keys.includes(c));
  return [...keys, ...others.map((c) => `${c}_x`), ...others.map((c) => `${c}_y`)];
}

const frame = (d: typeof L, npartitions: number) => fromColumns({ k: d.k, s: d.s, v: d.v }, { npartitions });

test('setup: DuckDB tables l and r', async () => {
  await duckTable('l', { k: { type: 'INTEGER', values: L.k }, s: { type: 'VARCHAR', values: L.s }, v: { type: 'INTEGER', values: L.v } });
  await duckTable('r', { k: { type: 'INTEGER', values: R.k }, s: { type: 'VARCHAR', values: R.s }, v: { type: 'INTEGER', values: R.v } });
});

for (const keys of [['k'], ['k', 's']] as const) {
  for (const how of HOWS) {
    test(`merge how=${how} on [${keys.join(', ')}]: hash shuffle, broadcasts and one partition all equal DuckDB`, async () => {
      const want = sorted(await duckRows(sqlFor(how, keys)));
      const cols = outColumns(how, keys);
      const variants: Array<[string, DataFrame]> = [
        ['hash 5x3', frame(L, 5).merge(frame(R, 3), { on: [...keys], how })],
        ['hash into 7', frame(L, 2).merge(frame(R, 3), { on: [...keys], how, npartitions: 7 })],
        ['one partition each', frame(L, 1).merge(frame(R, 1), { on: [...keys], how, broadcast: false })],
      ];
      if (['inner', 'left', 'semi', 'anti'].includes(how)) variants.push(['broadcast right', frame(L, 4).merge(frame(R, 1), { on: [...keys], how })]);
      if (['inner', 'right'].includes(how)) variants.push(['broadcast left', frame(L, 1).merge(frame(R, 4), { on: [...keys], how })]);
      if (how !== 'outer' && how !== 'right') variants.push(['forced broadcast', frame(L, 3).merge(frame(R, 2), { on: [...keys], how, broadcast: true })]);
      for (const [name, m] of variants) {
        assert.equal(m.columns, cols, name);
        const got = sorted(rowStrings(await m.toRecords({ scheduler: 'sync' }), cols));
        assert.equal(got.length, want.length, `${name}: row count`);
        assert.equal(got, want, name);
      }
    });
  }
}

for (const how of HOWS) {
  test(`merge how=${how} of two frames indexed by the key (setIndex) takes the sorted path and equals DuckDB`, async () => {
    const want = sorted(await duckRows(sqlFor(how, ['k'])));
    const m = frame(L, 5).setIndex('k').merge(frame(R, 3).setIndex('k'), { on: 'k', how });
    assert.match(m.explain(), /\(sorted\)/);
    assert.is(m.npartitions, 5);
    assert.equal(sorted(rowStrings(await m.toRecords({ scheduler: 'sync' }), outColumns(how, ['k']))), want);
  });
}

test('merge explain names the plan: broadcast of a one-partition side, hash otherwise, outer never broadcast', () => {
  assert.match(frame(L, 4).merge(frame(R, 1), { on: 'k' }).explain(), /broadcast-right/);
  assert.match(frame(L, 1).merge(frame(R, 4), { on: 'k', how: 'right' }).explain(), /broadcast-left/);
  assert.match(frame(L, 4).merge(frame(R, 1), { on: 'k', how: 'outer' }).explain(), /hash into 4/);
});

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] outer merge by hash shuffle equals the sync result`, async () => {
    const m = frame(L, 4).merge(frame(R, 3), { on: 'k', how: 'outer' });
    const cols = m.columns;
    const want = sorted(rowStrings(await m.toRecords({ scheduler: 'sync' }), cols));
    assert.equal(sorted(rowStrings(await m.toRecords({ scheduler }), cols)), want);
  });
}

test('null keys never match, on any side, in any how (DuckDB agrees above); NaN keys match each other as in DuckDB', async () => {
  const l = fromColumns({ k: [null, null, 1, NaN], a: [1, 2, 3, 4] }, { npartitions: 2 });
  const r = fromColumns({ k: [null, 1, NaN], b: [10, 20, 30] }, { npartitions: 2 });
  const inner = await l.merge(r, { on: 'k' }).toRecords({ scheduler: 'sync' });
  assert.equal(inner.map((x) => [x.a, x.b]).sort(), [[3, 20], [4, 30]]);
  const outer = await l.merge(r, { on: 'k', how: 'outer' }).toRecords({ scheduler: 'sync' });
  assert.is(outer.length, 5); // 2 matches, 2 null-key left rows, 1 null-key right row
  assert.is(outer.filter((x) => x.k === null).length, 3);
  const anti = await l.merge(r, { on: 'k', how: 'anti' }).toRecords({ scheduler: 'sync' });
  assert.equal(anti.map((x) => x.a), [1, 2]);
});

test('keys match by value across int32, int64 and float64; the coalesced key takes the union type', async () => {
  const l = fromColumns({ k: new Int32Array([1, 2, 3]), a: ['x', 'y', 'z'] });
  const r = fromColumns({ k: [2, 3.5, 1, 2 ** 53], b: [1, 2, 3, 4] }, { npartitions: 2 });
  const m = l.merge(r, { on: 'k', how: 'outer' });
  assert.is(m.dtypes.k, 'Float64');
  const rows = (await m.toRecords({ scheduler: 'sync' })).map((x) => `${x.k}:${x.a}:${x.b}`).sort();
  assert.equal(rows, ['1:x:3', '2:y:1', '3.5:null:2', '3:z:null', `${2 ** 53}:null:4`].sort());
  const big = fromColumns({ k: new BigInt64Array([2n ** 53n + 1n, 5n]), c: [1, 2] });
  const f = fromColumns({ k: [2 ** 53, 5], d: [7, 8] });
  // 2^53 + 1 is not 2^53: compared exactly, not through a float
  assert.equal((await big.merge(f, { on: 'k' }).toRecords({ scheduler: 'sync' })).map((x) => [x.c, x.d]), [[2, 8]]);
});

test('date and timestamp keys: every how vs a naive join, duplicates and nulls, before 1970 too; other types or units are refused', async () => {
  const DAY = 86_400_000;
  const r = rng(9);
  const days = [-400, -1, 0, 1, 2, 19000, 19001];
  const pick = () => (r() < 0.12 ? null : new Date(days[Math.floor(r() * days.length)]! * DAY + (r() < 0.3 ? 3_600_000 : 0)));
  const ld = Array.from({ length: 60 }, pick);
  const rd = Array.from({ length: 25 }, pick);
  const asDay = (d: Date | null) => (d === null ? null : new Date(Math.floor(d.getTime() / DAY) * DAY));
  for (const [name, type, norm] of [['date', () => new DateDay(), asDay], ['timestamp', () => new TimestampMillisecond(), (d: Date | null) => d]] as const) {
    const lk = ld.map(norm);
    const rk = rd.map(norm);
    const left = (n: number) => fromArrow(new Table({ t: vectorFromArray(lk, type()), a: vectorFromArray(lk.map((_, i) => i), new Int32()) }), { npartitions: n });
    const right = (n: number) => fromArrow(new Table({ t: vectorFromArray(rk, type()), b: vectorFromArray(rk.map((_, i) => i), new Int32()) }), { npartitions: n });
    const ms = (d: unknown) => (d === null || d === undefined ? null : (d as Date).getTime());
    for (const how of HOWS) {
      // Naive: nested loops, null never equal.
      const want: string[] = [];
      const rightUsed = new Set<number>();
      lk.forEach((x, i) => {
        const hits = rk.flatMap((y, j) => (x !== null && y !== null && x.getTime() === y.getTime() ? [j] : []));
        hits.forEach((j) => rightUsed.add(j));
        if (how === 'semi') return void (hits.length > 0 && want.push(`${ms(x)}|${i}`));
        if (how === 'anti') return void (hits.length === 0 && want.push(`${ms(x)}|${i}`));
        if (how === 'right') return void hits.forEach((j) => want.push(`${ms(x)}|${i}|${j}`));
        if (hits.length > 0) hits.forEach((j) => want.push(`${ms(x)}|${i}|${j}`));
        else if (how === 'left' || how === 'outer') want.push(`${ms(x)}|${i}|null`);
      });
      if (how === 'right' || how === 'outer') rk.forEach((y, j) => !rightUsed.has(j) && want.push(`${ms(y)}|null|${j}`));
      for (const [lp, rp, extra] of [[3, 2, { broadcast: false }], [1, 1, {}], [4, 1, {}]] as const) {
        if (rp === 1 && lp > 1 && !['inner', 'left', 'semi', 'anti'].includes(how)) continue;
        const m = left(lp).merge(right(rp), { on: 't', how, ...extra });
        const rows = (await m.toRecords({ scheduler: 'sync' })).map((x) => (how === 'semi' || how === 'anti' ? `${ms(x.t)}|${x.a}` : `${ms(x.t)}|${x.a}|${x.b}`));
        assert.equal(rows.sort(), [...want].sort(), `${name} ${how} ${lp}x${rp}`);
        assert.is(String(m.schema.fields[0]!.type), String(type()), `${name} key keeps its type`);
      }
    }
  }
  const d = fromArrow(new Table({ t: vectorFromArray([new Date(0)], new DateDay()) }));
  const ts = fromArrow(new Table({ t: vectorFromArray([new Date(0)], new TimestampMillisecond()) }));
  const tsSec = fromArrow(new Table({ t: vectorFromArray([new Date(0)], new TimestampSecond()) }));
  assert.throws(() => d.merge(ts, { on: 't' }), /dates\/timestamps of the same type and unit/);
  assert.throws(() => ts.merge(tsSec, { on: 't' }), /same type and unit/);
  assert.throws(() => ts.merge(fromColumns({ t: [0] }), { on: 't' }), /same type and unit/);
});

test('dictionary-encoded and plain string keys join, unicode included', async () => {
  const dict = vectorFromArray(['東京', 'a', null, '😀', 'a'], new Dictionary(new Utf8(), new Int32()));
  const l = fromArrow(new Table({ k: dict, n: vectorFromArray([1, 2, 3, 4, 5]) }), { npartitions: 2 });
  const r = fromColumns({ k: ['a', '😀', '東京', null], m: [10, 20, 30, 40] }, { npartitions: 2 });
  const got = (await l.merge(r, { on: 'k' }).toRecords({ scheduler: 'sync' })).map((x) => `${x.k}:${x.n}:${x.m}`).sort();
  assert.equal(got, ['a:2:10', 'a:5:10', '東京:1:30', '😀:4:20'].sort());
});

test('leftOn/rightOn keep both key columns; hostile names and suffixes; projection pushdown never renames', async () => {
  const l = fromColumns(new Map<string, unknown[]>([['__proto__', [1, 2, 3]], ['constructor', ['a', 'b', 'c']], ['id', [1, 2, 3]]]), { npartitions: 2 });
  const r = fromColumns(new Map<string, unknown[]>([['key', [3, 1, 1]], ['constructor', ['x', 'y', 'z']], ['id', [9, 8, 7]]]), { npartitions: 2 });
  const m = l.merge(r, { leftOn: '__proto__', rightOn: 'key', how: 'left', suffixes: ['_l', '_r'] });
  assert.equal(m.columns, ['__proto__', 'constructor_l', 'id_l', 'key', 'constructor_r', 'id_r']);
  const rows = await m.toRecords({ scheduler: 'sync' });
  assert.equal(rows.map((x) => `${x['__proto__']}:${x['constructor_l']}:${x['constructor_r']}`).sort(), ['1:a:y', '1:a:z', '2:b:null', '3:c:x']);
  // Only one right column is read after pruning; the names stay those of the full schemas.
  const only = await m.select(['constructor_r']).toRecords({ scheduler: 'sync' });
  assert.equal(only.map((x) => x['constructor_r']).sort(), ['x', 'y', 'z', null].sort());
});

test('one side 1000x larger: 30000 rows against 30, by broadcast and by shuffle, count and sums match a naive join', async () => {
  const r = rng(9);
  const bigK = Array.from({ length: 30000 }, () => (r() < 0.01 ? null : Math.floor(r() * 40)));
  const smallK = Array.from({ length: 30 }, (_, i) => (i === 29 ? null : i % 25));
  const big = fromColumns({ k: bigK, x: bigK.map((_, i) => i) }, { npartitions: 6 });
  const small = fromColumns({ k: smallK, y: smallK.map((_, i) => i) });
  const count = new Map<number, number>();
  for (const k of smallK) if (k !== null) count.set(k, (count.get(k) ?? 0) + 1);
  let rows = 0;
  let left = 0;
  for (const k of bigK) {
    const c = k === null ? 0 : count.get(k) ?? 0;
    rows += c;
    left += Math.max(1, c);
  }
  for (const [name, m] of [['broadcast', big.merge(small, { on: 'k' })], ['shuffle', big.merge(small, { on: 'k', broadcast: false })]] as const) {
    assert.is((await m.compute({ scheduler: 'sync' })).numRows, rows, name);
  }
  assert.is((await big.merge(small, { on: 'k', how: 'left' }).compute({ scheduler: 'sync' })).numRows, left);
  assert.is((await small.merge(big, { on: 'k', how: 'right' }).compute({ scheduler: 'sync' })).numRows, left);
});

test('empty partitions and an empty side', async () => {
  const base = frame(L, 6);
  const l = base.filter(base.col('v').lt(40)); // later partitions become empty
  const r = frame(R, 3);
  for (const how of HOWS) {
    const one = sorted(rowStrings(await l.repartition({ npartitions: 1 }).merge(r.repartition({ npartitions: 1 }), { on: 'k', how, broadcast: false }).toRecords({ scheduler: 'sync' }), outColumns(how, ['k'])));
    const many = sorted(rowStrings(await l.merge(r, { on: 'k', how }).toRecords({ scheduler: 'sync' }), outColumns(how, ['k'])));
    assert.equal(many, one, how);
  }
  const none = r.filter(r.col('k').gt(1000));
  assert.is((await frame(L, 3).merge(none, { on: 'k', how: 'left' }).compute({ scheduler: 'sync' })).numRows, L.k.length);
  assert.is((await frame(L, 3).merge(none, { on: 'k' }).compute({ scheduler: 'sync' })).numRows, 0);
  const t = await frame(L, 3).merge(none, { on: 'k', how: 'outer' }).compute({ scheduler: 'sync' });
  assert.is(t.numRows, L.k.length);
  assert.is(t.getChild('v_y')!.nullCount, L.k.length);
});

const shuffleDirs = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`tessera-shuffle-${process.pid}-`));

test("shuffle: 'disk' writes pieces to a run-owned directory, gives the same rows, and removes it after success and failure", async () => {
  assert.equal(shuffleDirs(), []);
  let most = 0;
  const listeners = [{ onTaskFinish: () => { for (const d of shuffleDirs()) most = Math.max(most, fs.readdirSync(path.join(os.tmpdir(), d)).length); } }];
  const m = frame(L, 4).merge(frame(R, 3), { on: 'k', how: 'outer' });
  const cols = m.columns;
  const want = sorted(rowStrings(await m.toRecords({ scheduler: 'sync' }), cols));
  assert.equal(sorted(rowStrings(await m.toRecords({ scheduler: 'sync', shuffle: 'disk', listeners }), cols)), want);
  assert.ok(most > 0, 'pieces were written to disk');
  assert.equal(shuffleDirs(), []);
  const s = frame(L, 4).sortValues(['s', 'v']);
  assert.equal(rowStrings(await s.toRecords({ scheduler: 'sync', shuffle: 'disk' }), ['k', 's', 'v']), rowStrings(await s.toRecords({ scheduler: 'sync' }), ['k', 's', 'v']));
  m.explain({ shuffle: 'disk' });
  assert.equal(shuffleDirs(), [], 'explain() creates nothing');
  const failing = m.mapPartitions((f) => {
    if (f.partition === 2) throw new Error('boom');
    return f.batch;
  }, { meta: m.schema });
  await rejects(failing.compute({ scheduler: 'sync', shuffle: 'disk' }), /boom/);
  assert.equal(shuffleDirs(), []);
  assert.throws(() => m.explain({ shuffle: 'tape' as never }), /shuffle must be 'memory' or 'disk'/);
});

test('merge validates its options before any work', () => {
  const l = frame(L, 2);
  const r = frame(R, 2);
  assert.throws(() => l.merge(r, { on: 'nope' }), /nope/);
  assert.throws(() => l.merge(r, { on: 'k', how: 'cross' as How }), /how must be one of/);
  assert.throws(() => l.merge(r, { on: 'k', leftOn: 'k' }), /either on, or leftOn/);
  assert.throws(() => l.merge(r, { leftOn: 'k' }), /leftOn and rightOn go together/);
  assert.throws(() => l.merge(r, { leftOn: 'k', rightOn: 's' }), /keys must both be numbers/);
  assert.throws(() => l.merge(r, { on: 'k', how: 'outer', broadcast: true }), /cannot broadcast/);
  assert.throws(() => l.merge(r, { on: 'k', suffixes: ['_a', '_a'] }), /would come from both/);
  assert.throws(() => l.merge(r, { on: 'k', hwo: 'left' } as never), /unknown option 'hwo'/);
  assert.throws(() => l.merge(fromColumns({ z: [1] }), {}), /no column in common/);
});

test.run();
