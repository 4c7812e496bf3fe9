// The .str accessor on plain Utf8 and dictionary columns, at 1/4/40 partitions: DuckDB answers the
// same questions over random unicode text (lower, upper, contains, regexes, startsWith, endsWith,
// replace, length, strip), plain-loop references cover pandas' own rules (split+get, slice, pad).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeExecutors, fromColumns } from '../../../src/index.ts';
import { rng } from '../../helpers.ts';
import { query, sqlString } from '../../differential/oracle.ts';
import { col, frameOf, samePerPartitioning } from './verb-helpers.ts';

test.after(() => closeExecutors());

const PIECES = ['a', 'b', 'B', 'é', 'É', '🙂', '名前', ' ', '-', '.', ',', 'ab', 'x'];
const r = rng(18);
const N = 60;
const S: (string | null)[] = Array.from({ length: N }, (_, i) => {
  if (i % 9 === 4) return null;
  const k = Math.floor(r() * 6);
  return Array.from({ length: k }, () => PIECES[Math.floor(r() * PIECES.length)]).join('');
});
const KINDS = [
  { name: 'plain utf8', frame: (p: number) => frameOf(new Map([['__proto__', S]]), p) },
  { name: 'dictionary', frame: (p: number) => frameOf(new Map([['__proto__', S]]), p, ['__proto__']) },
];

/** DuckDB's answer for an SQL expression over s, row by row (null in, null out). */
async function duck(sqlExpr: string): Promise<unknown[]> {
  const values = S.map((s, i) => `(${i}, ${s === null ? 'NULL::VARCHAR' : sqlString(s)})`).join(', ');
  const rows = await query(`SELECT ${sqlExpr} FROM (VALUES ${values}) t(i, s) ORDER BY i`);
  return rows.map((row) => (typeof row[0] === 'bigint' ? Number(row[0]) : row[0]));
}

for (const kind of KINDS) {
  test(`str on ${kind.name}: lower, upper, strip, len, startsWith, endsWith, contains, replace agree with DuckDB`, async () => {
    const s = (p: number) => kind.frame(p).col('__proto__');
    assert.equal(String(s(1).dtype).startsWith('Dictionary'), kind.name === 'dictionary');
    const cases: Array<[string, (p: number) => ReturnType<typeof s>, string]> = [
      ['lower', (p) => s(p).str.lower(), 'lower(s)'],
      ['upper', (p) => s(p).str.upper(), 'upper(s)'],
      ['strip', (p) => s(p).str.strip(), 'trim(s)'],
      ['len', (p) => s(p).str.len(), 'length(s)'],
      ['startsWith', (p) => s(p).str.startsWith('a'), "starts_with(s, 'a')"],
      ['endsWith', (p) => s(p).str.endsWith('🙂'), "ends_with(s, '🙂')"],
      ['contains literal', (p) => s(p).str.contains('.', { regex: false }), "contains(s, '.')"],
      ['contains regex', (p) => s(p).str.contains('^[ab]+$'), "regexp_matches(s, '^[ab]+$')"],
      ['contains regex, case-insensitive', (p) => s(p).str.contains('é', { case: false }), "regexp_matches(s, 'é', 'i')"],
      ['replace literal', (p) => s(p).str.replace('ab', '¶'), "replace(s, 'ab', '¶')"],
      ['replace regex', (p) => s(p).str.replace(/([ab])x?/, '<$1>'), "regexp_replace(s, '([ab])x?', '<\\1>', 'g')"],
    ];
    for (const [name, make, sqlExpr] of cases) {
      const got = col(await samePerPartitioning(make), '__proto__');
      assert.equal(got, await duck(sqlExpr), name);
    }
    assert.equal(String(s(1).str.upper().dtype).startsWith('Dictionary'), kind.name === 'dictionary', 'a dictionary stays a dictionary');
    assert.is(String(s(1).str.len().dtype), 'Int32');
    assert.is(String(s(1).str.contains('a').dtype), 'Bool');
  });

  test(`str on ${kind.name}: split+get, slice, pad, lstrip/rstrip chars and replace n follow pandas`, async () => {
    const s = (p: number) => kind.frame(p).col('__proto__');
    const map = <T>(f: (x: string) => T) => S.map((x) => (x === null ? null : f(x)));
    const cps = (x: string) => Array.from(x);
    const partAt = (x: string, sep: string, i: number) => {
      const parts = x.split(sep);
      const k = i < 0 ? parts.length + i : i;
      return k >= 0 && k < parts.length ? parts[k]! : null;
    };
    for (const i of [0, 1, -1, 5]) assert.equal(col(await samePerPartitioning((p) => s(p).str.split(',').get(i)), '__proto__'), map((x) => partAt(x, ',', i)), `split get ${i}`);
    const ws = (x: string) => x.trim().split(/\s+/).filter((t) => t.length > 0);
    assert.equal(col(await samePerPartitioning((p) => s(p).str.split().get(0)), '__proto__'), map((x) => ws(x)[0] ?? null));
    assert.equal(col(await samePerPartitioning((p) => s(p).str.slice(1, 3)), '__proto__'), map((x) => cps(x).slice(1, 3).join('')));
    assert.equal(col(await samePerPartitioning((p) => s(p).str.slice(-2)), '__proto__'), map((x) => cps(x).slice(-2).join('')));
    assert.equal(col(await samePerPartitioning((p) => s(p).str.slice(null, null, -1)), '__proto__'), map((x) => cps(x).reverse().join('')));
    assert.equal(col(await samePerPartitioning((p) => s(p).str.pad(4, { fillchar: '·' })), '__proto__'), map((x) => '·'.repeat(Math.max(0, 4 - cps(x).length)) + x));
    assert.equal(col(await samePerPartitioning((p) => s(p).str.pad(4, { side: 'right' })), '__proto__'), map((x) => x + ' '.repeat(Math.max(0, 4 - cps(x).length))));
    assert.equal(col(await samePerPartitioning((p) => s(p).str.lstrip('a ')), '__proto__'), map((x) => x.replace(/^[a ]+/, '')));
    assert.equal(col(await samePerPartitioning((p) => s(p).str.rstrip('🙂')), '__proto__'), map((x) => x.replace(/(?:🙂)+$/u, '')));
    assert.equal(col(await samePerPartitioning((p) => s(p).str.replace('a', 'A', { n: 1 })), '__proto__'), map((x) => x.replace('a', 'A')));
  });
}

test("pad with side 'both' puts the odd character where Python's str.center does", async () => {
  // Checked with pandas 1.x: Series(['ab','abc']).str.pad(5, side='both', fillchar='*') == ['**ab*', '*abc*'].
  const got = await fromColumns({ s: ['ab', 'abc', 'a', ''] }).col('s').str.pad(5, { side: 'both', fillchar: '*' }).toList();
  assert.equal(got, ['**ab*', '*abc*', '**a**', '*****']);
  const even = await fromColumns({ s: ['ab', 'abc'] }).col('s').str.pad(6, { side: 'both', fillchar: '*' }).toList();
  assert.equal(even, ['**ab**', '*abc**']);
});

test('a dictionary column is transformed once per distinct value, and lower() merges entries it makes equal', async () => {
  const df = frameOf(new Map([['s', ['A', 'a', 'A', null, 'b']]]), 2, ['s']);
  let calls = 0;
  const out = await df.col('s').str.lower().map((v: string) => { calls++; return v; }, { dtype: 'string' }).toList({ scheduler: 'sync' });
  assert.equal(out, ['a', 'a', 'a', null, 'b']);
  assert.ok(calls <= 3, `map saw ${calls} values: lower() left one entry per distinct text in each partition`);
  const counts = await df.col('s').str.lower().valueCounts().toRecords();
  assert.equal(counts.map((r) => [r.s, Number(r.count)]), [['a', 3], ['b', 1]], 'groups by text, not by code');
});

test('str needs strings; bad patterns and options fail when built', () => {
  const df = fromColumns({ x: [1], s: ['a'] });
  assert.throws(() => df.col('x').str.lower(), /\.str needs a string column, got Int32/);
  assert.throws(() => df.col('s').str.contains('('), /invalid regular expression "\("/);
  assert.throws(() => df.col('s').str.replace('(', 'x', { regex: true }), /invalid regular expression/);
  assert.throws(() => df.col('s').str.pad(3, { fillchar: 'ab' }), /fillchar must be one character/);
  assert.throws(() => df.col('s').str.slice(0, 1, 0), /step must not be zero/);
  assert.throws(() => df.col('s').str.split('').get(0), /separator must not be empty/);
  assert.throws(() => df.col('s').str.contains('a', { regexp: true } as never), /unknown option 'regexp'/);
});

test('str kernels run on threads and processes', async () => {
  for (const scheduler of ['threads', 'processes'] as const) {
    const df = frameOf(new Map([['s', S]]), 4, ['s']);
    const got = await df.assign({ u: df.col('s').str.upper(), c: df.col('s').str.contains('[é🙂]') }).toRecords({ scheduler });
    assert.equal(got.map((x) => x.u), S.map((x) => (x === null ? null : x.toUpperCase())), scheduler);
    assert.equal(got.map((x) => x.c), S.map((x) => (x === null ? null : /[é🙂]/u.test(x))), scheduler);
  }
});

test.run();
