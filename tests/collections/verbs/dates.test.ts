// Dates and timestamps: CSV inference of ISO text, .dt fields and floor/ceil, comparisons with ISO
// literals (exact in every unit), min/max/count, groupby keys and counts (finding F6), toDatetime.
// DuckDB answers the same questions over random moments from 1900 to 2100 (before the epoch too).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateDay, Table, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Timestamp, TimeUnit, vectorFromArray } from 'apache-arrow';
import { closeExecutors, compute, fromArrow, fromColumns, readCsv, toDatetime } from '../../../src/index.ts';
import { rejects, rng } from '../../helpers.ts';
import { query } from '../../differential/oracle.ts';
import { col, samePerPartitioning } from './verb-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-dates-'));
test.after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeExecutors();
});

const r = rng(6);
const N = 80;
const DAY = 86_400_000;
const LO = Date.UTC(1900, 0, 1);
const HI = Date.UTC(2100, 0, 1);
// Whole seconds with a few round days and milliseconds, and nulls.
const MS: (number | null)[] = Array.from({ length: N }, (_, i) => {
  if (i % 11 === 5) return null;
  const t = LO + Math.floor(r() * (HI - LO));
  return i % 7 === 0 ? Math.floor(t / DAY) * DAY : i % 5 === 0 ? t : Math.floor(t / 1000) * 1000;
});
const file = join(dir, 'moments.csv');
writeFileSync(file, `constructor,day,v\n${MS.map((t, i) => `${t === null ? '' : new Date(t).toISOString()},${t === null ? 'NA' : new Date(t).toISOString().slice(0, 10)},${i}`).join('\n')}\n`);
const csv = (blocksize?: number) => readCsv(file, blocksize ? { blocksize } : {});

async function duck(sqlExpr: string): Promise<unknown[]> {
  const values = MS.map((t, i) => `(${i}, ${t === null ? 'NULL::TIMESTAMP' : `epoch_ms(${t}::BIGINT)`})`).join(', ');
  const rows = await query(`SELECT ${sqlExpr} FROM (VALUES ${values}) t(i, t) ORDER BY i`);
  return rows.map((row) => {
    const v = row[0];
    if (typeof v === 'bigint') return Number(v);
    if (v !== null && typeof v === 'object' && 'micros' in (v as object)) return Number((v as { micros: bigint }).micros / 1000n);
    return v;
  });
}

test('CSV infers ISO timestamps and dates (the default), at any blocksize', async () => {
  for (const bs of [undefined, 700, 2000]) {
    const df = csv(bs);
    assert.equal(df.dtypes, { constructor: 'Timestamp<MILLISECOND>', day: 'Date32<DAY>', v: 'Int32' }, `blocksize ${bs}`);
    assert.equal(await df.col('constructor').toList(), MS.map((t) => (t === null ? null : new Date(t))));
    assert.equal(await df.col('day').toList(), MS.map((t) => (t === null ? null : new Date(Math.floor(t / DAY) * DAY))));
  }
  assert.is(readCsv(file, { parseDates: false }).dtypes.constructor, 'Utf8');
  // A sampled date column that later meets other text widens to a string (never a wrong date).
  const mixed = join(dir, 'mixed.csv');
  writeFileSync(mixed, `d\n${Array.from({ length: 3000 }, () => '2001-01-01').join('\n')}\nsoon\n`);
  const t = await readCsv(mixed, { sampleBytes: 1024, blocksize: 4096 }).col('d').toList();
  assert.is(t.at(-1), 'soon');
  assert.is(t[0], '2001-01-01');
});

test('.dt fields and floor/ceil agree with DuckDB (timestamps before and after 1970)', async () => {
  const t = (p: number) => csv(p === 1 ? undefined : p === 4 ? 1500 : 400).col('constructor');
  const cases: Array<[string, (p: number) => ReturnType<typeof t>, string]> = [
    ['year', (p) => t(p).dt.year, 'year(t)'],
    ['month', (p) => t(p).dt.month, 'month(t)'],
    ['day', (p) => t(p).dt.day, 'day(t)'],
    ['hour', (p) => t(p).dt.hour, 'hour(t)'],
    ['minute', (p) => t(p).dt.minute, 'minute(t)'],
    ['second', (p) => t(p).dt.second, 'second(t)'],
    ['quarter', (p) => t(p).dt.quarter, 'quarter(t)'],
    ['dayofweek (Monday = 0)', (p) => t(p).dt.dayofweek, 'isodow(t) - 1'],
    ['dayofyear', (p) => t(p).dt.dayofyear, 'dayofyear(t)'],
    ['floor D', (p) => t(p).dt.floor('D'), "date_trunc('day', t)"],
    ['floor h', (p) => t(p).dt.floor('h'), "date_trunc('hour', t)"],
    ['floor min', (p) => t(p).dt.floor('min'), "date_trunc('minute', t)"],
  ];
  for (const [name, make, sqlExpr] of cases) {
    const got = col(await samePerPartitioning(make), 'constructor').map((v) => (v instanceof Date ? v.getTime() : v));
    assert.equal(got, await duck(sqlExpr), name);
  }
  const ceil = col(await samePerPartitioning((p) => t(p).dt.ceil('h')), 'constructor').map((v) => (v instanceof Date ? v.getTime() : v));
  assert.equal(ceil, MS.map((x) => (x === null ? null : Math.ceil(x / 3_600_000) * 3_600_000)));
  const days = await csv(700).col('day').dt.dayofweek.toList();
  assert.equal(days, await duck('isodow(t) - 1'), 'date columns too');
  assert.is(String(csv().col('day').dt.floor('h').dtype), 'Date32<DAY>', 'floor to a unit finer than a day leaves dates as they are');
});

test('comparisons with ISO literals and between columns are exact in every unit', async () => {
  const cut = '1999-06-15T12:30:00.5Z';
  const cutMs = Date.parse(cut);
  for (const p of [1, 4, 40]) {
    const df = csv(p === 1 ? undefined : p === 4 ? 1500 : 400);
    const t = df.col('constructor');
    assert.equal(await t.gt(cut).toList(), MS.map((x) => (x === null ? null : x > cutMs)), `gt ${p}`);
    assert.equal(await t.le('1999-06-15').toList(), MS.map((x) => (x === null ? null : x <= Date.UTC(1999, 5, 15))));
    assert.equal(await df.col('day').ge('1999-06-15T00:00:01').toList(), MS.map((x) => (x === null ? null : Math.floor(x / DAY) * DAY >= Date.UTC(1999, 5, 15, 0, 0, 1))), 'a date is below any later moment of its day');
    assert.equal(await df.col('day').eq(t).toList(), MS.map((x) => (x === null ? null : x % DAY === 0)), 'date vs timestamp');
    const n = await df.filter(t.lt('1950-01-01')).col('v').count().compute();
    const early = (await duck("t < TIMESTAMP '1950-01-01'")).filter((b) => b === true).length;
    assert.is(n, early, 'DuckDB counts the same rows before 1950');
    assert.ok(early > 0 && early < MS.length);
    assert.equal(await t.between('1950-01-01', new Date(Date.UTC(2000, 0, 1))).toList(), MS.map((x) => x !== null && x >= Date.UTC(1950, 0, 1) && x <= Date.UTC(2000, 0, 1)));
  }
  // Seconds and nanoseconds: a literal between two stored units compares as the moment it is.
  const sec = fromArrow(new Table({ s: vectorFromArray([new Date(1000), new Date(2000)], new TimestampSecond()) }));
  assert.equal(await sec.col('s').gt('1970-01-01T00:00:01.5').toList(), [false, true]);
  assert.equal(await sec.col('s').ge('1970-01-01T00:00:01').toList(), [true, true]);
  const ns = fromArrow(new Table({ n: vectorFromArray([new Date(Date.UTC(2262, 0, 1)), new Date(1)], new TimestampNanosecond()) }));
  assert.equal(await ns.col('n').gt('2262-01-01').toList(), [false, false]);
  assert.equal(await ns.col('n').eq('1970-01-01T00:00:00.001').toList(), [false, true]);
  assert.throws(() => csv().col('constructor').gt('yesterday'), /'yesterday' is not an ISO date/);
  assert.throws(() => csv().col('constructor').gt(5), /cannot compare/);
});

test('min / max compute to Dates, count counts; with other outputs in one compute', async () => {
  const df = csv(700);
  const t = df.col('constructor');
  const [mn, mx, n, dmin] = await compute(t.min(), t.max(), t.count(), df.col('day').max());
  const ms = MS.filter((x): x is number => x !== null);
  assert.equal(mn, new Date(Math.min(...ms)));
  assert.equal(mx, new Date(Math.max(...ms)));
  assert.is(n, ms.length);
  assert.equal(dmin, new Date(Math.floor(Math.max(...ms) / DAY) * DAY));
  const none = fromArrow(new Table({ d: vectorFromArray([null, null] as (Date | null)[], new DateDay()) }), { npartitions: 2 });
  assert.is(await none.col('d').min().compute(), null);
});

test('groupby keys and count/nunique/first/last on dates and timestamps (finding F6)', async () => {
  const ref = new Map<number, number>();
  MS.forEach((x) => x !== null && ref.set(new Date(x).getUTCFullYear(), (ref.get(new Date(x).getUTCFullYear()) ?? 0) + 1));
  for (const bs of [undefined, 400]) {
    const df = csv(bs);
    const byDecade = await df.assign({ k: df.col('constructor').dt.floor('D') }).groupby('day').agg({ n: ['constructor', 'count'], u: ['k', 'nunique'], f: ['constructor', 'first'], l: ['constructor', 'last'] }).toRecords();
    const want = new Map<number, { n: number; f: number; l: number }>();
    MS.forEach((x) => {
      if (x === null) return;
      const d = Math.floor(x / DAY) * DAY;
      const w = want.get(d);
      if (w) {
        w.n++;
        w.l = x;
      } else want.set(d, { n: 1, f: x, l: x });
    });
    const keys = [...want.keys()].sort((a, b) => a - b);
    assert.equal(byDecade.map((row) => (row.day as Date).getTime()), keys);
    assert.equal(byDecade.map((row) => [Number(row.n), Number(row.u), (row.f as Date).getTime(), (row.l as Date).getTime()]), keys.map((k) => [want.get(k)!.n, 1, want.get(k)!.f, want.get(k)!.l]));
    // valueCounts and nunique on a timestamp column.
    const vc = await df.col('constructor').valueCounts().toRecords();
    assert.is(vc.reduce((s, row) => s + Number(row.count), 0), MS.filter((x) => x !== null).length);
    assert.is(await df.col('constructor').nunique().compute(), new Set(MS.filter((x) => x !== null)).size);
  }
  assert.throws(() => csv().groupby('v').agg({ m: ['constructor', 'mean'] }), /mean\(\) needs a numeric column/);
});

test('toDatetime: ISO text, strftime formats, numbers with a unit; failures name the value', async () => {
  const text = ['2001-02-03', '2001-02-03 04:05:06', '2001-02-03T04:05:06.789+02:00', null, ' 1969-12-31T23:59:59Z '];
  const got = await samePerPartitioning((p) => toDatetime(fromColumns(new Map([['__proto__', text]]), { npartitions: p }).col('__proto__')));
  assert.equal(col(got, '__proto__').map((d) => (d === null ? null : (d as Date).toISOString())), ['2001-02-03T00:00:00.000Z', '2001-02-03T04:05:06.000Z', '2001-02-03T02:05:06.789Z', null, '1969-12-31T23:59:59.000Z']);
  const fmt = await toDatetime(fromColumns({ s: ['03/02/2001 4:05', '31/12/1999 23:59'] }).col('s'), { format: '%d/%m/%Y %H:%M' }).toList();
  assert.equal(fmt, [new Date(Date.UTC(2001, 1, 3, 4, 5)), new Date(Date.UTC(1999, 11, 31, 23, 59))]);
  const coerce = await toDatetime(fromColumns({ s: ['2001-02-30', 'x', '2001-02-28'] }).col('s'), { errors: 'coerce' }).toList();
  assert.equal(coerce, [null, null, new Date(Date.UTC(2001, 1, 28))]);
  await rejects(toDatetime(fromColumns({ s: ['2001-01-01', 'soon'] }, { npartitions: 2 }).col('s')).compute(), /"soon" \(row 0 of the partition\) is not a ISO date or timestamp; pass \{errors: 'coerce'\}/);
  const secs = await toDatetime(fromColumns({ n: [0, 86400, -1, null] }).col('n'), { unit: 's' }).toList();
  assert.equal(secs, [new Date(0), new Date(DAY), new Date(-1000), null]);
  assert.throws(() => toDatetime(fromColumns({ n: [1] }).col('n')), /numbers need \{unit/);
  assert.throws(() => toDatetime(fromColumns({ s: ['x'] }).col('s'), { format: '%Q' }), /format directive %Q is not supported/);
  assert.throws(() => fromColumns({ s: ['x'] }).col('s').dt.year, /\.dt needs a date or timestamp column, got Utf8; parse text first with toDatetime/);
  const zoned = fromArrow(new Table({ z: vectorFromArray([new Date(0)], new Timestamp(TimeUnit.MILLISECOND, 'Mars/Olympus')) }));
  assert.throws(() => zoned.col('z').dt.hour, /unknown time zone "Mars\/Olympus"; use an IANA name/);
  assert.throws(() => toDatetime(fromColumns({ s: ['x'] }).col('s'), { tz: 'CEST' }), /unknown time zone "CEST"/);
  assert.throws(() => csv().col('constructor').dt.floor('M'), /unit must be one of D, h, min, s, ms, us, ns/);
  void TimestampMillisecond;
});

// Instants around DST changes (both directions, a 30-minute DST, a zone changing at midnight, southern
// hemisphere) and fixed offsets; .dt fields and floor against DuckDB's ICU time zones.
const ZONES = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', '+05:30', '-03:00'];
const TRANSITIONS = [Date.UTC(2021, 2, 28, 1), Date.UTC(2021, 9, 31, 1), Date.UTC(2021, 2, 14, 7), Date.UTC(2021, 10, 7, 6), Date.UTC(2021, 3, 3, 15), Date.UTC(2021, 8, 4, 4), Date.UTC(1950, 5, 1)];

test('time zones: .dt fields and floor/ceil read the wall clock of IANA zones and fixed offsets, around DST changes (DuckDB ICU agrees)', async () => {
  const rz = rng(17);
  const instants = TRANSITIONS.flatMap((t) => Array.from({ length: 12 }, () => t + Math.round((rz() - 0.5) * 6 * 3_600_000 / 1000) * 1000));
  instants.push(Date.UTC(2021, 2, 28, 1), Date.UTC(2021, 9, 31, 0, 59, 59));
  for (const tz of ZONES) {
    const df = fromArrow(new Table({ t: vectorFromArray(instants.map((x) => new Date(x)), new Timestamp(TimeUnit.MILLISECOND, tz)) }), { npartitions: 3 });
    const t = df.col('t');
    const [h, mi, d, wd, y, fd, fh] = await compute(t.dt.hour, t.dt.minute, t.dt.day, t.dt.dayofweek, t.dt.year, t.dt.floor('D'), t.dt.floor('h'), { scheduler: 'sync' });
    const values = instants.map((x, i) => `(${i}, to_timestamp(${x / 1000}))`).join(', ');
    // Floors: on TIMESTAMPTZ in the session zone for IANA names (a round trip through naive local time would
    // put a repeated hour's floor after the value); a fixed offset has no repeated hours.
    const fixed = /^[+-]/.test(tz);
    const mins = fixed ? (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) : 0;
    const floorSql = (unit: string) => (fixed ? `epoch_ms(date_trunc('${unit}', l) - INTERVAL (${mins}) MINUTE)` : `epoch_ms(date_trunc('${unit}', t))`);
    const localSql = fixed ? `timezone('UTC', t) + INTERVAL (${mins}) MINUTE` : `timezone('${tz}', t)`;
    let rows: unknown[][];
    try {
      if (!fixed) await query(`SET TimeZone = '${tz}'`);
      rows = await query(`SELECT hour(l), minute(l), day(l), (dayofweek(l) + 6) % 7, year(l), ${floorSql('day')}, ${floorSql('hour')} FROM (SELECT i, t, ${localSql} AS l FROM (VALUES ${values}) v(i, t)) ORDER BY i`);
    } finally {
      await query(`SET TimeZone = 'UTC'`);
    }
    const num = (v: unknown) => Number(v);
    assert.equal([...h!].map(num), rows.map((r) => num(r[0])), `${tz} hour`);
    assert.equal([...mi!].map(num), rows.map((r) => num(r[1])), `${tz} minute`);
    assert.equal([...d!].map(num), rows.map((r) => num(r[2])), `${tz} day`);
    assert.equal([...wd!].map(num), rows.map((r) => num(r[3])), `${tz} dayofweek`);
    assert.equal([...y!].map(num), rows.map((r) => num(r[4])), `${tz} year`);
    // Santiago's clocks skip midnight: its floor('D') can land in the gap; DuckDB and tessera both move past it.
    assert.equal([...fd!].map(num), rows.map((r) => num(r[5])), `${tz} floor D`);
    // floor('h') is at or below its value. DuckDB's ICU truncation of a value in the second
    // run of a repeated hour (clocks set back) returns the hour's *second* start, after the value; there
    // tessera keeps the value's own offset, and elsewhere the two agree.
    const floors = [...fh!].map(num);
    // (Lord Howe sets clocks back 30 minutes: 01:00 local of such a value was up to 90 minutes before it.)
    floors.forEach((f, k) => assert.ok(f <= instants[k]! && instants[k]! - f < 5_400_000, `${tz} floor h of ${instants[k]}`));
    assert.equal(floors.filter((_, k) => num(rows[k]![6]) <= instants[k]!), rows.map((r) => num(r[6])).filter((f, k) => f <= instants[k]!), `${tz} floor h`);
  }
});

test('toDatetime({tz}): wall-clock text in the zone, its own offset kept; a time skipped by DST moves past the gap, a repeated one is its first occurrence', async () => {
  const text = ['2021-03-28 01:30', '2021-03-28 02:30', '2021-03-28 03:30', '2021-10-31 02:30', '2021-10-31 03:30', '2021-10-31T02:30+01:00', '2021-10-31', null];
  const got = await samePerPartitioning((p) => toDatetime(fromColumns({ s: text }, { npartitions: p }).col('s'), { tz: 'Europe/Paris' }));
  const iso = col(got, 's').map((x) => (x === null ? null : (x as Date).toISOString()));
  assert.equal(iso, ['2021-03-28T00:30:00.000Z', '2021-03-28T01:30:00.000Z', '2021-03-28T01:30:00.000Z', '2021-10-31T00:30:00.000Z', '2021-10-31T02:30:00.000Z', '2021-10-31T01:30:00.000Z', '2021-10-30T22:00:00.000Z', null]);
  const s = toDatetime(fromColumns({ s: text }).col('s'), { tz: 'Europe/Paris' });
  assert.is(String(s.dtype), 'Timestamp<MILLISECOND, Europe/Paris>');
  assert.equal(await s.dt.hour.toList(), [1, 3, 3, 2, 3, 2, 0, null]);
  const ceil = (await s.dt.ceil('h').toList()).map((x) => (x === null ? null : (x as Date).toISOString()));
  assert.equal(ceil, ['2021-03-28T01:00:00.000Z', '2021-03-28T02:00:00.000Z', '2021-03-28T02:00:00.000Z', '2021-10-31T02:00:00.000Z', '2021-10-31T03:00:00.000Z', '2021-10-31T02:00:00.000Z', '2021-10-30T22:00:00.000Z', null]);
  // A format and a fixed offset; the same text in UTC for contrast.
  const fixed = await toDatetime(fromColumns({ s: ['31/12/1999 23:59'] }).col('s'), { format: '%d/%m/%Y %H:%M', tz: '-03:00' }).toList();
  assert.equal(fixed, [new Date(Date.UTC(2000, 0, 1, 2, 59))]);
  // Unambiguous wall-clock times agree with DuckDB's ICU (timezone(zone, TIMESTAMP) reads a local time).
  const local = ['2021-01-15 08:00:00', '2021-07-15 23:30:00', '1950-06-01 12:00:00', '2021-04-03 22:00:00'];
  for (const tz of ZONES.slice(0, 5)) {
    const mine = (await toDatetime(fromColumns({ s: local }).col('s'), { tz }).toList()).map((x) => (x as Date).getTime());
    const rows = await query(`SELECT ${local.map((l) => `epoch_ms(timezone('${tz}', TIMESTAMP '${l}'))`).join(', ')}`);
    assert.equal(mine, rows[0]!.map(Number), tz);
  }
});

test("readCsv parseDates: {column: format}: parsed with the format at any blocksize; a bad value names file, line, column, value and format; options checked", async () => {
  const f = join(dir, 'formatted.csv');
  const when = MS.map((t) => (t === null ? 'NA' : `${String(new Date(t).getUTCDate()).padStart(2, '0')}/${String(new Date(t).getUTCMonth() + 1).padStart(2, '0')}/${new Date(t).getUTCFullYear()} ${String(new Date(t).getUTCHours()).padStart(2, '0')}:${String(new Date(t).getUTCMinutes()).padStart(2, '0')}`));
  writeFileSync(f, `id,when,iso\n${when.map((w, i) => `${i},${w},2001-01-0${(i % 9) + 1}`).join('\n')}\n`);
  const want = MS.map((t) => (t === null ? null : Math.floor(t / 60_000) * 60_000));
  for (const blocksize of [undefined, 300]) {
    const df = readCsv(f, { parseDates: { when: '%d/%m/%Y %H:%M' }, ...(blocksize ? { blocksize } : {}) });
    assert.is(String(df.schema.fields[1]!.type), 'Timestamp<MILLISECOND>');
    assert.is(String(df.schema.fields[2]!.type), 'Date32<DAY>', 'other columns keep ISO detection');
    const got = (await df.col('when').toList({ scheduler: 'sync' })).map((d) => (d === null ? null : (d as Date).getTime()));
    assert.equal(got, want, `blocksize ${blocksize}`);
  }
  const bad = join(dir, 'bad-dates.csv');
  writeFileSync(bad, 'k,when\n1,03/02/2001 04:05\n2,2001-02-03 04:05\n');
  await rejects(readCsv(bad, { parseDates: { when: '%d/%m/%Y %H:%M' } }).compute({ scheduler: 'sync' }), /bad-dates\.csv line 3 \(byte 26\), column 'when': value "2001-02-03 04:05" is not a date in format '%d\/%m\/%Y %H:%M'/);
  assert.throws(() => readCsv(bad, { parseDates: { nope: '%Y' } }), /parseDates names 'nope', which is not a column \(columns: 'k', 'when'\)/);
  assert.throws(() => readCsv(bad, { parseDates: { when: '%Y %q' } }), /column 'when': format directive %q is not supported/);
  assert.throws(() => readCsv(bad, { parseDates: { when: '%Y' }, dtype: { when: 'string' } }), /a format for 'when' and options.dtype a type/);
});

test('date verbs on threads and processes', async () => {
  for (const scheduler of ['threads', 'processes'] as const) {
    const df = csv(700);
    const t = df.col('constructor');
    const out = await df.assign({ y: t.dt.year, f: t.dt.floor('D'), late: t.gt('2000-01-01') }).groupby('y').agg({ n: ['late', 'sum'] }).toRecords({ scheduler });
    const want = new Map<number, number>();
    MS.forEach((x) => x !== null && want.set(new Date(x).getUTCFullYear(), (want.get(new Date(x).getUTCFullYear()) ?? 0) + (x > Date.UTC(2000, 0, 1) ? 1 : 0)));
    assert.equal(out.map((row) => [row.y, Number(row.n)]), [...want.entries()].sort((a, b) => a[0] - b[0]), scheduler);
    assert.equal(await t.min().compute({ scheduler }), new Date(Math.min(...MS.filter((x): x is number => x !== null))));
  }
});

test.run();
