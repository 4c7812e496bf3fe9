// node --import tsx bench/verbs.ts [--size small|medium|large] [--reps N] [--cases merge,sort] [--engines ...]
// The verb benchmark of issue 18: every module in bench/verbs/ that exports a VerbCase (bench/verbs/case.ts)
// is a case; each case runs on tessera, DuckDB and nodejs-polars over the same generated airline CSVs. Every
// run is a fresh child process (this file again, with --child), so peak RSS is that run's own. Answers are
// checked against tessera's before any time is printed; medians go to stdout and to bench/RESULTS.md.

import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Engine, VerbCase, VerbInputs } from './verbs/case.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const casesDir = path.join(root, 'bench', 'verbs');
const ENGINES: readonly Engine[] = ['tessera', 'duckdb', 'polars'];
const LABEL: Record<Engine, string> = { tessera: 'tessera (threads)', duckdb: 'DuckDB (@duckdb/node-api)', polars: 'nodejs-polars' };
// The same data as bench/suite.ts (one generator, one folder per size).
const SIZES = {
  small: { files: 2, rows: 200_000, reps: 3 },
  medium: { files: 4, rows: 1_000_000, reps: 3 },
  large: { files: 8, rows: 2_100_000, reps: 3 },
} as const;
type Size = keyof typeof SIZES;

function isVerbCase(x: unknown): x is VerbCase {
  const c = x as VerbCase;
  return typeof x === 'object' && x !== null && typeof c.id === 'string' && typeof c.run === 'function' && typeof c.check === 'function';
}

/** Every VerbCase exported by a module of bench/verbs/ (a helper's module that is absent is simply not there). */
async function loadCases(): Promise<Array<{ file: string; verb: VerbCase }>> {
  const out: Array<{ file: string; verb: VerbCase }> = [];
  for (const name of fs.readdirSync(casesDir).sort()) {
    if (!name.endsWith('.ts') || name === 'case.ts') continue;
    const file = path.join(casesDir, name);
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    // A module may export its case both by name and as default: count each object once.
    for (const v of new Set(Object.values(mod))) if (isVerbCase(v)) out.push({ file, verb: v });
  }
  return out;
}

// ---- child: one case, one engine, one run --------------------------------------------------------------
if (process.argv[2] === '--child') {
  const [, , , file, id, engine, scratch, ...airlineFiles] = process.argv;
  const mod = (await import(pathToFileURL(file!).href)) as Record<string, unknown>;
  const verb = Object.values(mod).find((v) => isVerbCase(v) && v.id === id) as VerbCase | undefined;
  if (!verb) throw new Error(`no case '${id}' in ${file}`);
  const t0 = performance.now();
  const answer = await verb.run(engine as Engine, { airlineFiles, scratch: scratch! });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`\n@@result ${JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, answer }, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}\n`);
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    reps: { type: 'string' },
    cases: { type: 'string' },
    engines: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
if (!(values.size! in SIZES)) {
  console.error(`bench/verbs: --size must be small, medium or large; got '${values.size}'`);
  process.exit(2);
}
const size = values.size as Size;
const cfg = SIZES[size];
const reps = values.reps ? Number(values.reps) : cfg.reps;
if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`--reps must be a positive integer; got ${values.reps}`);
const engines = (values.engines?.split(',') ?? [...ENGINES]) as Engine[];
for (const e of engines) if (!ENGINES.includes(e)) throw new Error(`unknown engine '${e}'; the engines are ${ENGINES.join(', ')}`);
if (!engines.includes('tessera')) throw new Error('--engines must include tessera: the other answers are checked against its answer and DuckDB\'s');

const all = await loadCases();
const wanted = values.cases?.split(',');
for (const w of wanted ?? []) if (!all.some((c) => c.verb.id === w)) throw new Error(`unknown case '${w}'; the cases are ${all.map((c) => c.verb.id).join(', ')}`);
const cases = wanted ? all.filter((c) => wanted.includes(c.verb.id)) : all;

const dataDir = path.join(root, 'bench', 'data', `airline-${cfg.files}x${cfg.rows}`);
const airlineFiles = Array.from({ length: cfg.files }, (_, i) => path.join(dataDir, `airline_${2001 + i}.csv`));
if (!airlineFiles.every((f) => fs.existsSync(f))) {
  console.log(`generating ${cfg.files} x ${cfg.rows} rows into ${path.relative(root, dataDir)} ...`);
  execFileSync(process.execPath, [path.join(root, 'datasets', 'gen-airline.mjs'), dataDir, String(cfg.files), String(cfg.rows)], { stdio: 'inherit' });
}
// The scratch directory belongs to this run: made here, removed at the end whatever happens.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-verbs-'));
const inputs: VerbInputs = { airlineFiles, scratch };

interface Run { seconds: number; maxRssMb: number; answer: unknown }
const runs = new Map<string, Run[]>();
const failures = new Map<string, string>();
const slot = (id: string, e: Engine) => `${id} ${e}`;

function runOnce(file: string, id: string, engine: Engine): Promise<Run> {
  const args = ['--max-old-space-size=16384', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', file, id, engine, scratch, ...airlineFiles];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('@@result '));
      if (code === 0 && line) return resolve(JSON.parse(line.slice('@@result '.length)) as Run);
      const why = /heap out of memory|Allocation failed/i.test(err) ? 'out of memory' : (err.trim().split('\n').filter((l) => /Error/.test(l))[0] ?? `exit ${code ?? signal}`);
      reject(new Error(why.slice(0, 200)));
    });
  });
}

try {
  for (const { verb } of cases) await verb.prepare?.(inputs);
  const gb = airlineFiles.reduce((s, f) => s + fs.statSync(f).size, 0) / 1e9;
  console.log(`${size}: ${cfg.files} files x ${cfg.rows} rows (${gb.toFixed(2)} GB of CSV); cases ${cases.map((c) => c.verb.id).join(', ')}; ${reps} runs each`);
  for (let r = 0; r < reps; r++) {
    // Interleaved repetitions: a noisy moment hits every engine alike.
    for (const { file, verb } of cases) {
      for (const engine of engines) {
        const k = slot(verb.id, engine);
        if (failures.has(k)) continue;
        process.stdout.write(`  run ${r + 1}/${reps} ${k.padEnd(24)} `);
        try {
          const run = await runOnce(file, verb.id, engine);
          (runs.get(k) ?? runs.set(k, []).get(k)!).push(run);
          console.log(`${run.seconds.toFixed(2)} s, ${run.maxRssMb.toFixed(0)} MB`);
        } catch (e) {
          failures.set(k, (e as Error).message);
          console.log(`FAILED: ${(e as Error).message}`);
        }
      }
    }
  }

  // ---- answers first: every run of every engine against tessera's first answer ----------------------------
  const wrong: string[] = [];
  for (const { verb } of cases) {
    const ours = runs.get(slot(verb.id, 'tessera'))?.[0]?.answer;
    if (ours === undefined) {
      wrong.push(`${verb.id}: tessera has no answer (${failures.get(slot(verb.id, 'tessera')) ?? '?'})`);
      continue;
    }
    for (const engine of engines) {
      for (const run of runs.get(slot(verb.id, engine)) ?? []) {
        try {
          verb.check(ours, run.answer, engine);
        } catch (e) {
          wrong.push(`${verb.id} ${engine}: ${(e as Error).message}`);
        }
      }
    }
  }
  if (wrong.length > 0) {
    console.error(`\nanswers differ, so no times are reported:\n  ${wrong.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const lines = ['| verb | engine | median s | peak RSS MB | time vs DuckDB | RSS vs DuckDB |', '|---|---|---|---|---|---|'];
    for (const { verb } of cases) {
      const duck = runs.get(slot(verb.id, 'duckdb')) ?? [];
      const ds = duck.length ? median(duck.map((r) => r.seconds)) : null;
      const dm = duck.length ? median(duck.map((r) => r.maxRssMb)) : null;
      for (const engine of engines) {
        const rs = runs.get(slot(verb.id, engine)) ?? [];
        if (rs.length === 0) {
          lines.push(`| ${verb.title} | ${LABEL[engine]} | failed: ${failures.get(slot(verb.id, engine)) ?? '?'} | | | |`);
          continue;
        }
        const s = median(rs.map((r) => r.seconds));
        const m = median(rs.map((r) => r.maxRssMb));
        lines.push(`| ${verb.title} | ${LABEL[engine]} | ${s.toFixed(2)} | ${m.toFixed(0)} | ${ds ? `${(s / ds).toFixed(2)}x` : ''} | ${dm ? `${(m / dm).toFixed(2)}x` : ''} |`);
      }
    }
    const load = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
    const header = `${size}: ${cfg.files} files x ${cfg.rows.toLocaleString('en-US')} rows, ${gb.toFixed(2)} GB of CSV; median of ${reps} fresh-process runs; ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average at the end ${load}. Every answer equals tessera's (checked before timing was reported). Time: the verb in the child after its modules are loaded; peak RSS: the child's maxRSS.`;
    console.log(`\n${header}\n\n${lines.join('\n')}`);
    if (failures.size > 0) console.log(`\nfailed: ${[...failures].map(([k, m]) => `${k} (${m})`).join('; ')}`);
    if (!values['no-write'] && !values.cases && !values.engines) writeResults(size, header, lines);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

/** bench/RESULTS.md: only this runner's section, one block per size (notes outside the blocks are kept). */
function writeResults(size: Size, header: string, lines: string[]): void {
  const file = path.join(root, 'bench', 'RESULTS.md');
  let text = fs.readFileSync(file, 'utf8');
  const heading = '## Verbs — `node --import tsx bench/verbs.ts --size small|medium|large` (bench/verbs.ts)';
  if (!text.includes(heading)) text = `${text.trimEnd()}\n\n${heading}\n\nEach size's block below is rewritten by its own run; notes outside the blocks are kept.\n`;
  const start = `<!-- verbs:${size}:start -->`;
  const end = `<!-- verbs:${size}:end -->`;
  const block = `${start}\n### ${size}\n\n${header}\n\n${lines.join('\n')}\n${end}`;
  const at = text.indexOf(start);
  const stop = text.indexOf(end);
  if (at >= 0 && stop > at) text = text.slice(0, at) + block + text.slice(stop + end.length);
  else {
    const sec = text.indexOf(heading);
    const next = text.indexOf('\n## ', sec + heading.length);
    text = next < 0 ? `${text.trimEnd()}\n\n${block}\n` : `${text.slice(0, next).trimEnd()}\n\n${block}\n${text.slice(next)}`;
  }
  fs.writeFileSync(file, text);
  console.log(`\nwrote the ${size} block into bench/RESULTS.md`);
}
