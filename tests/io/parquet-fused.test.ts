// A Parquet read fused with the reduction after it ('io.parquet.read>reduce.chunk'): the partition is
// reduced while its columns are views into parquet-wasm's memory. Its partial summaries must equal, field
// by field, those of the unfused path (read into shared memory, then reduce), on random files with nulls,
// all-null and one-row row groups, every number type, strings and dictionaries, row filters and hive
// columns; and whole computes must agree with DuckDB.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { compute, readParquet } from '../../src/index.ts';
import { closeExecutors } from '../../src/scheduler/get-executor.ts';
import { readFooter } from '../../src/io/parquet/footer.ts';
import { ParquetSource } from '../../src/io/parquet/source.ts';
import { resolveFilters, type Filters } from '../../src/io/parquet/filters.ts';
import { parquetStats, readAndReduce, readParquetPartition, resetParquetStats } from '../../src/io/parquet/ops.ts';
import { parquetWasm } from '../../src/io/parquet/wasm.ts';
import { reduceChunk } from '../../src/kernels/reduce-ops.ts';
import { needsOf, type ReductionName, type Summary } from '../../src/kernels/summary.ts';
import type { ColExpr } from '../../src/expr.ts';
import { rng } from '../helpers.ts';
import { sql, tmpDir } from '../fixtures/parquet/helpers.ts';

const R = rng(99);
const N = 3000;
const GROUP = 700; // row groups of 700 rows: the last one ragged

function column(type: arrow.DataType, gen: (i: number) => unknown, nullRate: number): arrow.Vector {
  // rows 700..1399 (the second row group) are all null in every nullable column
  const vals = Array.from({ length: N }, (_, i) => ((i >= GROUP && i < 2 * GROUP) || R() < nullRate ? null : gen(i)));
  return arrow.vectorFromArray(vals as never[], type);
}

function randomTable(): arrow.Table {
  const f = () => { const u = R(); return u < 0.03 ? NaN : u < 0.06 ? -0 : u < 0.07 ? -Infinity : (R() - 0.5) * 1e7; };
  return new arrow.Table({
    i32: column(new arrow.Int32(), () => Math.floor((R() - 0.5) * 2 ** 32), 0.2),
    i64: column(new arrow.Int64(), () => BigInt(Math.floor((R() - 0.5) * 2 ** 53)) * 1000n, 0.1),
    f64: column(new arrow.Float64(), f, 0.1),
    f32: column(new arrow.Float32(), f, 0),
    u8: column(new arrow.Uint8(), () => Math.floor(R() * 256), 0.5),
    s: column(new arrow.Utf8(), (i) => `v${i % 37}`, 0.1),
    d: column(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), (i) => ['SFO', 'OAK', 'LAX'][i % 3], 0.1),
    one: arrow.vectorFromArray(Array.from({ length: N }, (_, i) => i % 5) as never[], new arrow.Int32()), // no nulls
  });
}

function writeFile(file: string, table: arrow.Table, rowGroupSize: number): void {
  const w = parquetWasm();
  const props = new w.WriterPropertiesBuilder().setCompression(w.Compression.SNAPPY).setMaxRowGroupSize(rowGroupSize).build();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, w.writeParquet(w.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), props));
}

const NUMBERS = ['i32', 'i64', 'f64', 'f32', 'u8', 'one'];
const col = (name: string): ColExpr => ({ t: 'col', name }) as ColExpr;

function assertSameSummaries(a: Summary[], b: Summary[], where: string): void {
  assert.is(a.length, b.length, where);
  a.forEach((x, i) => {
    for (const k of Object.keys(b[i]!) as (keyof Summary)[]) {
      const u = x[k];
      const v = b[i]![k];
      if (typeof u === 'object' && u !== null) assert.equal(u, v, `${where} #${i} ${k}`);
      else assert.ok(Object.is(u, v), `${where} #${i} ${k}: ${String(u)} vs ${String(v)}`);
    }
  });
}

function sourceOf(files: string[], opts: { filters?: Filters; perPartition?: number } = {}): ParquetSource {
  const footers = files.map((f) => readFooter(f));
  const schema = footers[0]!.schema;
  return new ParquetSource({
    files: footers.map((footer) => ({ footer, hive: [] })), schema, hiveFields: [],
    filters: resolveFilters(opts.filters, schema, 'test'), pushed: [], rowGroupsPerPartition: opts.perPartition ?? 1, targetBytes: 1 << 27,
  });
}

test('fused read > reduce gives the same partials as read then reduce: every column, nulls, all-null and ragged row groups', () => {
  const dir = tmpDir('fused');
  const file = path.join(dir, 'a.parquet');
  writeFile(file, randomTable(), GROUP);
  const one = path.join(dir, 'one.parquet');
  writeFile(one, randomTable(), 1); // one-row row groups
  for (const [files, perPartition] of [[[file], 1], [[file], 3], [[one], 50]] as const) {
    for (const filters of [undefined, [['i32', '>', 0]], [['d', '==', 'SFO']]] as Filters[]) {
      const src = sourceOf([...files], { filters, perPartition });
      for (let p = 0; p < src.npartitions; p++) {
        const where = `${path.basename(files[0]!)} per ${perPartition} filter ${JSON.stringify(filters)} partition ${p}`;
        const sets: Array<{ cols: string[]; names: ReductionName[] }> = [
          { cols: NUMBERS, names: ['sum', 'min', 'max', 'mean', 'count'] },
          { cols: NUMBERS, names: ['var', 'prod', 'any'] },
          { cols: ['s', 'd', 'i32'], names: ['count'] },
        ];
        for (const { cols, names } of sets) {
          const task = src.partitionTask(p, cols);
          const exprs = cols.map(col);
          const needs = cols.map((c) => needsOf(c === 's' || c === 'd' ? ['count'] : names));
          const plan = task.args[0];
          resetParquetStats();
          const fused = readAndReduce([plan], [exprs, needs]) as Summary[];
          const inPlace = parquetStats.reducedInPlace;
          const direct = parquetStats.reducedDirect;
          const plain = reduceChunk(readParquetPartition(plan as never), exprs, needs);
          assertSameSummaries(fused, plain, `${where} [${cols}] ${names}`);
          // count/sum/mean/min/max of numbers without a row filter decode straight from the pages (direct-reduce.ts);
          // otherwise dictionary columns take the IPC export (a copy) and all-number reads stay in WebAssembly memory.
          assert.is(direct, names.includes('sum') && filters === undefined ? 1 : 0, `${where}: reduced from page bytes`);
          assert.is(inPlace + direct, cols.includes('d') || JSON.stringify(filters ?? []).includes('"d"') ? 0 : 1, `${where}: read in place`);
        }
      }
    }
  }
});

test('a quantile reads a shared copy (its partial keeps values), with the same answer', () => {
  const dir = tmpDir('fused-q');
  const file = path.join(dir, 'a.parquet');
  writeFile(file, randomTable(), GROUP);
  const src = sourceOf([file]);
  const plan = src.partitionTask(0, ['i32']).args[0];
  const needs = [{ ...needsOf([]), values: true }];
  resetParquetStats();
  const fused = readAndReduce([plan], [[col('i32')], needs]) as Summary[];
  assert.is(parquetStats.reducedInPlace, 0);
  assert.ok(fused[0]!.extra?.runs, 'the partial holds the values');
  assert.equal(fused, reduceChunk(readParquetPartition(plan as never), [col('i32')], needs));
});

test('computes over fused reads agree with DuckDB (sync and threads), hive folders included', async () => {
  const dir = tmpDir('fused-hive');
  const t = randomTable();
  // two hive folders, each a file of different rows
  writeFile(path.join(dir, 'k=1', 'a.parquet'), t.slice(0, 1700), GROUP);
  writeFile(path.join(dir, 'k=2', 'b.parquet'), t.slice(1700), 256);
  const glob = `${dir}/*/*.parquet`;
  const pq = readParquet(dir);
  for (const scheduler of ['sync', 'threads'] as const) {
    for (const c of ['i32', 'i64', 'f64', 'u8', 'k']) {
      const s = pq.col(c);
      const [mn, mx, sum, n] = await compute(s.min(), s.max(), s.sum(), s.count(), { scheduler, progress: false });
      const [d] = await sql(`SELECT min(${c}) mn, max(${c}) mx, sum(${c}) s, count(${c}) n FROM read_parquet('${glob}', hive_partitioning = true)`);
      const num = (x: unknown) => (typeof x === 'bigint' ? Number(x) : Number(x));
      assert.is(num(n), num(d!.n), `${scheduler} ${c} count`);
      if (c === 'f64') {
        // DuckDB orders NaN above every number and its sum skips nothing: compare on what both define
        assert.ok(Number.isNaN(mn as number) && Number.isNaN(mx as number) && Number.isNaN(sum as number), `${scheduler} f64 NaN propagates`);
        continue;
      }
      assert.is(String(mn), String(d!.mn), `${scheduler} ${c} min`);
      assert.is(String(mx), String(d!.mx), `${scheduler} ${c} max`);
      assert.is(String(sum), String(d!.s), `${scheduler} ${c} sum`);
    }
    const filtered = pq.filter(pq.col('i32').gt(0)).col('i64');
    const [fm] = await compute(filtered.sum(), { scheduler, progress: false });
    const [fd] = await sql(`SELECT sum(i64) s FROM read_parquet('${glob}', hive_partitioning = true) WHERE i32 > 0`);
    assert.is(String(fm), String(fd!.s), `${scheduler} filtered sum`);
  }
  await closeExecutors();
});

test.run();
