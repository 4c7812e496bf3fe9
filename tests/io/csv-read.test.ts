import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture, readAll, readParts, rowsOf, typesOf } from '../fixtures/csv/expect.ts';

test('basic: types inferred, NA/empty/NULL are null, quoted delimiter kept', async () => {
  const t = await readAll(fixture('basic.csv'));
  assert.equal(typesOf(t), { id: 'Int32', price: 'Float64', name: 'Utf8', qty: 'Int32', flag: 'Bool' });
  assert.equal(rowsOf(t), [
    { id: 1, price: 2.5, name: 'apple', qty: 10, flag: true },
    { id: 2, price: null, name: 'banana', qty: null, flag: false },
    { id: 3, price: -0.125, name: null, qty: 7, flag: true },
    { id: 4, price: 1000, name: 'cherry, red', qty: -3, flag: false },
    { id: 5, price: 3, name: 'apple', qty: null, flag: true },
  ]);
});

test('quoted fields hold delimiters, doubled quotes, LF and CRLF newlines', async () => {
  const t = await readAll(fixture('quoted.csv'));
  assert.equal(rowsOf(t), [
    { a: 1, b: 'x,y', c: 'he said "hi"' },
    { a: 2, b: 'line1\nline2', c: 'tail' },
    { a: 3, b: null, c: '"quoted"' },
    { a: 4, b: 'multi\r\nline\r\n', c: 'a,b\n"c"' },
    { a: 5, b: 'plain', c: 'x' },
  ]);
});

test('BOM and CRLF: header clean, no stray \\r in values', async () => {
  const t = await readAll(fixture('crlf_bom.csv'));
  assert.equal(t.schema.fields.map((f) => f.name), ['k', 'v']);
  assert.equal(rowsOf(t), [{ k: 1, v: 'one' }, { k: 2, v: 'two\r\nlines' }, { k: 3, v: 'three' }]);
});

test('unicode strings round through bytes unchanged', async () => {
  const t = await readAll(fixture('unicode.csv'));
  assert.equal(rowsOf(t).map((r) => r.city), ['Zürich', '東京', 'São Paulo', 'Київ']);
  assert.is(rowsOf(t)[2]!.note, 'emoji 🚀, ok');
  assert.is(typesOf(t).pop, 'Int32');
});

test('numbers: exponents, infinities, leading-zero codes stay strings, int64 beyond 2^53 exact', async () => {
  const t = await readAll(fixture('numbers.csv'));
  assert.equal(typesOf(t), { code: 'Utf8', sci: 'Float64', big: 'Int64', inf: 'Float64', neg: 'Int32' });
  const r = rowsOf(t);
  assert.equal(r.map((x) => x.code), ['00123', '04567', '00001', '10000']);
  assert.equal(r.map((x) => x.sci), [1500, -0.0025, 0.5, 5]);
  assert.equal(r.map((x) => x.big), ['9007199254740993n', '-9223372036854775808n', '9223372036854775807n', '12n']);
  assert.equal(r.map((x) => x.inf), [Infinity, -Infinity, Infinity, -Infinity]);
  assert.equal(r.map((x) => x.neg), [-7, 0, 4, 3]);
});

test('int32 widens to int64 when a sampled value needs it', async () => {
  const t = await readAll(fixture('int64.csv'));
  assert.is(typesOf(t).n, 'Int64');
  assert.equal(rowsOf(t).map((r) => r.n), ['1n', '2n', '3000000000n']);
});

test('empty file, header-only file and a glob mixing them with data files', async () => {
  const h = await readAll(fixture('header_only.csv'));
  assert.is(h.numRows, 0);
  assert.equal(h.schema.fields.map((f) => f.name), ['a', 'b', 'c']);
  const t = await readAll(fixture('mixed/*.csv'));
  assert.equal(rowsOf(t), [{ a: 1, b: 'x', c: 1.5 }, { a: 2, b: 'y', c: 2.5 }, { a: 3, b: 'z', c: 3.5 }]);
  const named = await readAll(fixture('empty.csv'), { names: ['p', 'q'] });
  assert.is(named.numRows, 0);
  assert.equal(named.schema.fields.map((f) => f.name), ['p', 'q']);
});

test('a file named twice (repeated path, overlapping globs) is read once, in the order it was first named', async () => {
  const once = rowsOf(await readAll(fixture('mixed/*.csv')));
  const files = (await import('node:fs')).readdirSync(fixture('mixed')).filter((f) => f.endsWith('.csv')).sort();
  const last = fixture(`mixed/${files[files.length - 1]}`);
  assert.equal(rowsOf(await readAll([fixture('mixed/*.csv'), last, fixture('mixed/*.csv')])), once);
  const lastRows = rowsOf(await readAll(last));
  assert.ok(lastRows.length > 0, 'the last file has rows');
  // named first, the last file's rows come first, and only once
  assert.equal(rowsOf(await readAll([last, fixture('mixed/*.csv')])), [...lastRows, ...once.filter((r) => !lastRows.some((l) => JSON.stringify(l) === JSON.stringify(r)))]);
});

test('different column orders align by name on request; path column names each row\'s file', async () => {
  const t = await readAll(fixture('reordered/*.csv'), { alignColumns: 'byName', includePathColumn: true });
  const rows = rowsOf(t).map((r) => ({ ...r, path: String(r.path).split('/').pop() }));
  assert.equal(rows, [{ a: 1, b: 'x', c: 1.5, path: 'r1.csv' }, { a: 2, b: 'y', c: 2.5, path: 'r2.csv' }]);
  assert.ok(typesOf(t).path!.startsWith('Dictionary'));
});

test('delimiter sniffed (;) and multi-character delimiter through papaparse', async () => {
  const t = await readAll(fixture('semicolon.csv'));
  assert.equal(rowsOf(t), [{ x: 1, y: 'a', z: 2.5 }, { x: 2, y: 'b', z: 3.5 }, { x: 3, y: 'a', z: null }]);
  const m = await readAll(fixture('multichar.csv'), { delimiter: '||' });
  assert.equal(rowsOf(m), [{ x: 1, y: 'a' }, { x: 2, y: 'b||c' }]);
});

test('comments skipped, parseDates gives date and timestamp columns', async () => {
  const t = await readAll(fixture('dates.csv'), { comment: '#', parseDates: true });
  assert.equal(typesOf(t), { d: 'Date32<DAY>', t: 'Timestamp<MILLISECOND>', v: 'Int32' });
  assert.equal(rowsOf(t), [
    { d: Date.UTC(2024, 0, 31), t: Date.UTC(2024, 0, 31, 10, 20, 30), v: 1 },
    { d: Date.UTC(2023, 11, 1), t: Date.UTC(2023, 11, 1), v: 2 },
    { d: null, t: null, v: 3 },
  ]);
  // Detection is the default (as DuckDB); parseDates: false keeps the text.
  const byDefault = await readAll(fixture('dates.csv'), { comment: '#' });
  assert.equal(typesOf(byDefault), typesOf(t));
  const s = await readAll(fixture('dates.csv'), { comment: '#', parseDates: false });
  assert.equal(typesOf(s).d, 'Utf8');
});

test('columns, dtype, names, skipRows, header: false', async () => {
  const t = await readAll(fixture('basic.csv'), { columns: ['qty', 'id'], dtype: { id: 'float64', qty: 'int64' } });
  assert.equal(typesOf(t), { qty: 'Int64', id: 'Float64' });
  assert.equal(rowsOf(t)[0], { qty: '10n', id: 1 });
  const h = await readAll(fixture('basic.csv'), { header: false, skipRows: 1, names: ['a', 'b', 'c', 'd', 'e'] });
  assert.is(h.numRows, 5);
  assert.is(rowsOf(h)[3]!.c, 'cherry, red');
  const cat = await readAll(fixture('basic.csv'), { dtype: { name: 'category' } });
  assert.ok(typesOf(cat).name!.startsWith('Dictionary'));
  assert.equal(rowsOf(cat).map((r) => r.name), ['apple', 'banana', null, 'cherry, red', 'apple']);
});

test('gzip file is one partition read whole; projection prunes columns in the op', async () => {
  const fs = await import('node:fs');
  const zlib = await import('node:zlib');
  const os = await import('node:os');
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-csv-`);
  fs.writeFileSync(`${dir}/basic.csv.gz`, zlib.gzipSync(fs.readFileSync(fixture('basic.csv'))));
  const plain = readParts(fixture('basic.csv'));
  const gz = readParts(`${dir}/basic.csv.gz`, { blocksize: 16 });
  assert.equal(gz.sizes, [5]);
  assert.equal(gz.rows, plain.rows);
  const one = readParts(fixture('basic.csv'), {}, ['price']);
  assert.equal(one.batches[0]!.schema.fields.map((f) => f.name), ['price']);
  fs.rmSync(dir, { recursive: true });
});

test('low-cardinality strings become dictionaries', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-csv-`);
  const lines = ['carrier,n'];
  for (let i = 0; i < 1000; i++) lines.push(`${['AA', 'UA', 'DL'][i % 3]},${i}`);
  fs.writeFileSync(`${dir}/c.csv`, lines.join('\n') + '\n');
  const t = await readAll(`${dir}/c.csv`, { blocksize: 1000 });
  assert.is(String(t.schema.fields[0]!.type), 'Dictionary<Int32, Utf8>');
  assert.equal(rowsOf(t).slice(0, 4).map((r) => r.carrier), ['AA', 'UA', 'DL', 'AA']);
  assert.is(t.numRows, 1000);
  fs.rmSync(dir, { recursive: true });
});

test.run();
