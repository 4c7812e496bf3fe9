// npm run datasets: turns the real flights of the `vega-datasets` package (data/flights-3m.parquet:
// 3,000,000 US flights, Jan-Jun 2001) into CSV files, with tessera itself. The package is installed
// into datasets/node_modules the first time (datasets/package.json, kept out of the root `npm ci`).
// usage: node --import tsx datasets/prepare.ts [--force] [--row-groups-per-file N]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { compute, readCsv, readParquet, toCsv } from '../src/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'datasets', 'generated', 'flights');
const { values } = parseArgs({ options: { force: { type: 'boolean', default: false }, 'row-groups-per-file': { type: 'string', default: '2' } } });
const perFile = Number(values['row-groups-per-file']);
if (!Number.isInteger(perFile) || perFile < 1) throw new Error(`--row-groups-per-file must be a positive integer; got ${values['row-groups-per-file']}`);

// The package's `exports` map hides its data folder from require.resolve, so find it on disk.
const source = path.join(root, 'datasets', 'node_modules', 'vega-datasets', 'data', 'flights-3m.parquet');
if (!fs.existsSync(source)) execFileSync(process.execPath, [path.join(root, 'scripts', 'install-tools.mjs'), path.join(root, 'datasets')], { stdio: 'inherit' });
if (!fs.existsSync(source)) {
  console.error(`datasets: ${path.relative(root, source)} is missing; run \`node scripts/install-tools.mjs datasets\``);
  process.exit(1);
}

const existing = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => f.endsWith('.csv')) : [];
if (existing.length > 0 && !values.force) {
  console.log(`${path.relative(root, outDir)} already holds ${existing.length} CSV files (--force to rebuild)`);
  process.exit(0);
}
fs.rmSync(outDir, { recursive: true, force: true });

// The file has 11 row groups of ~273k rows; a few row groups per partition gives several CSV files
// that tessera (and the peers) read in parallel. Columns: date (timestamp), delay and distance (int64),
// origin and destination (IATA codes).
const flights = readParquet(source, { rowGroupsPerPartition: perFile });
console.log(`${path.relative(root, source)}: ${flights.npartitions} partitions; columns ${Object.entries(flights.dtypes).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
const t0 = performance.now();
const files = await toCsv(flights, outDir, { nameFunction: (i) => `flights-${String(i + 1).padStart(2, '0')}.csv` });
const mb = files.reduce((s, f) => s + fs.statSync(f).size, 0) / 1e6;
console.log(`wrote ${files.length} files, ${mb.toFixed(0)} MB, into ${path.relative(root, outDir)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// Read back and compare row counts and a sum with the Parquet source, so a broken conversion is loud.
const back = readCsv(path.join(outDir, '*.csv'));
const [nIn, sumIn, nOut, sumOut] = await compute(flights.col('delay').count(), flights.col('delay').sum(), back.col('delay').count(), back.col('delay').sum());
if (String(nIn) !== String(nOut) || String(sumIn) !== String(sumOut)) {
  console.error(`datasets: the CSV files do not match the Parquet source (rows ${nIn} vs ${nOut}, sum(delay) ${sumIn} vs ${sumOut})`);
  process.exit(1);
}
console.log(`checked: ${nOut} rows, sum(delay) ${sumOut}, same as the Parquet file`);
