// The four benchmark queries' answers in one plain shape per query, and how two answers are compared:
// every engine's answer must match the reference (DuckDB) to a tolerance before any time is shown.

export type QueryId = 'q1' | 'q2' | 'q3' | 'q4';

export const QUERIES: Record<QueryId, string> = {
  q1: 'Q1 min+max+mean of DepDelay',
  q2: 'Q2 mean ArrDelay and count per UniqueCarrier',
  q3: 'Q3 per-Origin OLS ArrDelay ~ DepDelay + Distance',
  q4: 'Q4 count per Month where DepDelay > 60 and not cancelled',
};

export interface Q1 { min: number; max: number; mean: number }
/** [carrier, mean ArrDelay, count of non-null ArrDelay], sorted by carrier. */
export type Q2 = Array<[string, number, number]>;
/** [origin, rows used, intercept, b DepDelay, b Distance], sorted by origin; groups with n > 3 only. */
export type Q3 = Array<[string, number, number, number, number]>;
/** [month, rows], sorted by month. */
export type Q4 = Array<[number, number]>;
export type Answer = Q1 | Q2 | Q3 | Q4;

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

/** null when `got` matches `want`, else what differs first. */
export function differ(query: QueryId, got: Answer, want: Answer): string | null {
  if (query === 'q1') {
    const g = got as Q1, w = want as Q1;
    for (const k of ['min', 'max', 'mean'] as const) if (!close(Number(g[k]), w[k], 1e-9)) return `${k} ${g[k]} != ${w[k]}`;
    return null;
  }
  const g = got as Array<Array<string | number>>, w = want as Array<Array<string | number>>;
  if (g.length !== w.length) return `${g.length} groups, expected ${w.length}`;
  const rel = query === 'q3' ? 1e-6 : 1e-9;
  for (let i = 0; i < w.length; i++) {
    const a = g[i]!, b = w[i]!;
    if (String(a[0]) !== String(b[0])) return `group ${i} is ${a[0]}, expected ${b[0]}`;
    for (let j = 1; j < b.length; j++) {
      if (!close(Number(a[j]), Number(b[j]), rel)) return `group ${b[0]} field ${j}: ${a[j]} != ${b[j]}`;
    }
  }
  return null;
}

const byKey = <T extends Array<unknown>>(rows: T[]): T[] => rows.sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0));
export const sortQ2 = (rows: Q2): Q2 => byKey(rows);
export const sortQ3 = (rows: Q3): Q3 => byKey(rows.filter((r) => r[1] > 3));
export const sortQ4 = (rows: Q4): Q4 => rows.sort((a, b) => a[0] - b[0]);

/**
 * OLS of y ~ 1 + a + b from sums over the group's complete rows (what SQL engines return): centred
 * normal equations for the two slopes, then the intercept.
 */
export function olsFromSums(key: string, s: { n: number; a: number; b: number; y: number; aa: number; ab: number; bb: number; ay: number; by: number }): Q3[number] {
  const { n } = s;
  const caa = s.aa - (s.a * s.a) / n, cbb = s.bb - (s.b * s.b) / n, cab = s.ab - (s.a * s.b) / n;
  const cay = s.ay - (s.a * s.y) / n, cby = s.by - (s.b * s.y) / n;
  const det = caa * cbb - cab * cab;
  const b1 = (cay * cbb - cby * cab) / det, b2 = (cby * caa - cay * cab) / det;
  return [key, n, (s.y - b1 * s.a - b2 * s.b) / n, b1, b2];
}

/**
 * The JS loop per group for engines with no way to run a function per group: rows are bucketed by key
 * (NaN marks a missing value), then examples/ols.ts fits each group exactly as tessera's workers do.
 */
export function olsPerGroup(keys: ArrayLike<unknown>, y: Float64Array, a: Float64Array, b: Float64Array, fit: (g: never, p: { y: string; x: string[] }) => Record<string, number | null>): Q3 {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === null || k === undefined) continue;
    const s = String(k);
    let list = groups.get(s);
    if (!list) groups.set(s, (list = []));
    list.push(i);
  }
  const out: Q3 = [];
  for (const [k, idx] of groups) {
    const cols: Record<string, Float64Array> = { ArrDelay: new Float64Array(idx.length), DepDelay: new Float64Array(idx.length), Distance: new Float64Array(idx.length) };
    idx.forEach((r, j) => {
      cols.ArrDelay![j] = y[r]!;
      cols.DepDelay![j] = a[r]!;
      cols.Distance![j] = b[r]!;
    });
    const f = fit({ col: (c: string) => cols[c]!, numbers: (c: string) => cols[c]!, numRows: idx.length } as never, { y: 'ArrDelay', x: ['DepDelay', 'Distance'] });
    out.push([k, Number(f.n), Number(f.intercept), Number(f.DepDelay), Number(f.Distance)]);
  }
  return sortQ3(out);
}
