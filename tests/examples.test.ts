// The README's example and the stratified-model example run as written, on small generated data,
// and agree with DuckDB.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { quickstart } from '../examples/quickstart.ts';

test("README's quickstart runs and matches DuckDB", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-quickstart-'));
  execFileSync(process.execPath, [new URL('../datasets/gen-airline.mjs', import.meta.url).pathname, dir, '2', '20000'], { stdio: 'ignore' });
  const r = await quickstart(join(dir, 'airline_*.csv'));
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const [row] = (await db.runAndReadAll(`select min(DepDelay) mn, max(DepDelay) mx, avg(DepDelay) av,
      count(ArrDelay) filter (where DepDelay > 60 and Cancelled = 0) lc, avg(ArrDelay) filter (where DepDelay > 60 and Cancelled = 0) la,
      max(Distance / (AirTime / 60.0)) mph from read_csv('${dir}/*.csv', nullstr='NA')`)).getRowObjects();
  assert.is(r.min, Number(row!.mn));
  assert.is(r.max, Number(row!.mx));
  assert.ok(Math.abs((r.mean as number) - Number(row!.av)) < 1e-9);
  assert.is(r.lateCount, Number(row!.lc));
  assert.ok(Math.abs((r.lateArr as number) - Number(row!.la)) < 1e-9);
  assert.ok(Math.abs((r.maxMph as number) - Number(row!.mph)) < 1e-9);
  assert.is(r.first.numRows, 5);
  assert.is(r.rows.length, 5);
  assert.is(r.rows[0]!.DepDelay, Number(r.first.getChild('DepDelay')!.get(0)));
  assert.match(r.plan, /columns=\[ArrDelay, DepDelay, Cancelled\]/);
  rmSync(dir, { recursive: true });
});

test.run();
