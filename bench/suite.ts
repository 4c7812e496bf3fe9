// npm run bench [-- --size small|medium|large] [--reps N]: the peer suite. Four queries over generated
// airline-like CSVs, run by tessera and by the tools a user would pick instead (DuckDB, nodejs-polars,
// arquero, danfojs). Every engine+query run is a FRESH child process (bench/suite/run-one.ts), so the
// peak RSS is that process's own. Every answer is checked against DuckDB's before any time is printed;
// the table (median wall time, peak RSS, ratio to tessera) goes to stdout and to bench/RESULTS.md.

import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Answer, QUERIES, type QueryId, differ } from './suite/answers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = {
  small: { files: 2, rows: 200_000, slowFiles: 2, reps: 3, slowReps: 3 },
  medium: { files: 4, rows: 1_000_000, slowFiles: 1, reps: 3, slowReps: 1 },
  large: { files: 8, rows: 2_100_000, slowFiles: 1, reps: 3, slowReps: 1 },
} as const;
type Size = keyof typeof SIZES;
const ENGINES = ['tessera', 'tessera-3x', 'duckdb', 'polars', 'arquero', 'danfojs'] as const;
type Engine = (typeof ENGINES)[number];
const SLOW: ReadonlySet<Engine> = new Set(['arquero', 'danfojs']);
const LABEL: Record<Engine, string> = {
  tessera: 'tessera (threads)',
  'tessera-3x': 'tessera, three separate computes',
  duckdb: 'DuckDB (@duckdb/node-api)',
  polars: 'nodejs-polars',
  arquero: 'arquero',
  danfojs: 'danfojs',
};

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    reps: { type: 'string' },
    'slow-reps': { type: 'string' },
    engines: { type: 'string' },
    queries: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
if (!(values.size! in SIZES)) {
  console.error(`bench: --size must be small, medium or large; got '${values.size}'`);
  process.exit(2);
}
const size = values.size as Size;
const cfg = SIZES[size];
const reps = values.reps ? Number(values.reps) : cfg.reps;
const slowReps = values['slow-reps'] ? Number(values['slow-reps']) : Math.min(reps, cfg.slowReps);
const engines = (values.engines?.split(',') ?? [...ENGINES]) as Engine[];
const queries = (values.queries?.split(',') ?? Object.keys(QUERIES)) as QueryId[];
for (const e of engines) if (!ENGINES.includes(e)) throw new Error(`unknown engine '${e}'; the engines are ${ENGINES.join(', ')}`);
for (const q of queries) if (!(q in QUERIES)) throw new Error(`unknown query '${q}'; the queries are ${Object.keys(QUERIES).join(', ')}`);

// ---- data -------------------------------------------------------------------------------------------
const dataDir = path.join(root, 'bench', 'data', `airline-${cfg.files}x${cfg.rows}`);
const files = Array.from({ length: cfg.files }, (_, i) => path.join(dataDir, `airline_${2001 + i}.csv`));
if (!files.every((f) => fs.existsSync(f))) {
  console.log(`generating ${cfg.files} x ${cfg.rows} rows into ${path.relative(root, dataDir)} ...`);
  execFileSync(process.execPath, [path.join(root, 'datasets', 'gen-airline.mjs'), dataDir, String(cfg.files), String(cfg.rows)], { stdio: 'inherit' });
}
const gb = (fs: readonly string[]) => fs.reduce((s, f) => s + statSize(f), 0) / 1e9;
function statSize(f: string): number {
  return fs.statSync(f).size;
}
const oneFile = files.slice(0, cfg.slowFiles);
const partial = oneFile.length < files.length;

// ---- the runs -----------------------------------------------------------------------------------------
interface Job { query: QueryId; engine: Engine; files: string[]; reps: number }
const jobs: Job[] = [];
for (const query of queries) {
  for (const engine of engines) {
    if (engine === 'tessera-3x' && query !== 'q1') continue;
    const slow = SLOW.has(engine);
    jobs.push({ query, engine, files: slow ? oneFile : files, reps: slow ? slowReps : reps });
  }
  if (partial && engines.some((e) => SLOW.has(e))) {
    // The slow engines read one file: run tessera (and DuckDB, the reference) on that file too, so their
    // ratio compares like with like.
    for (const engine of ['tessera', 'duckdb'] as const) jobs.push({ query, engine, files: oneFile, reps });
  }
}

interface Run { seconds: number; maxRssMb: number; answer: Answer }
const results = new Map<Job, Run[]>();
const failures = new Map<Job, string>();

function runOnce(job: Job): Promise<Run> {
  const args = ['--max-old-space-size=16384', '--import', 'tsx', path.join(root, 'bench', 'suite', 'run-one.ts'), job.engine, job.query, ...job.files];
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' }; // CI: no progress bar in the children
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('@@result '));
      if (code === 0 && line) return resolve(JSON.parse(line.slice('@@result '.length)) as Run);
      const why = /heap out of memory|Allocation failed/i.test(err) ? 'out of memory' : (err.trim().split('\n').filter((l) => /Error/.test(l))[0] ?? `exit ${code ?? signal}`);
      reject(new Error(why.slice(0, 160)));
    });
  });
}

const key = (j: Job) => `${j.query} ${j.engine} ${j.files.length}`;
console.log(`${size}: ${cfg.files} files x ${cfg.rows} rows (${gb(files).toFixed(2)} GB of CSV); ${jobs.length} engine/query pairs, ${reps} runs each (${slowReps} for arquero/danfojs${partial ? `, which read ${oneFile.length} file` : ''})`);
const maxReps = Math.max(...jobs.map((j) => j.reps));
for (let r = 0; r < maxReps; r++) {
  // Repetitions are interleaved (every pair once, then again) so a noisy moment hits all engines alike.
  for (const job of jobs) {
    if (r >= job.reps || failures.has(job)) continue;
    process.stdout.write(`  run ${r + 1}/${job.reps} ${key(job).padEnd(22)} `);
    try {
      const run = await runOnce(job);
      (results.get(job) ?? results.set(job, []).get(job)!).push(run);
      console.log(`${run.seconds.toFixed(2)} s, ${run.maxRssMb.toFixed(0)} MB`);
    } catch (e) {
      failures.set(job, (e as Error).message);
      console.log(`FAILED: ${(e as Error).message}`);
    }
  }
}

// ---- answers first ------------------------------------------------------------------------------------
const reference = (q: QueryId, n: number) => jobs.find((j) => j.engine === 'duckdb' && j.query === q && j.files.length === n);
const wrong: string[] = [];
for (const job of jobs) {
  const ref = reference(job.query, job.files.length);
  const want = ref && results.get(ref)?.[0]?.answer;
  if (!want) {
    if (!failures.has(job)) wrong.push(`${key(job)}: no DuckDB answer to check against`);
    continue;
  }
  for (const run of results.get(job) ?? []) {
    const d = differ(job.query, run.answer, want);
    if (d) wrong.push(`${key(job)}: ${d}`);
  }
}
if (wrong.length > 0) {
  console.error(`\nanswers differ from DuckDB's, so no times are reported:\n  ${wrong.join('\n  ')}`);
  process.exit(1);
}

// ---- the table ------------------------------------------------------------------------------------------
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const lines = ['| query | engine | data | median s | peak RSS MB | time vs tessera | RSS vs tessera |', '|---|---|---|---|---|---|---|'];
for (const query of queries) {
  for (const job of jobs.filter((j) => j.query === query)) {
    const runs = results.get(job) ?? [];
    const ours = jobs.find((j) => j.query === query && j.engine === 'tessera' && j.files.length === job.files.length);
    const oursRuns = ours ? results.get(ours) ?? [] : [];
    const data = job.files.length === files.length ? `${files.length} files` : `${job.files.length} of ${files.length} files`;
    const label = `${LABEL[job.engine]}${job.reps > 1 ? '' : ' (1 run)'}`;
    if (runs.length === 0) {
      lines.push(`| ${QUERIES[query]} | ${label} | ${data} | failed: ${failures.get(job) ?? '?'} | | | |`);
      continue;
    }
    const s = median(runs.map((r) => r.seconds)), m = median(runs.map((r) => r.maxRssMb));
    const ratio = (a: number, b: number | null) => (b ? `${(a / b).toFixed(2)}x` : '');
    const os_ = oursRuns.length ? median(oursRuns.map((r) => r.seconds)) : null, om = oursRuns.length ? median(oursRuns.map((r) => r.maxRssMb)) : null;
    lines.push(`| ${QUERIES[query]} | ${label} | ${data} | ${s.toFixed(2)} | ${m.toFixed(0)} | ${ratio(s, os_)} | ${ratio(m, om)} |`);
  }
}
const load = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
const machine = `${os.availableParallelism()} cores (nproc), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average at the end ${load}`;
const header = `${size}: ${cfg.files} files x ${cfg.rows.toLocaleString('en-US')} rows, ${gb(files).toFixed(2)} GB of CSV; median of ${reps} fresh-process runs (${slowReps} for arquero/danfojs${partial ? `, on ${oneFile.length} file, with tessera and DuckDB also run on that file` : ''}); ${machine}. All answers equal DuckDB's (checked before timing was reported). Time: the query in the child after its engine is imported; peak RSS: the child's maxRSS.`;
console.log(`\n${header}\n\n${lines.join('\n')}`);
if (failures.size > 0) console.log(`\nfailed: ${[...failures].map(([j, m]) => `${key(j)} (${m})`).join('; ')}`);

// ---- bench/RESULTS.md: only this suite's section, one block per size --------------------------------------
if (!values['no-write'] && engines.length === ENGINES.length && queries.length === 4) {
  const file = path.join(root, 'bench', 'RESULTS.md');
  let text = fs.readFileSync(file, 'utf8');
  const heading = '## Peer suite — `npm run bench -- --size small|medium|large` (bench/suite.ts)';
  if (!text.includes(heading)) text = `${text.trimEnd()}\n\n${heading}\n\nEach size's block below is rewritten by its own run; notes outside the blocks are kept.\n`;
  const start = `<!-- suite:${size}:start -->`, end = `<!-- suite:${size}:end -->`;
  const block = `${start}\n### ${size}\n\n${header}\n\n${lines.join('\n')}\n${end}`;
  const at = text.indexOf(start), stop = text.indexOf(end);
  if (at >= 0 && stop > at) text = text.slice(0, at) + block + text.slice(stop + end.length);
  else {
    // Insert at the end of this suite's section (before the next '## ' heading, if any).
    const sec = text.indexOf(heading);
    const next = text.indexOf('\n## ', sec + heading.length);
    text = next < 0 ? `${text.trimEnd()}\n\n${block}\n` : `${text.slice(0, next).trimEnd()}\n\n${block}\n${text.slice(next)}`;
  }
  fs.writeFileSync(file, text);
  console.log(`\nwrote the ${size} table into bench/RESULTS.md`);
}
