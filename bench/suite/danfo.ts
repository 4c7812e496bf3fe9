// danfojs (plain `danfojs`, not danfojs-node, which cannot install offline): its readCSV cannot open a
// local file in Node, so papaparse (which danfojs itself uses) parses every column into arrays ('NA' ->
// NaN) and a DataFrame is built from them. Q3 is a JS loop per group over its columns.

import * as fs from 'node:fs';
import Papa from 'papaparse';
import * as dfd from 'danfojs';
import { fitOls } from '../../examples/ols.ts';
import { type Answer, type QueryId, olsPerGroup, sortQ2, sortQ4 } from './answers.ts';

const TEXT = new Set(['UniqueCarrier', 'TailNum', 'Origin', 'Dest', 'CancellationCode']);

function load(files: string[]): dfd.DataFrame {
  const cols: Record<string, Array<number | string | null>> = {};
  let header: string[] | null = null;
  for (const f of files) {
    const rows = Papa.parse<string[]>(fs.readFileSync(f, 'utf8'), { skipEmptyLines: true }).data;
    const h = rows[0]!;
    if (!header) {
      header = h;
      for (const c of h) cols[c] = [];
    }
    const lists = h.map((c) => cols[c]!);
    const text = h.map((c) => TEXT.has(c));
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i]!;
      for (let j = 0; j < lists.length; j++) {
        const v = r[j]!;
        lists[j]!.push(text[j] ? (v === '' || v === 'NA' ? null : v) : v === '' || v === 'NA' ? NaN : Number(v));
      }
    }
  }
  return new dfd.DataFrame(cols);
}

/** A small result frame as row objects (built from its columns). */
function rowsOf(df: dfd.DataFrame): Array<Record<string, unknown>> {
  const names = df.columns as string[];
  const cols = names.map((c) => (df[c] as dfd.Series).values as unknown[]);
  return Array.from({ length: df.shape[0] }, (_, i) => Object.fromEntries(names.map((c, j) => [c, cols[j]![i]])));
}

export async function run(query: QueryId, files: string[]): Promise<Answer> {
  const df = load(files);
  switch (query) {
    case 'q1': {
      const d = df['DepDelay'] as dfd.Series;
      return { min: Number(d.min()), max: Number(d.max()), mean: Number(d.mean()) };
    }
    case 'q2': {
      // danfojs' group mean and count include NaN: keep rows with an ArrDelay first (NaN > -Infinity is false).
      const ok = df.query((df['ArrDelay'] as dfd.Series).gt(-Infinity));
      const g = ok.groupby(['UniqueCarrier']).agg({ ArrDelay: ['mean', 'count'] });
      return sortQ2(rowsOf(g).map((r) => [String(r.UniqueCarrier), Number(r.ArrDelay_mean), Number(r.ArrDelay_count)]));
    }
    case 'q3': {
      const f = (c: string) => Float64Array.from((df[c] as dfd.Series).values as number[]);
      return olsPerGroup((df['Origin'] as dfd.Series).values as unknown[], f('ArrDelay'), f('DepDelay'), f('Distance'), fitOls as never);
    }
    case 'q4': {
      const late = df.query((df['DepDelay'] as dfd.Series).gt(60).and((df['Cancelled'] as dfd.Series).eq(0)));
      const g = late.groupby(['Month']).col(['Month']).count();
      return sortQ4(rowsOf(g).map((r) => [Number(r.Month), Number(r.Month_count)]));
    }
  }
}
