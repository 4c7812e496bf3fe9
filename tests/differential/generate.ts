// Seeded generator of random CSV cases for the differential suite: each cell knows the class of value it
// was written as, so the expected column type (docs/CSV.md's join) is known without asking tessera.

import { rng } from '../helpers.ts';

/** What a cell's text is, by docs/CSV.md's grammar ('huge': an integer beyond int64, which reads as text). */
export type CellClass = 'null' | 'bool' | 'int32' | 'int64' | 'huge' | 'float' | 'date' | 'timestamp' | 'string';
export interface Cell { readonly text: string; readonly cls: CellClass; readonly quoted: boolean }

/** Expected tessera column type (string covers Utf8 and dictionary columns). */
export type ColType = 'int32' | 'int64' | 'float64' | 'bool' | 'string' | 'date' | 'timestamp';

export interface CsvFile {
  readonly rows: Cell[][];
  /** Line end after the header and after each row ('' after the last row: no trailing newline). */
  readonly ends: string[];
  readonly bom: boolean;
}

export interface CsvCase {
  readonly delimiter: ',' | ';' | '\t' | '|';
  /** false: tessera sniffs the delimiter (DuckDB is always told). */
  readonly giveDelimiter: boolean;
  readonly names: string[];
  readonly files: CsvFile[];
  readonly blocksize: number | undefined;
  readonly sampleBytes: number | 'full' | undefined;
  readonly parseDates: boolean;
}

export type Rand = () => number;

/** Features a longer fuzz run can switch off to look past a known, still-open failure. */
export const FEATURES = ['hostile-names', 'mixed-newlines', 'sniffing', 'late-changes', 'single-column'] as const;
export type Feature = (typeof FEATURES)[number];
export const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number): boolean => r() < p;

const NA_TEXTS = ['', 'NA', 'NaN', 'null', 'NULL'];
const HOSTILE_NAMES = ['__proto__', 'constructor', 'toString', 'naïve', '数量', 'a b', 'x;y', 'q"t', 'hasOwnProperty', 'Ω'];

type Profile = 'int32' | 'int64' | 'float' | 'bool' | 'string' | 'category' | 'control' | 'date' | 'timestamp';

/** Keys holding control characters: (a, b\u0001c) and (a\u0001b, c) must stay two groups (issue 10, finding 4). */
const CONTROL_WORDS = ['a', 'b', 'c', 'a\u0001b', 'b\u0001c', 'a\u0001sb', 'x\u0000y', 'x'];

function intText(r: Rand, wide: boolean): { text: string; cls: CellClass } {
  const near = (base: bigint): bigint => base + BigInt(int(r, -3, 3));
  let v: bigint;
  const u = r();
  if (u < 0.45) v = BigInt(int(r, -1000, 1000));
  else if (u < 0.6) v = BigInt(int(r, -2147483648, 2147483647));
  else if (u < 0.75) v = near(pick(r, [2n ** 31n, -(2n ** 31n)]));
  else if (!wide) v = BigInt(int(r, -99999, 99999));
  else if (u < 0.9) v = near(pick(r, [2n ** 53n, -(2n ** 53n), 2n ** 62n]));
  else v = pick(r, [2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n - 2n, -(2n ** 63n) + 1n, 123456789012345678n]);
  let text = v.toString();
  if (v >= 0n && chance(r, 0.1)) text = `+${text}`;
  if (v === 0n && chance(r, 0.3)) text = '-0';
  const cls: CellClass = v >= -(2n ** 31n) && v < 2n ** 31n ? 'int32' : v >= -(2n ** 63n) && v < 2n ** 63n ? 'int64' : 'huge';
  return { text, cls };
}

function floatText(r: Rand): string {
  const u = r();
  const sign = chance(r, 0.4) ? '-' : chance(r, 0.1) ? '+' : '';
  if (u < 0.3) return `${sign}${int(r, 0, 9999)}.${int(r, 0, 999)}`;
  if (u < 0.4) return `${sign}${pick(r, ['.5', '5.', '0.1', '.000001', '100.', '0.0'])}`;
  if (u < 0.55) return `${sign}${int(r, 1, 9)}.${int(r, 0, 999999)}e${pick(r, ['', '+', '-'])}${int(r, 0, 40)}`;
  if (u < 0.65) return `${sign}${(r() * 10 ** int(r, -5, 12)).toPrecision(17)}`; // 17 significant digits
  if (u < 0.72) return `${sign}${pick(r, ['3886.6099999999997', '2.2250738585072014e-308', '0.000000000000000000001234', '123456789012345678.0', '5e-324', '1.7976931348623157e308', '9007199254740993.5', '1E5', '4.9406564584124654e-324'])}`;
  if (u < 0.76) return pick(r, ['inf', '-inf', 'Infinity', '-Infinity', '+inf', 'nan', 'NAN', 'nan']);
  if (u < 0.86) return `${sign}${int(r, 0, 99999)}`; // integers in a float column
  return `${sign}${int(r, 0, 99)}.${String(int(r, 0, 10 ** 15)).padStart(15, '0')}${int(r, 0, 9999)}`; // long digits
}

const WORDS = ['alpha', 'Beta', 'gamma', 'δέλτα', 'naïve', '東京', 'emoji😀', 'x', 'Zz', 'ünï', 'o\'k', 'tab\tin', 'semi;colon', 'pipe|bar', 'comma,here', 'quote"d', 'two""quotes', 'line\nfeed', 'cr\r\nlf', 'lone\rcr', ' spaced ', '007', 'null-ish', 'NAN-not'];

function stringText(r: Rand, distinct: number): string {
  if (distinct > 0) return `${pick(r, WORDS.slice(0, 6))}${int(r, 0, distinct - 1)}`;
  const n = int(r, 1, 3);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(pick(r, WORDS));
  const s = parts.join(pick(r, ['', ' ', '_']));
  // A string column must not hold text the grammar reads as a number, bool, date or NA marker.
  return /^[a-zA-Z\u00c0-\uffff]/u.test(s) ? s : `s${s}`;
}

function dateText(r: Rand): string {
  const y = int(r, 1950, 2100);
  const m = int(r, 1, 12);
  const d = int(r, 1, 28);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function timestampText(r: Rand): string {
  const date = dateText(r);
  const hh = String(int(r, 0, 23)).padStart(2, '0');
  const mm = String(int(r, 0, 59)).padStart(2, '0');
  let t = `${date}${pick(r, ['T', ' '])}${hh}:${mm}`;
  if (chance(r, 0.8)) t += `:${String(int(r, 0, 59)).padStart(2, '0')}`;
  if (t.length > 16 && chance(r, 0.4)) t += `.${String(int(r, 0, 999)).padStart(3, '0')}`;
  // Offsets only after seconds: DuckDB reads 'HH:MM+02:00' as null (no error), so it cannot judge those.
  if (t.length > 16 && chance(r, 0.4)) t += pick(r, ['Z', '+02:00', '-05:30', '+0100', '+00:00']);
  return t;
}

function valueCell(r: Rand, p: Profile, distinct: number): { text: string; cls: CellClass } {
  switch (p) {
    case 'int32': return intText(r, false);
    case 'int64': return intText(r, true);
    case 'float': {
      const text = floatText(r);
      // Integer text in a float column is an integer by itself; the column is float64 by the join.
      return { text, cls: /^[+-]?\d+$/.test(text) ? (Math.abs(Number(text)) < 2 ** 31 ? 'int32' : 'int64') : 'float' };
    }
    case 'bool': return { text: pick(r, ['true', 'false', 'True', 'False', 'TRUE', 'FALSE']), cls: 'bool' };
    case 'string': return { text: stringText(r, 0), cls: 'string' };
    case 'category': return { text: stringText(r, distinct), cls: 'string' };
    case 'control': return { text: pick(r, CONTROL_WORDS), cls: 'string' };
    case 'date': return { text: dateText(r), cls: 'date' };
    case 'timestamp': return { text: timestampText(r), cls: 'timestamp' };
  }
}

/** A value of another class, written late in a column to force a widening after the sampled region. */
function lateChange(r: Rand, p: Profile): { text: string; cls: CellClass } {
  const options: { text: string; cls: CellClass }[] = [
    { text: stringText(r, 0), cls: 'string' },
    { text: `${(r() * 1000).toFixed(3)}`, cls: 'float' },
    { text: '9007199254740993', cls: 'int64' },
    { text: '-9223372036854775808', cls: 'int64' },
    { text: '99999999999999999999', cls: 'huge' },
    { text: 'true', cls: 'bool' },
  ];
  if (p === 'date') options.push({ text: '2020-02-03T04:05:06', cls: 'timestamp' });
  return pick(r, options);
}

function needsQuotes(text: string, delimiter: string): boolean {
  return text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r');
}

function cellOf(r: Rand, v: { text: string; cls: CellClass }, delimiter: string): Cell {
  return { ...v, quoted: needsQuotes(v.text, delimiter) || chance(r, 0.08) };
}

/** One random case from a seed: dialect, columns, files, layout and read options. */
export function generateCase(seed: number, avoid: ReadonlySet<Feature> = new Set()): CsvCase {
  const r = rng(seed);
  const delimiter = pick(r, [',', ',', ';', '\t', '|'] as const);
  const parseDates = chance(r, 0.25);
  const ncols = int(r, avoid.has('single-column') ? 2 : 1, 6);
  const profiles: Profile[] = ['int32', 'int64', 'float', 'float', 'bool', 'string', 'category', 'category', 'control'];
  if (parseDates) profiles.push('date', 'timestamp', 'date');
  const names: string[] = [];
  const cols: { p: Profile; nullRate: number; distinct: number; late: boolean }[] = [];
  for (let c = 0; c < ncols; c++) {
    let name = chance(r, 0.25) && !avoid.has('hostile-names') ? pick(r, HOSTILE_NAMES) : `c${c}`;
    while (names.includes(name)) name = `${name}_${c}`;
    names.push(name);
    cols.push({ p: pick(r, profiles), nullRate: pick(r, [0, 0, 0.05, 0.3, 1]), distinct: int(r, 1, 12), late: chance(r, 0.12) && !avoid.has('late-changes') });
  }
  const nfiles = chance(r, 0.7) ? 1 : int(r, 2, 4);
  const totalRows = pick(r, [0, 1, 2, 5, 20, 60, 200, 600]);
  const newline = pick(r, ['lf', 'crlf', avoid.has('mixed-newlines') ? 'crlf' : 'mixed'] as const);
  const end = (): string => (newline === 'lf' ? '\n' : newline === 'crlf' ? '\r\n' : pick(r, ['\n', '\r\n']));
  const files: CsvFile[] = [];
  for (let f = 0; f < nfiles; f++) {
    const headerOnly = nfiles > 1 && chance(r, 0.2);
    const nrows = headerOnly ? 0 : Math.round(totalRows / nfiles) + int(r, 0, 3);
    const rows: Cell[][] = [];
    for (let i = 0; i < nrows; i++) {
      rows.push(cols.map((c) => {
        if (chance(r, c.nullRate)) {
          const text = pick(r, NA_TEXTS);
          return { text, cls: 'null', quoted: chance(r, 0.2) || (ncols === 1 && text === '') };
        }
        return cellOf(r, valueCell(r, c.p, c.distinct), delimiter);
      }));
    }
    files.push({ rows, ends: Array.from({ length: nrows + 1 }, end), bom: chance(r, 0.15) });
  }
  // Late type changes: near the end of the last file holding rows, past the sampled ranges.
  const withRows = files.filter((f) => f.rows.length > 0);
  const last = withRows[withRows.length - 1];
  if (last) {
    cols.forEach((c, j) => {
      if (!c.late) return;
      const i = Math.max(0, last.rows.length - int(r, 1, 3));
      last.rows[i]![j] = cellOf(r, lateChange(r, c.p), delimiter);
    });
  }
  for (const f of files) if (chance(r, 0.3)) f.ends[f.ends.length - 1] = '';
  const blocksize = pick(r, [undefined, 64, 64, 100, 257, 1000, 4096, int(r, 64, 20000)]);
  const sampleBytes = pick(r, [undefined, undefined, 'full' as const, int(r, 16, 128), int(r, 129, 2048)]);
  return { delimiter, giveDelimiter: !(ncols > 1 && chance(r, 0.2)) || avoid.has('sniffing'), names, files, blocksize, sampleBytes, parseDates };
}

/** The header and rows as CSV text, exactly as written to disk. */
export function renderFile(c: CsvCase, f: CsvFile): string {
  let out = f.bom ? '\ufeff' : '';
  out += c.names.map((n) => field(n, needsQuotes(n, c.delimiter))).join(c.delimiter);
  out += f.ends[0]!;
  f.rows.forEach((row, i) => {
    out += renderRow(c, row) + f.ends[i + 1]!;
  });
  return out;
}

const field = (text: string, quoted: boolean): string => (quoted ? `"${text.replace(/"/g, '""')}"` : text);

function renderRow(c: CsvCase, row: Cell[]): string {
  return row.map((cell) => field(cell.text, cell.quoted)).join(c.delimiter);
}

/**
 * Which rows type inference certainly reads (true), certainly not (false) or may read (null): the first
 * sampleBytes after the header, and three ranges of a quarter of that near 1/4, 2/4, 3/4 of the file.
 */
function sampledRows(c: CsvCase, f: CsvFile): (boolean | null)[] {
  const S = c.sampleBytes ?? 256 * 1024;
  if (S === 'full') return f.rows.map(() => true);
  const bytes = (s: string): number => Buffer.byteLength(s);
  const dataStart = (f.bom ? 3 : 0) + bytes(renderFile({ ...c }, { rows: [], ends: [f.ends[0]!], bom: false }));
  const spans: [number, number][] = [];
  let at = dataStart;
  f.rows.forEach((row, i) => {
    const len = bytes(renderRow(c, row)) + bytes(f.ends[i + 1]!);
    spans.push([at, at + len]);
    at += len;
  });
  const size = at;
  // Spread ranges begin at the first row start at or after their target (k/4 of the file, give or take the
  // header) and run a quarter of sampleBytes, extended to a row end: rows around a target are uncertain.
  const windows = [1, 2, 3].map((k) => [Math.floor((size * k) / 4) - 2 * S - 512, Math.floor((size * k) / 4) + S + 512] as const);
  return spans.map(([s, e], i) => {
    if (s < dataStart + S) return true;
    for (const [lo, hi] of windows) {
      if (e > lo && s < hi) return null;
      if (s >= hi && i > 0 && spans[i - 1]![0] < hi) return null; // the first row starting past the window
    }
    return false;
  });
}

function sampledValues(c: CsvCase, col: number): { certain: boolean; maybe: boolean } {
  let certain = false;
  let maybe = false;
  for (const f of c.files) {
    const seen = sampledRows(c, f);
    f.rows.forEach((row, i) => {
      if (row[col]!.cls === 'null') return;
      if (seen[i] === true) certain = true;
      else if (seen[i] === null) maybe = true;
    });
  }
  return { certain, maybe };
}

/** A column's expected type: the join of its values, or Utf8 when the samples hold none of them. */
export function expectedType(c: CsvCase, col: number): ColType {
  // docs/CSV.md: "a column with only nulls in the samples is a nullable Utf8"; later values then fit it.
  const { certain, maybe } = sampledValues(c, col);
  return certain || maybe ? joinedType(c, col) : 'string';
}

/** True when whether the samples see a value of this column is too fine to predict (queries avoid it). */
export function typeUnsure(c: CsvCase, col: number): boolean {
  const { certain, maybe } = sampledValues(c, col);
  return !certain && maybe && joinedType(c, col) !== 'string';
}

/**
 * True when the type inferred from the rows the samples certainly read can differ from the column's final
 * type (late values widen it at compute), or when whether the samples see a value is too fine to predict.
 */
export function typeDiffersFromSamples(c: CsvCase, col: number): boolean {
  if (typeUnsure(c, col)) return true;
  const certainRows = (f: CsvFile): boolean[] => sampledRows(c, f).map((s) => s === true);
  const seen = c.files.map(certainRows);
  const sampledType = joinedType(c, col, (fi, ri) => seen[fi]![ri]!);
  return sampledType !== expectedType(c, col);
}

/** The join docs/CSV.md promises over all of a column's values (widening covers values outside the samples). */
function joinedType(c: CsvCase, col: number, include: (file: number, row: number) => boolean = () => true): ColType {
  const seen = new Set<CellClass>();
  c.files.forEach((f, fi) => f.rows.forEach((row, ri) => {
    if (include(fi, ri)) seen.add(row[col]!.cls);
  }));
  seen.delete('null');
  if (seen.size === 0 || seen.has('string') || seen.has('huge')) return 'string';
  const only = (...ks: CellClass[]): boolean => [...seen].every((k) => ks.includes(k));
  if (only('bool')) return 'bool';
  if (only('date')) return 'date';
  if (only('date', 'timestamp')) return 'timestamp';
  if (only('int32')) return 'int32';
  if (only('int32', 'int64')) return 'int64';
  if (only('int32', 'int64', 'float')) return 'float64';
  return 'string';
}

/** All cells of a column in row order over all files. */
export function columnCells(c: CsvCase, col: number): Cell[] {
  return c.files.flatMap((f) => f.rows.map((row) => row[col]!));
}
