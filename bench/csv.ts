// CSV reading speed per core, and the end-to-end one-pass reduction against DuckDB.
// usage: node --import tsx bench/csv.ts [DIR=/tmp/tessera-bench-airline] [NFILES=8] [ROWS=250000]
// real flights: npm run datasets && TESSERA_BENCH_COLUMN=delay node --import tsx bench/csv.ts datasets/generated/flights 6
// Generates airline-like files into DIR when missing (datasets/gen-airline.mjs). Single-thread rows are
// the best of 3 runs on the first file; the end-to-end rows are fresh processes (peak RSS is per process).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import Papa from 'papaparse';
import { compute, readCsv } from '../src/index.ts';
import { readPartition } from '../src/io/csv/ops.ts';
import { csvSource } from '../src/io/csv/scan.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const [dir = '/tmp/tessera-bench-airline', nfilesArg = '8', rowsArg = '250000', mode = 'main'] = process.argv.slice(2);
const nfiles = Number(nfilesArg);
/** The numeric column the one-column rows and the end-to-end query use: DepDelay (airline), delay (the bundled flights). */
const COLUMN = process.env.TESSERA_BENCH_COLUMN ?? 'DepDelay';

function files(n: number): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.csv')).sort().slice(0, n).map((f) => path.join(dir, f));
}

function best(runs: number, f: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
}

async function duck(sql: string, threads?: number): Promise<{ ms: number; rows: Record<string, unknown>[] }> {
  const db = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : undefined);
  const conn = await db.connect();
  const t = performance.now();
  const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
  const ms = performance.now() - t;
  conn.closeSync();
  return { ms, rows };
}

async function singleThread(): Promise<void> {
  const file = files(1)[0]!;
  const bytes = fs.readFileSync(file);
  const mb = bytes.length / 1e6;
  const text = bytes.toString('utf8');
  const src = csvSource(file, { blocksize: bytes.length + 1 });
  const all = src.partitionTask(0, null).args[0] as any;
  const one = src.partitionTask(0, [COLUMN]).args[0] as any;
  const rows: [string, number][] = [];
  rows.push(['newline count (Buffer.indexOf)', best(3, () => { let n = 0; for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++; })]);
  rows.push([`tessera fast path, all ${src.schema.fields.length} columns`, best(3, () => readPartition(all))]);
  rows.push([`tessera fast path, ${COLUMN} only`, best(3, () => readPartition(one))]);
  rows.push(['tessera papaparse path, all columns', best(1, () => readPartition({ ...all, engine: 'papaparse' }))]);
  rows.push(['papaparse untyped', best(2, () => Papa.parse(text, { header: false }))]);
  rows.push(['papaparse typed (dynamicTyping)', best(1, () => Papa.parse(text, { header: false, dynamicTyping: true }))]);
  const types = COLUMN === 'DepDelay' ? ", types={'CancellationCode': 'VARCHAR'}" : '';
  const dk = await duck(`create table t as select * from read_csv('${file}', nullstr='NA'${types})`, 1);
  rows.push(['DuckDB read_csv, 1 thread', dk.ms]);
  const typed = rows.find((r) => r[0].startsWith('papaparse typed'))![1];
  console.log(`\nOne thread, ${path.basename(file)} (${mb.toFixed(1)} MB):`);
  console.log('| reader | MB/s | x papaparse typed |\n|---|---|---|');
  for (const [name, ms] of rows) console.log(`| ${name} | ${(mb / (ms / 1000)).toFixed(0)} | ${(typed / ms).toFixed(1)} |`);
}

/** Child-process mode: one query on the first n files; prints JSON with time and peak RSS. */
async function endToEnd(n: number, how: 'one-pass' | 'separate'): Promise<void> {
  const t = performance.now();
  const df = readCsv(files(n), {});
  const buildMs = performance.now() - t;
  const d = () => df.col(COLUMN);
  const result = how === 'one-pass'
    ? await compute(d().min(), d().max(), d().mean())
    : [await d().min().compute(), await d().max().compute(), await d().mean().compute()];
  const ms = performance.now() - t;
  // maxRSS (getrusage) keeps the parent's peak across fork+exec on Linux; VmHWM belongs to this process alone.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.existsSync('/proc/self/status') ? fs.readFileSync('/proc/self/status', 'utf8') : '');
  const rssMB = (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024;
  console.log(JSON.stringify({ ms, buildMs, rssMB, maxRssMB: process.resourceUsage().maxRSS / 1024, result: result.map(Number) }));
}

function child(n: number, how: string, scheduler: string): { ms: number; buildMs: number; rssMB: number; maxRssMB: number; result: number[] } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), dir, String(n), rowsArg, how], {
    env: { ...process.env, TESSERA_SCHEDULER: scheduler }, encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  if (files(nfiles).length < nfiles) {
    console.log(`generating ${nfiles} files x ${rowsArg} rows into ${dir} ...`);
    execFileSync(process.execPath, [path.join(HERE, '../datasets/gen-airline.mjs'), dir, String(nfiles), rowsArg], { stdio: 'inherit' });
  }
  const glob = `${dir}/*.csv`;
  const sizeMB = files(nfiles).reduce((s, f) => s + fs.statSync(f).size, 0) / 1e6;
  const ref = await duck(`select min(${COLUMN}) mn, max(${COLUMN}) mx, avg(${COLUMN}) av from read_csv('${glob}', nullstr='NA')`);
  console.log(`\nEnd to end, min+max+mean of ${COLUMN} over ${nfiles} files (${sizeMB.toFixed(0)} MB), fresh processes:`);
  // The children run before anything big is loaded here (see the VmHWM note in endToEnd).
  const runs = ([[nfiles, 'one-pass', 'threads'], [nfiles, 'separate', 'threads'], [2, 'one-pass', 'threads'], [nfiles, 'one-pass', 'sync'], [2, 'one-pass', 'sync']] as const)
    .map(([n, how, sched]) => ({ n, how, sched, r: child(n, how, sched) }));
  console.log('| run | seconds (incl. readCsv) | readCsv() ms | vs DuckDB | peak RSS MB (VmHWM / maxRSS) | answer |\n|---|---|---|---|---|---|');
  console.log(`| DuckDB read_csv (in this process, all threads) | ${(ref.ms / 1000).toFixed(2)} | - | 1.00x | - | ${[ref.rows[0]!.mn, ref.rows[0]!.mx, Number(ref.rows[0]!.av).toFixed(6)].join(', ')} |`);
  // Fresh processes, so the time includes starting the worker pool.
  for (const { n, how, sched, r } of runs) {
    const vs = n === nfiles ? `${(r.ms / ref.ms).toFixed(2)}x` : '-';
    console.log(`| tessera ${how}, ${n} files, ${sched} | ${(r.ms / 1000).toFixed(2)} | ${r.buildMs.toFixed(0)} | ${vs} | ${r.rssMB.toFixed(0)} / ${r.maxRssMB.toFixed(0)} | ${r.result[0]}, ${r.result[1]}, ${r.result[2]!.toFixed(6)} |`);
  }
  await singleThread();
}

if (mode === 'one-pass' || mode === 'separate') await endToEnd(nfiles, mode);
else await main();
