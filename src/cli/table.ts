// Plain-text tables for the terminal: right-aligned numbers, left-aligned text, long cells cut with an
// ellipsis so a wide frame still fits a line per row.

export interface TableOptions {
  /** Longest cell before it is cut (default 40 characters). */
  maxCell?: number;
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a >= 1e15 || a < 1e-4) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
  }
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

const isNumeric = (s: string) => /^-?(\d|NaN|Infinity)/.test(s) && !Number.isNaN(Number(s.replace(/n$/, ''))) || s === 'NaN';

export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, options: TableOptions = {}): string {
  const max = options.maxCell ?? 40;
  const cut = (s: string) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
  const cells = rows.map((r) => r.map((c) => cut(c.replace(/[\r\n\t]/g, ' '))));
  const head = header.map(cut);
  const widths = head.map((h, j) => Math.max(h.length, ...cells.map((r) => (r[j] ?? '').length)));
  const numeric = head.map((_, j) => cells.length > 0 && cells.every((r) => r[j] === 'null' || r[j] === '' || r[j] === '—' || isNumeric(r[j] ?? '')));
  const line = (r: readonly string[]) =>
    r.map((c, j) => (numeric[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
