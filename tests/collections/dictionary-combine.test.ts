// Dictionary columns from different origins in one frame. Each apache-arrow Dictionary type carries an id
// (every vectorFromArray call, every IPC file numbers its own), and apache-arrow's Table refuses batches
// whose ids differ ("schemas must be equivalent"): two IPC files, or batches from two vectorFromArray
// calls, could be read but never computed. Index widths other than Int32 were also taken as Int32 codes
// when partitions with different dictionaries were concatenated (fromArrow of x,y,x | y,z gave x,x,x,x,y).
// Every answer here is checked against a plain count over the strings.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { type DataFrame, compute, concat, fromArrow, fromRecordBatches, readArrowIpc, toRecords } from '../../src/index.ts';
import { closeExecutors } from '../../src/scheduler/get-executor.ts';
import { tmpDir } from '../fixtures/parquet/helpers.ts';

const sync = { scheduler: 'sync' } as const;

const PARTS: (string | null)[][] = [
  ['x', 'y', 'x', null, 'w'],
  ['y', 'z', null],
  [],
  ['z'],
  ['x', 'x', 'q', 'y', 'z', null, 'q'],
];

function dictBatch(values: (string | null)[], indices: arrow.Int = new arrow.Int32()): arrow.RecordBatch {
  // A fresh Dictionary type per call, as two separate vectorFromArray calls (or two files) give.
  const k = arrow.vectorFromArray(values, new arrow.Dictionary(new arrow.Utf8(), indices as arrow.Int32));
  const n = arrow.vectorFromArray(values.map((_, i) => i), new arrow.Int32());
  return new arrow.Table({ k, n }).batches[0]!;
}

function batches(indices?: () => arrow.Int): arrow.RecordBatch[] {
  return PARTS.filter((p) => p.length > 0).map((p) => dictBatch(p, indices?.()));
}

const ALL = PARTS.flat();

/** Naive reference: rows per distinct non-null key, sorted by key. */
function naiveCounts(values: readonly (string | null)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) if (v !== null) out[v] = (out[v] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function check(df: DataFrame, want: readonly (string | null)[], where: string, opts: object = sync): Promise<void> {
  assert.equal(toRecords(await df.compute(opts)).map((r) => r.k), [...want], `${where}: rows`);
  const grouped = toRecords(await df.groupby('k').size().compute(opts));
  const got = Object.fromEntries(grouped.map((r) => [r.k as string, Number(r.size)]).sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)));
  assert.equal(got, naiveCounts(want), `${where}: groupby size`);
  const counted = toRecords(await df.groupby('k').agg({ n: 'count' }).compute(opts));
  const got2 = Object.fromEntries(counted.map((r) => [r.k as string, Number(r.n)]).sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)));
  assert.equal(got2, naiveCounts(want), `${where}: groupby count`);
  const [nonNull, distinct] = await compute(df.col('k').count(), df.col('k').nunique(), opts);
  assert.is(Number(nonNull), want.filter((v) => v !== null).length, `${where}: count`);
  assert.is(Number(distinct), Object.keys(naiveCounts(want)).length, `${where}: nunique`);
  const filtered = toRecords(await df.filter(df.col('k').eq('x')).compute(opts));
  assert.is(filtered.length, want.filter((v) => v === 'x').length, `${where}: filter k == 'x'`);
  assert.equal(toRecords(await df.head(3, opts)).map((r) => r.k), want.slice(0, 3), `${where}: head`);
}

test('fromRecordBatches: batches of two vectorFromArray calls (dictionary ids differ) combine', async () => {
  const list = batches();
  assert.ok(list.length >= 2 && (list[0]!.schema.fields[0]!.type as arrow.Dictionary).id !== (list[1]!.schema.fields[0]!.type as arrow.Dictionary).id);
  await check(fromRecordBatches(list), ALL, 'sync');
  await check(fromRecordBatches(list), ALL, 'threads', { scheduler: 'threads' });
  // An explicit schema of yet another id.
  await check(fromRecordBatches(list, dictBatch(['a']).schema), ALL, 'explicit schema');
});

test('fromRecordBatches: dictionaries with Int8, Int16, Uint32 and Int32 indices combine by value', async () => {
  const widths = [() => new arrow.Int8(), () => new arrow.Int16(), () => new arrow.Uint32(), () => new arrow.Int32()];
  let i = 0;
  const list = batches(() => widths[i++ % widths.length]!());
  await check(fromRecordBatches(list), ALL, 'mixed widths');
  await check(fromRecordBatches(batches(() => new arrow.Int8())), ALL, 'all Int8');
});

test('fromArrow: one Int8-indexed type, a different dictionary per batch, stays the same strings', async () => {
  const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8());
  const list = PARTS.filter((p) => p.length > 0).map((p) => new arrow.Table({ k: arrow.vectorFromArray(p, type), n: arrow.vectorFromArray(p.map((_, i) => i), new arrow.Int32()) }).batches[0]!);
  const table = new arrow.Table(list.map((b) => new arrow.RecordBatch(list[0]!.schema, b.data)));
  for (const n of [1, 2, 5]) await check(fromArrow(table, { npartitions: n }), ALL, `fromArrow ${n} partitions`);
});

test('fromRecordBatches: a column of another type is a clear error naming batch and column', () => {
  const a = dictBatch(['x']);
  const b = new arrow.Table({ k: arrow.vectorFromArray(['x'], new arrow.Utf8()), n: arrow.vectorFromArray([1], new arrow.Int32()) }).batches[0]!;
  assert.throws(() => fromRecordBatches([a, b]), (e: Error) => /batch 1/.test(e.message) && /'k'/.test(e.message) && /Utf8/.test(e.message));
});

test('readArrowIpc: two files whose dictionaries carry different ids combine', async () => {
  const dir = tmpDir('dict-ids');
  const list = batches();
  list.forEach((b, i) => fs.writeFileSync(path.join(dir, `part${i}.arrow`), arrow.tableToIPC(new arrow.Table([b]), 'file')));
  await check(readArrowIpc(dir), ALL, 'ipc sync');
  await check(readArrowIpc(dir), ALL, 'ipc processes', { scheduler: 'processes' });
});

test('concat: frames whose dictionary columns carry different ids combine', async () => {
  const frames = PARTS.filter((p) => p.length > 0).map((p) => fromArrow(new arrow.Table([dictBatch(p)])));
  await check(concat(frames), ALL, 'concat');
});

test.after(async () => {
  await closeExecutors();
});

test.run();
