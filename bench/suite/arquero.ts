// arquero: reads each file's text with fromCSV (every column, as arquero does; 'NA' needs explicit parse
// functions), concatenates the tables, and runs its verbs. Q3 is a JS loop per group over its columns.

import * as fs from 'node:fs';
import * as aq from 'arquero';
import { fitOls } from '../../examples/ols.ts';
import { type Answer, type QueryId, olsPerGroup, sortQ2, sortQ4 } from './answers.ts';

const TEXT = new Set(['UniqueCarrier', 'TailNum', 'Origin', 'Dest', 'CancellationCode']);
const num = (v: string) => (v === 'NA' || v === '' ? null : Number(v));
const str = (v: string) => (v === 'NA' || v === '' ? null : v);

function load(files: string[]) {
  const header = fs.readFileSync(files[0]!, 'utf8').slice(0, 4096).split('\n')[0]!.split(',');
  const parse = Object.fromEntries(header.map((h) => [h, TEXT.has(h) ? str : num]));
  const tables = files.map((f) => aq.fromCSV(fs.readFileSync(f, 'utf8'), { parse }));
  return tables.length === 1 ? tables[0]! : tables[0]!.concat(...tables.slice(1));
}

const floats = (t: ReturnType<typeof load>, c: string) => Float64Array.from(t.array(c) as ArrayLike<number | null>, (v) => (v === null || v === undefined ? NaN : v));

export async function run(query: QueryId, files: string[]): Promise<Answer> {
  const t = load(files);
  const { op } = aq;
  switch (query) {
    case 'q1': {
      const r = t.rollup({ min: op.min('DepDelay'), max: op.max('DepDelay'), mean: op.mean('DepDelay') }).object() as Record<string, number>;
      return { min: r.min!, max: r.max!, mean: r.mean! };
    }
    case 'q2': {
      const r = t.groupby('UniqueCarrier').rollup({ mean: op.mean('ArrDelay'), n: op.valid('ArrDelay') }).objects() as Array<Record<string, unknown>>;
      return sortQ2(r.map((x) => [String(x.UniqueCarrier), Number(x.mean), Number(x.n)]));
    }
    case 'q3':
      return olsPerGroup(t.array('Origin') as ArrayLike<unknown>, floats(t, 'ArrDelay'), floats(t, 'DepDelay'), floats(t, 'Distance'), fitOls as never);
    case 'q4': {
      const r = t.filter((d: Record<string, number>) => d.DepDelay! > 60 && d.Cancelled === 0).groupby('Month').count({ as: 'n' }).objects() as Array<Record<string, unknown>>;
      return sortQ4(r.map((x) => [Number(x.Month), Number(x.n)]));
    }
  }
}
