import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, readCsv, toCsv } from '../../src/index.ts';
import { fixture, readAll, rowsOf } from '../fixtures/csv/expect.ts';

// DuckDB's read_csv is the independent reference: same files, same NA strings, rows compared as plain
// values (integers compared as numbers, since DuckDB widens to BIGINT where tessera keeps int32).

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
  conn.closeSync();
  return rows;
}

const norm = (rows: Record<string, unknown>[]): unknown[] => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => {
  if (typeof v === 'bigint') return [k, Number(v)];
  if (typeof v === 'string' && /^-?\d+n$/.test(v)) return [k, Number(v.slice(0, -1))];
  return [k, v];
})));

const NA = "nullstr=['NA','NULL','']";

let dir = '';
test.before(() => {
  dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-csv-oracle-`);
  execFileSync(process.execPath, [new URL('../../datasets/gen-airline.mjs', import.meta.url).pathname, dir, '2', '20000'], { stdio: 'ignore' });
});
test.after(() => fs.rmSync(dir, { recursive: true }));

for (const name of ['quoted.csv', 'crlf_bom.csv', 'unicode.csv', 'semicolon.csv']) {
  test(`same rows as DuckDB: ${name}`, async () => {
    const ours = norm(rowsOf(await readAll(fixture(name), { blocksize: 16 })));
    const ref = norm(await duck(`select * from read_csv('${fixture(name)}', ${NA})`));
    assert.equal(ours, ref);
  });
}

test('same rows as DuckDB: generated airline files, glob, small blocks', async () => {
  const ours = norm(rowsOf(await readAll(`${dir}/*.csv`, { blocksize: '256KiB' })));
  const ref = norm(await duck(`select * from read_csv('${dir}/*.csv', ${NA}, types={'CancellationCode': 'VARCHAR', 'TailNum': 'VARCHAR'})`));
  assert.is(ours.length, 40000);
  assert.equal(ours, ref);
});

test('min/max/mean of DepDelay in one compute equals DuckDB', async () => {
  const d = readCsv(`${dir}/*.csv`, { blocksize: '256KiB' }).col('DepDelay');
  const [min, max, mean] = await compute(d.min(), d.max(), d.mean());
  const [ref] = await duck(`select min(DepDelay) mn, max(DepDelay) mx, avg(DepDelay) av from read_csv('${dir}/*.csv', ${NA})`);
  assert.equal([Number(min), Number(max)], [Number(ref!.mn), Number(ref!.mx)]);
  assert.ok(Math.abs(Number(mean) - Number(ref!.av)) < 1e-9);
});

test('toCsv writes part files and one file; both read back to the same frame', async () => {
  const df = readCsv([fixture('quoted.csv')], { blocksize: 20 });
  const original = rowsOf(await df.toArrow());
  const parts = await toCsv(df, `${dir}/out`);
  assert.ok(parts.length > 1 && parts.every((p) => /part-\d+\.csv$/.test(p)));
  assert.equal(rowsOf(await readAll(`${dir}/out/*.csv`)), original);
  await toCsv(df, `${dir}/single.csv`, { singleFile: true });
  assert.equal(rowsOf(await readAll(`${dir}/single.csv`)), original);
  const nums = readCsv(fixture('numbers.csv'), { dtype: { code: 'string' } });
  await toCsv(nums, `${dir}/nums`, { nameFunction: (i) => `n${i}.csv` });
  assert.equal(rowsOf(await readAll(`${dir}/nums/n*.csv`, { dtype: { code: 'string' } })), rowsOf(await nums.toArrow()));
});

test.run();
