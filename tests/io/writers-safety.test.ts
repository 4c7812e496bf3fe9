// Writers never destroy what they were not asked to replace (issue 12 items 1-2): a target that holds an
// input, unrelated files, /proc, a failing compute, stale parts, single-file overwrite; manifests and pins.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from '../helpers.ts';
import {
  type DataFrame, ArrowIpcFileError, CsvFileError, InputChangedError, ParquetFileError, ParquetOptionError, compute, fromColumns,
  closeExecutors, readArrowIpc, readCsv, readParquet, toArrowIpc, toCsv, toParquet,
} from '../../src/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-writers-'));
let n = 0;
const fresh = (tag: string) => path.join(root, `${n++}-${tag}`);
const sync = { scheduler: 'sync' } as const;

/** Hidden staging or moved-aside names a writer leaves beside `target` (there must be none). */
function leftovers(target: string): string[] {
  const dir = path.dirname(path.resolve(target));
  return fs.readdirSync(dir).filter((f) => f.startsWith(`.${path.basename(target)}.tessera-`));
}

const ints = (count: number, parts: number) => fromColumns({ a: Array.from({ length: count }, (_, i) => i + 1) }, { npartitions: parts });
const sumOf = async (df: ReturnType<typeof readCsv>) => Number((await compute(df.col('a').sum(), sync))[0]);

test('persist({to: dir}) is refused when dir holds its own input; the input survives', async () => {
  const d = fresh('own');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'in.csv'), 'a\n1\n2\n3\n');
  fs.writeFileSync(path.join(d, 'notes.txt'), 'mine');
  await rejects(readCsv(path.join(d, 'in.csv')).persist({ to: d, ...sync }), /persist\(\{to\}\): the target '.*' contains '.*in\.csv', an input of this frame/);
  assert.is(fs.readFileSync(path.join(d, 'in.csv'), 'utf8'), 'a\n1\n2\n3\n');
  assert.is(fs.readFileSync(path.join(d, 'notes.txt'), 'utf8'), 'mine');
  // Through a symlink too: real paths are compared.
  const link = fresh('link');
  fs.symlinkSync(d, link);
  await rejects(readCsv(path.join(d, 'in.csv')).persist({ to: link, ...sync }), /contains '.*in\.csv', an input/);
  await rejects(toParquet(readCsv(path.join(d, 'in.csv')), path.join(d, 'in.csv'), { overwrite: true, ...sync }), /is also an input of this frame/);
  assert.equal(fs.readdirSync(d).sort(), ['in.csv', 'notes.txt']);
});

test('persist({to}) never deletes: a non-empty directory is refused; a new or empty one is written', async () => {
  const d = fresh('unrelated');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'notes.txt'), 'mine');
  await rejects(ints(10, 2).persist({ to: d, ...sync }), /persist\(\{to\}\): directory '.*' is not empty; it writes a fresh directory and never deletes/);
  assert.equal(fs.readdirSync(d), ['notes.txt']);
  const empty = fresh('empty');
  fs.mkdirSync(empty);
  const p = await ints(10, 2).persist({ to: empty, ...sync });
  assert.is(Number((await compute(p.col('a').sum(), sync))[0]), 55);
  // Not even its own earlier output: persist never replaces anything.
  await rejects(ints(4, 1).persist({ to: empty, ...sync }), /is not empty/);
  assert.is(Number((await compute(readArrowIpc(empty).col('a').sum(), sync))[0]), 55);
  assert.equal(leftovers(empty), []);
});

test('/proc/self and other directories tessera did not write are refused, with or without overwrite', async () => {
  await rejects(ints(3, 1).persist({ to: '/proc/self', ...sync }), /persist\(\{to\}\): directory '\/proc\/self' is not empty/);
  await rejects(toParquet(ints(3, 1), '/proc/self', { overwrite: true, ...sync }), /will not replace directory '\/proc\/self': it holds no _tessera\.json/);
  const d = fresh('theirs');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'part-0.parquet'), 'not ours');
  await rejects(toArrowIpc(ints(3, 1), d, { overwrite: true, ...sync }), /will not replace directory .* it holds no _tessera\.json/);
  // A tessera output with a file added by someone else is not replaced either.
  const ours = fresh('ours');
  await toParquet(ints(10, 2), ours, sync);
  fs.writeFileSync(path.join(ours, 'notes.txt'), 'mine');
  const e = await rejects(toParquet(ints(3, 1), ours, { overwrite: true, ...sync }), /holds 'notes\.txt', which its _tessera\.json does not list/);
  assert.instance(e, ParquetOptionError);
  assert.is(fs.readFileSync(path.join(ours, 'notes.txt'), 'utf8'), 'mine');
  assert.is(fs.readFileSync(path.join(d, 'part-0.parquet'), 'utf8'), 'not ours');
});

test('a failing compute leaves the old output intact and no staging directory behind', async () => {
  const src = fresh('bad.csv');
  const lines = ['a'];
  for (let i = 1; i <= 1000; i++) lines.push(i === 990 ? 'oops' : String(i));
  fs.writeFileSync(src, lines.join('\n') + '\n');
  const bad = readCsv(src, { dtype: { a: 'int32' }, blocksize: 400 });
  for (const [name, write] of [
    ['parquet', (df: typeof bad, d: string, o: object) => toParquet(df, d, o)],
    ['arrow', (df: typeof bad, d: string, o: object) => toArrowIpc(df, d, o)],
    ['csv', (df: typeof bad, d: string, o: object) => toCsv(df, d, o)],
  ] as const) {
    const d = fresh(`old-${name}`);
    await write(ints(100, 10), d, sync);
    const before = fs.readdirSync(d).sort();
    await rejects(write(bad, d, { overwrite: true, ...sync }), /oops/);
    assert.equal(fs.readdirSync(d).sort(), before, name);
    const read = name === 'parquet' ? readParquet(d) : name === 'arrow' ? readArrowIpc(d) : readCsv(d);
    assert.is(Number((await compute(read.col('a').sum(), sync))[0]), 5050, name);
    assert.equal(leftovers(d), [], name);
  }
  const single = fresh('single.csv');
  fs.writeFileSync(single, 'a\n7\n');
  await rejects(toCsv(bad, single, { singleFile: true, overwrite: true, ...sync }), /oops/);
  assert.is(fs.readFileSync(single, 'utf8'), 'a\n7\n');
  assert.equal(leftovers(single), []);
});

test('a cancelled or timed-out write removes its staging directory and leaves the old output as it was', async () => {
  for (const [name, write] of [
    ['parquet', (df: DataFrame, d: string, o: object) => toParquet(df, d, o)],
    ['arrow', (df: DataFrame, d: string, o: object) => toArrowIpc(df, d, o)],
    ['csv', (df: DataFrame, d: string, o: object) => toCsv(df, d, o)],
    ['csv-single', (df: DataFrame, d: string, o: object) => toCsv(df, d, { ...o, singleFile: true })],
  ] as const) {
    const d = fresh(`cancel-${name}`);
    await write(ints(100, 4), d, sync);
    const before = fs.readdirSync(path.dirname(d)).length;
    const aborted = new AbortController();
    aborted.abort();
    await rejects(write(ints(100, 4), d, { overwrite: true, signal: aborted.signal, ...sync }), /abort/i);
    await rejects(write(ints(300_000, 8), d, { overwrite: true, timeout: 1, scheduler: 'threads' }), /time|abort/i);
    assert.equal(leftovers(d), [], name);
    assert.is(fs.readdirSync(path.dirname(d)).length, before, name);
    const read = name === 'parquet' ? readParquet(d) : name === 'arrow' ? readArrowIpc(d) : readCsv(d);
    assert.is(Number((await compute(read.col('a').sum(), sync))[0]), 5050, name);
  }
});

test('a mistyped writer option is a TypeError naming it and the known ones, before anything is written', async () => {
  const d = fresh('typo');
  await rejects(toParquet(ints(3, 1), d, { overwrit: true } as never), /toParquet\(\): unknown option 'overwrit'; known options: compression, .*overwrite/);
  await rejects(toArrowIpc(ints(3, 1), d, { formt: 'stream' } as never), /toArrowIpc\(\): unknown option 'formt'/);
  await rejects(toCsv(ints(3, 1), d, { singlefile: true } as never), /toCsv\(\): unknown option 'singlefile'; known options: singleFile/);
  await rejects(ints(3, 1).persist({ to: d, overwrite: true } as never), /persist\(\{to\}\): unknown option 'overwrite'/);
  assert.not.ok(fs.existsSync(d));
  assert.equal(leftovers(d), []);
});

test('toCsv: rewriting 3 partitions over 10 leaves no stale part; a directory is refused without overwrite', async () => {
  const d = fresh('csvdir');
  await toCsv(ints(100, 10), d, sync);
  assert.is(await sumOf(readCsv(d)), 5050);
  await rejects(toCsv(ints(6, 3), d, sync), /toCsv: directory '.*' is not empty; pass \{overwrite: true\}/);
  const written = await toCsv(ints(6, 3), d, { overwrite: true, ...sync });
  assert.is(written.length, 3);
  assert.is(await sumOf(readCsv(d)), 21);
  assert.is(await sumOf(readCsv(`${d}/*.csv`)), 21);
  assert.equal(fs.readdirSync(d).sort(), ['_tessera.json', 'part-0.csv', 'part-1.csv', 'part-2.csv']);
});

test('toCsv singleFile: an existing file is refused without overwrite: true and replaced whole with it', async () => {
  const f = fresh('one.csv');
  fs.writeFileSync(f, 'precious\n');
  await rejects(toCsv(ints(6, 3), f, { singleFile: true, ...sync }), /toCsv: '.*one\.csv' exists; pass \{overwrite: true\}/);
  assert.is(fs.readFileSync(f, 'utf8'), 'precious\n');
  await toCsv(ints(6, 3), f, { singleFile: true, overwrite: true, ...sync });
  assert.is(fs.readFileSync(f, 'utf8'), 'a\n1\n2\n3\n4\n5\n6\n');
  assert.equal(leftovers(f), []);
  // A directory is never replaced by a single file unless tessera wrote it.
  const d = fresh('dir.csv');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'x'), '');
  await rejects(toCsv(ints(6, 3), d, { singleFile: true, overwrite: true, ...sync }), /will not replace directory/);
});

test('manifests: a missing or truncated part is an error naming it, never a short read', async () => {
  const cases = [
    ['parquet', (d: string) => toParquet(ints(1000, 4), d, sync), (d: string) => readParquet(d), ParquetFileError, 'part-2.parquet'],
    ['arrow', (d: string) => toArrowIpc(ints(1000, 4), d, sync), (d: string) => readArrowIpc(d), ArrowIpcFileError, 'part-2.arrow'],
    ['csv', (d: string) => toCsv(ints(1000, 4), d, sync), (d: string) => readCsv(d), CsvFileError, 'part-2.csv'],
  ] as const;
  for (const [name, write, read, Cls, part] of cases) {
    const d = fresh(`m-${name}`);
    await write(d);
    const manifest = JSON.parse(fs.readFileSync(path.join(d, '_tessera.json'), 'utf8'));
    assert.is(manifest.rows, 1000, name);
    assert.is(manifest.parts.length, 4, name);
    assert.equal(manifest.schema, [{ name: 'a', type: 'Int32' }].map((x) => ({ ...x, type: manifest.schema[0].type })), name);
    assert.is(Number((await compute(read(d).col('a').sum(), sync))[0]), 500500, name);
    const file = path.join(d, part);
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    assert.throws(() => read(d), (e: Error) => e instanceof Cls && new RegExp(`part '${part.replace('.', '\\.')}' of '.*' has \\d+ bytes but _tessera\\.json says \\d+; it was truncated`).test(e.message), name);
    fs.rmSync(file);
    assert.throws(() => read(d), (e: Error) => e instanceof Cls && new RegExp(`part '${part.replace('.', '\\.')}' of '.*' is missing`).test(e.message), name);
  }
  const pq = fresh('m-wrong');
  await toParquet(ints(10, 1), pq, sync);
  assert.throws(() => readCsv(pq), /holds parquet files written by tessera .*read it with readParquet\(\)/);
  // A directory without a manifest (another tool) reads as before.
  const other = fresh('m-other');
  await toParquet(ints(10, 2), other, sync);
  fs.rmSync(path.join(other, '_tessera.json'));
  assert.is(Number((await compute(readParquet(other).col('a').sum(), sync))[0]), 55);
});

test('a file changed after readCsv / readParquet / readArrowIpc fails the task, naming the file and the change', async () => {
  const csv = fresh('pin.csv');
  fs.writeFileSync(csv, 'a\n1\n2\n');
  const df = readCsv(csv);
  fs.appendFileSync(csv, '3\n');
  for (const scheduler of ['sync', 'threads'] as const) {
    const e = await rejects(compute(df.col('a').sum(), { scheduler }), /CSV file '.*pin\.csv' changed on disk since readCsv\(\) was called \(size 6 -> 8 bytes.*\); .*call readCsv\(\) again/);
    assert.ok(e instanceof InputChangedError || (e as Error & { cause?: unknown }).cause instanceof InputChangedError, scheduler);
  }
  fs.rmSync(csv);
  await rejects(compute(df.col('a').sum(), sync), /CSV file '.*pin\.csv' was removed since readCsv\(\) was called/);
  const pq = fresh('pin-pq');
  await toParquet(ints(10, 1), pq, sync);
  const p = readParquet(pq);
  const f = path.join(pq, 'part-0.parquet');
  const t = new Date(fs.statSync(f).mtimeMs + 5000);
  fs.utimesSync(f, t, t);
  await rejects(compute(p.col('a').sum(), sync), /part-0\.parquet.* changed on disk since readParquet\(\) was called \(modified .* -> .*\); .*call readParquet\(\) again/);
});

test('readCsv reads a directory of CSV files like readParquet does', async () => {
  const d = fresh('csvs');
  fs.mkdirSync(path.join(d, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(d, 'a.csv'), 'a\n1\n2\n');
  fs.writeFileSync(path.join(d, 'sub', 'b.csv'), 'a\n3\n');
  fs.writeFileSync(path.join(d, '_ignored.csv'), 'a\n100\n');
  fs.writeFileSync(path.join(d, 'notes.md'), 'x');
  assert.is(await sumOf(readCsv(d)), 6);
  const none = fresh('nocsv');
  fs.mkdirSync(none);
  assert.throws(() => readCsv(none), /directory '.*' holds no \.csv/);
});

test('toParquet, toArrowIpc, toCsv and persist({to}) widen a CSV column found mid-compute, as compute() does', async () => {
  const src = fresh('widen.csv');
  const lines = ['a'];
  for (let i = 1; i <= 2000; i++) lines.push(i === 2000 ? '1.5' : String(i));
  fs.writeFileSync(src, lines.join('\n') + '\n');
  const want = 1999 * 1000 + 1.5;
  const df = readCsv(src, { blocksize: 1000, sampleBytes: 500 });
  assert.is(String(df.schema.fields[0]!.type), 'Int32'); // the samples saw only integers
  await toParquet(df, fresh('w-pq'), sync).then(async ([f]) => assert.is(Number((await compute(readParquet(path.dirname(f!)).col('a').sum(), sync))[0]), want));
  await toArrowIpc(df, fresh('w-ipc'), sync).then(async ([f]) => assert.is(Number((await compute(readArrowIpc(path.dirname(f!)).col('a').sum(), sync))[0]), want));
  await toCsv(df, fresh('w-csv'), sync).then(async ([f]) => assert.is(Number((await compute(readCsv(path.dirname(f!)).col('a').sum(), sync))[0]), want));
  const p = await df.persist({ to: fresh('w-persist'), ...sync });
  assert.is(Number((await compute(p.col('a').sum(), sync))[0]), want);
});

test('a killed writer\'s leftovers are cleaned by the next write on the same host only; a moved-aside old output is put back', async () => {
  // A pid that surely belongs to no live process: a child that has already exited.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const host = os.hostname().replace(/[^A-Za-z0-9]/g, '_') || 'host';
  const t = fresh('recover');
  await toCsv(ints(6, 2), t, sync);
  const dir = path.dirname(t);
  const name = (tag: string) => path.join(dir, `.${path.basename(t)}.tessera-${tag}`);
  for (const stale of [`${host}@${dead}-0badf00d.tmp`, `${dead}-0badf00d.tmp`, `elsewhere@${dead}-0badf00d.tmp`]) {
    fs.mkdirSync(name(stale));
    fs.writeFileSync(path.join(name(stale), 'part.0.csv'), 'a\n1\n');
  }
  await toCsv(ints(4, 1), t, { ...sync, overwrite: true });
  // This host's dead writers (old and new name forms) are gone; another host's may still be writing.
  assert.equal(leftovers(t), [`.${path.basename(t)}.tessera-elsewhere@${dead}-0badf00d.tmp`]);
  assert.is(await sumOf(readCsv(t)), 10);

  // Killed between moving the old output aside and moving the new one in: the old output comes back.
  const u = fresh('aside');
  await toCsv(ints(6, 2), u, sync);
  const aside = path.join(path.dirname(u), `.${path.basename(u)}.tessera-${host}@${dead}-0badf00d.old`);
  fs.renameSync(u, aside);
  await rejects(toCsv(ints(4, 1), u, sync), /is not empty/);
  assert.is(await sumOf(readCsv(u)), 21);
  assert.equal(leftovers(u), []);
});

test.after(async () => {
  await closeExecutors();
  fs.rmSync(root, { recursive: true, force: true });
});
test.run();
