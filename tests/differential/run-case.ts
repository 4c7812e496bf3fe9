// Runs generated cases: writes the files, loads them into DuckDB, runs each query on tessera per scheduler,
// compares; and shrinks a failure to a minimal reproduction (fewer files, rows, columns; simpler dialect).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SchedulerName } from '../../src/index.ts';
import { rng } from '../helpers.ts';
import { type ColType, type CsvCase, type CsvFile, type Feature, expectedType, generateCase, renderFile } from './generate.ts';
import { loadCase } from './oracle.ts';
import {
  type Expected, type ExpectedRefusal, type Outcome, type Query, compareOutcome, describeQuery, generateQueries,
  readOptionsText, runDuck, runTessera, showValue,
} from './queries.ts';

export interface Failure {
  seed: number;
  case: CsvCase;
  query: Query;
  scheduler: SchedulerName;
  reason: string;
  actual?: Outcome;
  expected?: Expected | ExpectedRefusal;
}

export const typesOf = (c: CsvCase): ColType[] => c.names.map((_, j) => expectedType(c, j));

let written = 0;

/** Write the case's files into a fresh directory; returns their paths in order. */
function writeFiles(c: CsvCase, root: string): { dir: string; paths: string[] } {
  const dir = path.join(root, `case-${written++}`);
  fs.mkdirSync(dir, { recursive: true });
  const paths = c.files.map((f, i) => {
    const p = path.join(dir, `f${i}.csv`);
    fs.writeFileSync(p, renderFile(c, f));
    return p;
  });
  return { dir, paths };
}

/** One query on one scheduler against DuckDB: the reason it differs, or null. */
async function check(c: CsvCase, paths: string[], types: ColType[], q: Query, s: SchedulerName, expected?: Expected | ExpectedRefusal): Promise<Failure | null> {
  let exp = expected;
  if (!exp) {
    try {
      exp = await runDuck(c, types, q);
    } catch (e) {
      return { seed: -1, case: c, query: q, scheduler: s, reason: `oracle: DuckDB failed: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  const actual = await runTessera(c, paths, q, s);
  const reason = compareOutcome(c, types, q, actual, exp);
  return reason === null ? null : { seed: -1, case: c, query: q, scheduler: s, reason, actual, expected: exp };
}

async function load(c: CsvCase, root: string): Promise<{ dir: string; paths: string[]; types: ColType[]; error?: string }> {
  const { dir, paths } = writeFiles(c, root);
  const types = typesOf(c);
  try {
    await loadCase(c, paths, types);
  } catch (e) {
    return { dir, paths, types, error: `oracle: DuckDB could not read the case: ${(e as Error).message.split('\n').slice(0, 2).join(' ')}` };
  }
  return { dir, paths, types };
}

export interface CaseResult { failures: Failure[]; queries: number; runs: number }

/** Generate case `seed`, run `nqueries` queries; `schedulersFor(i)` says where query i runs. */
export async function runCase(seed: number, root: string, nqueries: number, schedulersFor: (i: number) => SchedulerName[], avoid?: ReadonlySet<Feature>): Promise<CaseResult> {
  const c = generateCase(seed, avoid);
  const { dir, paths, types, error } = await load(c, root);
  const failures: Failure[] = [];
  let runs = 0;
  const queries = generateQueries(rng(seed ^ 0x5bd1e995), c, types, nqueries);
  if (error) {
    failures.push({ seed, case: c, query: { kind: 'toArrow' }, scheduler: 'sync', reason: error });
  } else {
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      let expected: Expected | ExpectedRefusal;
      try {
        expected = await runDuck(c, types, q);
      } catch (e) {
        failures.push({ seed, case: c, query: q, scheduler: 'sync', reason: `oracle: DuckDB failed: ${(e as Error).message.split('\n')[0]}` });
        continue;
      }
      for (const s of schedulersFor(i)) {
        runs++;
        const f = await check(c, paths, types, q, s, expected);
        if (f) failures.push({ ...f, seed });
      }
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { failures, queries: queries.length, runs };
}

/** A failure's class: its reason without numbers and quoted values, so shrinking keeps the same bug. */
export function failureClass(f: Pick<Failure, 'reason' | 'query'>): string {
  const reason = f.reason.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/-?\d[\d.e+-]*n?/g, '#').replace(/\s+/g, ' ');
  return `${f.query.kind}${'fn' in f.query ? `.${f.query.fn}` : ''}: ${reason.slice(0, 70)}`;
}

async function stillFails(c: CsvCase, q: Query | null, s: SchedulerName, cls: string, root: string, wantTypes: ColType[]): Promise<Failure | null> {
  if (q === null) return null;
  // A smaller case must keep every column's expected type, or the query would change meaning.
  if (typesOf(c).join() !== wantTypes.join()) return null;
  const { dir, paths, types, error } = await load(c, root);
  try {
    if (error) return null;
    const f = await check(c, paths, types, q, s);
    return f && failureClass(f) === cls ? f : null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The query with column j removed (indices above j shift down), or null when it uses j. */
function dropColumnFromQuery(q: Query, j: number): Query | null {
  const m = (k: number): number => (k > j ? k - 1 : k);
  switch (q.kind) {
    case 'reduce': case 'valueCounts': case 'nunique': return q.col === j ? null : { ...q, col: m(q.col) };
    case 'filterReduce': return q.col === j || q.where === j ? null : { ...q, col: m(q.col), where: m(q.where) };
    case 'dropnaReduce': return q.col === j || q.subset.includes(j) ? null : { ...q, col: m(q.col), subset: q.subset.map(m) };
    case 'groupAgg': return q.keys.includes(j) || q.aggs.some((a) => a.col === j) ? null : { ...q, keys: q.keys.map(m), aggs: q.aggs.map((a) => ({ ...a, col: m(a.col) })) };
    default: return q;
  }
}

const withFiles = (c: CsvCase, files: CsvFile[]): CsvCase => ({ ...c, files });

/** Greedy shrinking: each step keeps a smaller case only if the same query still fails the same way. */
export async function shrink(f: Failure, root: string, budget = 400): Promise<Failure> {
  const cls = failureClass(f);
  let best = f;
  let tries = 0;
  const attempt = async (c: CsvCase, q: Query | null, dropped = -1): Promise<boolean> => {
    if (tries++ >= budget) return false;
    const types = typesOf(best.case).filter((_, k) => k !== dropped);
    const g = await stillFails(c, q, best.scheduler, cls, root, types);
    if (g) best = { ...g, seed: f.seed };
    return g !== null;
  };
  let progress = true;
  while (progress && tries < budget) {
    progress = false;
    // Whole files.
    for (let i = best.case.files.length - 1; i >= 0 && best.case.files.length > 1; i--) {
      if (await attempt(withFiles(best.case, best.case.files.filter((_, k) => k !== i)), best.query)) progress = true;
    }
    // Runs of rows, halving the run length down to single rows.
    for (let fi = 0; fi < best.case.files.length; fi++) {
      for (let len = Math.max(1, best.case.files[fi]!.rows.length >> 1); len >= 1; len = len >> 1) {
        for (let start = 0; start < best.case.files[fi]!.rows.length; ) {
          const file = best.case.files[fi]!;
          const rows = [...file.rows.slice(0, start), ...file.rows.slice(start + len)];
          const ends = [...file.ends.slice(0, start + 1), ...file.ends.slice(start + len + 1)];
          const files = best.case.files.map((x, k) => (k === fi ? { ...x, rows, ends } : x));
          if (await attempt(withFiles(best.case, files), best.query)) progress = true;
          else start += len;
        }
        if (len === 1) break;
      }
    }
    // Columns the query does not use.
    for (let j = best.case.names.length - 1; j >= 0 && best.case.names.length > 1; j--) {
      const q = dropColumnFromQuery(best.query, j);
      if (q === null) continue;
      const names = best.case.names.filter((_, k) => k !== j);
      const files = best.case.files.map((x) => ({ ...x, rows: x.rows.map((r) => r.filter((_, k) => k !== j)) }));
      if (await attempt({ ...best.case, names, files }, q, j)) progress = true;
    }
    // Simpler dialect and options, one at a time.
    const simpler: CsvCase[] = [
      withFiles(best.case, best.case.files.map((x) => ({ ...x, bom: false }))),
      withFiles(best.case, best.case.files.map((x) => ({ ...x, ends: x.ends.map((e, i) => (e === '' && i === x.ends.length - 1 ? '' : '\n')) }))),
      withFiles(best.case, best.case.files.map((x) => ({ ...x, rows: x.rows.map((r) => r.map((cell) => ({ ...cell, quoted: /[",;\t|\r\n]/.test(cell.text) || (cell.text === '' && r.length === 1) }))) }))),
      { ...best.case, sampleBytes: undefined },
      { ...best.case, blocksize: undefined },
      { ...best.case, giveDelimiter: true },
      { ...best.case, names: best.case.names.map((_, j) => `c${j}`) },
    ];
    for (const c of simpler) {
      if (JSON.stringify(c) === JSON.stringify(best.case)) continue;
      if (await attempt(c, best.query)) progress = true;
    }
  }
  return best;
}

const showOutcome = (o: Outcome | Expected | ExpectedRefusal | undefined): string => {
  if (!o) return '(none)';
  if (!o.ok) return `refusal: ${'error' in o ? o.error : o.why}`;
  const v = o.value;
  const text = Array.isArray(v) ? `[${v.map((r) => (Array.isArray(r) ? `[${r.map(showValue).join(', ')}]` : showValue(r))).join(', ')}]` : showValue(v);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
};

/** A failure as a self-contained reproduction: the files' text, the read options, the query, both answers. */
export function formatFailure(f: Failure): string {
  const lines = [
    `FAILURE (seed ${f.seed}, scheduler '${f.scheduler}'): ${f.reason}`,
    `class: ${failureClass(f)}`,
    ...f.case.files.map((x, i) => `f${i}.csv = ${JSON.stringify(renderFile(f.case, x))}`),
    `df = readCsv([${f.case.files.map((_, i) => `'f${i}.csv'`).join(', ')}], ${readOptionsText(f.case)})`,
    `query: ${describeQuery(f.query, f.case.names)}   (compute with {scheduler: '${f.scheduler}'})`,
    `column types the data calls for: ${typesOf(f.case).map((t, j) => `${JSON.stringify(f.case.names[j])}: ${t}`).join(', ')}`,
    `tessera: ${showOutcome(f.actual)}`,
    `expected (DuckDB, explicit types, tessera's documented rules): ${showOutcome(f.expected)}`,
  ];
  return lines.join('\n');
}

export interface SuiteOptions {
  /** Base seed: case i uses a seed derived from (seed, i). */
  seed: number;
  cases: number;
  queriesPerCase: number;
  /** Every `pooledEvery`-th case also runs its queries on threads and processes (0: never). */
  pooledEvery: number;
  root: string;
  /** Generator features to leave out (npm run fuzz -- --avoid mixed-newlines,...). */
  avoid?: ReadonlySet<Feature>;
  onCase?: (i: number, r: CaseResult) => void;
}

export interface SuiteResult { cases: number; queries: number; runs: number; failures: Failure[] }

export const caseSeed = (seed: number, i: number): number => (Math.imul(seed, 1000003) + i * 7919 + 1) >>> 0;

export async function runSuite(o: SuiteOptions): Promise<SuiteResult> {
  const out: SuiteResult = { cases: 0, queries: 0, runs: 0, failures: [] };
  for (let i = 0; i < o.cases; i++) {
    const pooled = o.pooledEvery > 0 && i % o.pooledEvery === 0;
    const schedulers: SchedulerName[] = pooled ? ['sync', 'threads', 'processes'] : ['sync'];
    const r = await runCase(caseSeed(o.seed, i), o.root, o.queriesPerCase, () => schedulers, o.avoid);
    out.cases++;
    out.queries += r.queries;
    out.runs += r.runs;
    out.failures.push(...r.failures);
    o.onCase?.(i, r);
  }
  return out;
}

/** The first failure of each class. */
export function byClass(failures: Failure[]): Map<string, Failure[]> {
  const m = new Map<string, Failure[]>();
  for (const f of failures) {
    const k = failureClass(f);
    m.set(k, [...(m.get(k) ?? []), f]);
  }
  return m;
}
