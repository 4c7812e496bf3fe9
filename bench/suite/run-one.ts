// One engine, one query, one run, in this fresh process: prints a JSON line with the answer, the wall
// time of the query (after the engine's module is loaded) and this process's peak RSS, which therefore
// covers only this engine and this query (worker threads and native threads included).
// usage: node --import tsx bench/suite/run-one.ts <engine> <query> <file>...

import type { QueryId } from './answers.ts';

const ENGINES = ['tessera', 'tessera-3x', 'duckdb', 'polars', 'arquero', 'danfojs'] as const;
type EngineId = (typeof ENGINES)[number];

const [engine, query, ...files] = process.argv.slice(2) as [EngineId, QueryId, ...string[]];
const mod =
  engine === 'tessera' || engine === 'tessera-3x' ? await import('./tessera.ts')
  : engine === 'duckdb' ? await import('./duckdb.ts')
  : engine === 'polars' ? await import('./polars.ts')
  : engine === 'arquero' ? await import('./arquero.ts')
  : engine === 'danfojs' ? await import('./danfo.ts')
  : null;
if (!mod || !['q1', 'q2', 'q3', 'q4'].includes(query) || files.length === 0) {
  console.error(`usage: run-one.ts <${ENGINES.join('|')}> <q1|q2|q3|q4> <file>...`);
  process.exit(2);
}
const t0 = performance.now();
const answer = await (mod.run as (q: QueryId, f: string[], o?: object) => Promise<unknown>)(query, files, { threeComputes: engine === 'tessera-3x' });
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`\n@@result ${JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, answer })}\n`);
process.exit(0);
