// ParquetSource: the PartitionSource behind readParquet. It holds the footers read when readParquet was
// called; each partition is one row group (or a run of small ones) of one file, described to the read op
// as plain data (path, row groups, columns, filters) so any worker can re-open the file and read it.

import { type Field, Message, Schema } from 'apache-arrow';
import type { PartitionSource, PartitionTaskSpec, SourceFilter } from '../../collections/source.ts';
import { tokenize } from '../../scheduler/tokenize.ts';
import { ParquetOptionError } from './errors.ts';
import { type Dnf, type Term, type TermValue, andDnf, chunkAllMatch, chunkMayMatch, cmpNum, describeDnf, dnfColumns, holds, valueClassOf } from './filters.ts';
import { type ParquetFooter, PhysicalType } from './footer.ts';

export const PARQUET_READ_OP = 'io.parquet.read';

/** What the read op needs for one partition (plain data). */
export interface ParquetReadPlan {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly rowGroups: readonly number[];
  readonly rows: number;
  /** Columns to read from the file: the output's file columns plus any only the filter needs. */
  readonly read: readonly string[];
  /** Output schema (IPC schema message): the requested columns in order, hive columns included. */
  readonly schema: Uint8Array;
  /** Hive columns of this file that the output holds: name -> value. */
  readonly hive: ReadonlyArray<readonly [string, TermValue | null]>;
  /** Row filter still to apply (terms on hive columns already decided for this file). */
  readonly filter: Dnf;
}

export interface ParquetFileInfo {
  readonly footer: ParquetFooter;
  /** Value of each hive column for this file, in schema order of the hive fields. */
  readonly hive: readonly (TermValue | null)[];
}

export interface ParquetSourceOptions {
  readonly files: readonly ParquetFileInfo[];
  /** File columns then hive columns. */
  readonly schema: Schema;
  readonly hiveFields: readonly Field[];
  /** Filters from readParquet(..., {filters}): prune AND filter rows. */
  readonly filters: Dnf;
  /** Conjuncts pushed down by the optimiser: prune only (the plan's filter node keeps the row semantics). */
  readonly pushed: readonly Term[];
  readonly rowGroupsPerPartition: number | 'auto';
  /** Target uncompressed bytes per partition for 'auto'. */
  readonly targetBytes: number;
}

interface Part {
  readonly file: number;
  readonly rowGroups: number[];
  readonly rows: number;
}

export class ParquetSource implements PartitionSource {
  readonly name = 'read-parquet';
  readonly supportsProjection = true;
  readonly token: string;
  readonly schema: Schema;
  readonly npartitions: number;
  /** Row groups in all files, and those kept after filters (explain() and tests). */
  readonly totalRowGroups: number;
  readonly keptRowGroups: number;
  private readonly parts: Part[];
  private readonly schemaBytes = new Map<string, Uint8Array>();

  constructor(readonly options: ParquetSourceOptions) {
    this.schema = options.schema;
    const prune = andDnf(options.filters, options.pushed.length > 0 ? [options.pushed] : []);
    const { parts, total, kept } = planParts(options, prune);
    this.parts = parts;
    this.npartitions = parts.length;
    this.totalRowGroups = total;
    this.keptRowGroups = kept;
    this.token = tokenize(
      'read-parquet',
      options.files.map((f) => [f.footer.path, f.footer.size, f.footer.mtimeMs]),
      options.hiveFields.map((f) => [f.name, String(f.type)]),
      options.filters,
      options.pushed,
      options.rowGroupsPerPartition,
      options.targetBytes,
    );
  }

  inputFiles(): readonly string[] {
    return this.options.files.map((f) => f.footer.path);
  }

  partitionTask(i: number, columns: readonly string[] | null): PartitionTaskSpec {
    const part = this.parts[i];
    if (!part) throw new RangeError(`read-parquet has ${this.npartitions} partitions; partition ${i} does not exist`);
    const { files, hiveFields, filters } = this.options;
    const file = files[part.file]!;
    const wanted = columns ?? this.schema.fields.map((f) => f.name);
    for (const c of wanted) {
      if (!this.schema.fields.some((f) => f.name === c)) {
        throw new ParquetOptionError(`read-parquet has no column '${c}'; the columns are: ${this.schema.fields.map((f) => `'${f.name}'`).join(', ')}`);
      }
    }
    const hiveIndex = new Map(hiveFields.map((f, k) => [f.name, k]));
    const filter = decideHiveTerms(filters, (name) => (hiveIndex.has(name) ? { value: file.hive[hiveIndex.get(name)!]! } : null));
    const read = [...new Set([...wanted, ...dnfColumns(filter)])].filter((c) => !hiveIndex.has(c));
    const hive = wanted.filter((c) => hiveIndex.has(c)).map((c) => [c, file.hive[hiveIndex.get(c)!]!] as const);
    const plan: ParquetReadPlan = {
      path: file.footer.path, size: file.footer.size, mtimeMs: file.footer.mtimeMs,
      rowGroups: part.rowGroups, rows: part.rows, read, schema: this.outputSchema(wanted), hive, filter,
    };
    return { op: PARQUET_READ_OP, args: [plan] };
  }

  private outputSchema(columns: readonly string[]): Uint8Array {
    const key = columns.join('\u0000');
    let bytes = this.schemaBytes.get(key);
    if (!bytes) {
      const fields = columns.map((c) => this.schema.fields.find((f) => f.name === c)!);
      bytes = Message.encode(Message.from(new Schema(fields)));
      this.schemaBytes.set(key, bytes);
    }
    return bytes;
  }

  /**
   * True when the row-group statistics (and hive values) prove that every row this source yields satisfies
   * every one of `filters`: a filter of exactly these conjuncts removes nothing and can go (one year out of
   * files written year after year: the filter stood between the read and a reduction and kept the reduction
   * off the page decoder, 10x DuckDB). False whenever anything is unknown: a statistic missing, a null count
   * not known to be 0, float or string bounds (NaN and truncated strings hide outside them).
   */
  allRowsMatch(filters: readonly SourceFilter[]): boolean {
    const terms: Term[] = [];
    for (const f of filters) {
      const t = termFromSourceFilter(f, this.schema);
      if (!t) return false;
      terms.push(t);
    }
    if (terms.length === 0) return false;
    const hiveIndex = new Map(this.options.hiveFields.map((f, k) => [f.name, k]));
    return this.parts.every((part) => {
      const file = this.options.files[part.file]!;
      const leafOf = new Map(file.footer.leaves.filter((l) => l.path.length === 1).map((l) => [l.path[0]!, l]));
      return terms.every((t) => {
        const h = hiveIndex.get(t.column);
        if (h !== undefined) {
          const value = file.hive[h];
          return value !== null && value !== undefined && holds(t.op, t.values, (x) => compareConst(value, x as TermValue));
        }
        const leaf = leafOf.get(t.column);
        if (!leaf) return false;
        const exact = leaf.domain !== 'bytes' && leaf.physical !== PhysicalType.FLOAT && leaf.physical !== PhysicalType.DOUBLE;
        return part.rowGroups.every((gi) => chunkAllMatch(t, file.footer.rowGroups[gi]!.stats.get(t.column), leaf.domain, exact));
      });
    });
  }

  /** Prune with pushed-down conjuncts; null when they skip nothing more (or say nothing usable). */
  withFilters(filters: readonly SourceFilter[]): ParquetSource | null {
    const terms: Term[] = [];
    for (const f of filters) {
      const t = termFromSourceFilter(f, this.schema);
      if (t && !this.options.pushed.some((p) => sameTerm(p, t))) terms.push(t);
    }
    if (terms.length === 0) return null;
    const next = new ParquetSource({ ...this.options, pushed: [...this.options.pushed, ...terms] });
    return next.keptRowGroups < this.keptRowGroups ? next : null;
  }

  describe(): string {
    const o = this.options;
    const nf = o.files.length;
    const pruned = o.filters.length > 0 || o.pushed.length > 0;
    const groups = pruned ? `row groups ${this.keptRowGroups}/${this.totalRowGroups} after filters` : `${this.totalRowGroups} row groups`;
    const conds = [o.filters.length > 0 ? describeDnf(o.filters) : '', o.pushed.length > 0 ? `pushed: ${describeDnf([o.pushed])}` : ''].filter((s) => s);
    return `read-parquet ${nf} file${nf === 1 ? '' : 's'}, ${groups}, ${this.npartitions} partition${this.npartitions === 1 ? '' : 's'}${conds.length > 0 ? ` [${conds.join('; ')}]` : ''}`;
  }
}

function sameTerm(a: Term, b: Term): boolean {
  return a.column === b.column && a.op === b.op && a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
}

/** A pushed conjunct in the reader's terms, or null when it cannot prune (null/NaN literal, unsupported type). */
function termFromSourceFilter(f: SourceFilter, schema: Schema): Term | null {
  const field = schema.fields.find((x) => x.name === f.column);
  if (!field) return null;
  const cls = valueClassOf(field.type);
  const v = f.value;
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return null;
  const ok = (cls === 'number' && (typeof v === 'number' || typeof v === 'bigint')) || (cls === 'string' && typeof v === 'string') || (cls === 'bool' && typeof v === 'boolean');
  if (!ok) return null;
  return { column: f.column, op: f.op, values: [v] };
}

/**
 * Decide the terms on constant (hive) columns for one file: a group with a false term drops out, true
 * terms disappear. Returns [] (no row filter left) when some group became empty, and [NONE] when every
 * group dropped out (no row of the file can match).
 */
function decideHiveTerms(dnf: Dnf, constant: (column: string) => { value: TermValue | null } | null): Dnf {
  if (dnf.length === 0) return dnf;
  const out: Term[][] = [];
  for (const group of dnf) {
    const rest: Term[] = [];
    let alive = true;
    for (const t of group) {
      const c = constant(t.column);
      if (c === null) rest.push(t);
      else if (c.value === null || !holds(t.op, t.values, (x) => compareConst(c.value!, x as TermValue))) alive = false;
    }
    if (!alive) continue;
    if (rest.length === 0) return [];
    out.push(rest);
  }
  return out.length === 0 ? [NONE] : out;
}

/** A group no row satisfies (used when hive values rule a whole file out but it is read anyway). */
const NONE: Term[] = [{ column: '', op: 'in', values: [] }];

function compareConst(a: TermValue, b: TermValue): number {
  if (typeof a === 'string' || typeof b === 'string') {
    const x = Buffer.from(String(a));
    const y = Buffer.from(String(b));
    return Buffer.compare(x, y);
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return cmpNum(a, b);
}

/** Which row groups survive pruning, and how they are grouped into partitions. */
function planParts(o: ParquetSourceOptions, prune: Dnf): { parts: Part[]; total: number; kept: number } {
  const parts: Part[] = [];
  let total = 0;
  let kept = 0;
  const hiveIndex = new Map(o.hiveFields.map((f, k) => [f.name, k]));
  o.files.forEach((file, fi) => {
    const groups = file.footer.rowGroups;
    total += groups.length;
    const fileDnf = decideHiveTerms(prune, (name) => (hiveIndex.has(name) ? { value: file.hive[hiveIndex.get(name)!]! } : null));
    if (fileDnf.length > 0 && fileDnf[0] === NONE) return;
    const leafOf = new Map(file.footer.leaves.filter((l) => l.path.length === 1).map((l) => [l.path[0]!, l]));
    let run: Part | null = null;
    let runBytes = 0;
    const flush = () => {
      if (run) parts.push(run);
      run = null;
      runBytes = 0;
    };
    groups.forEach((g, gi) => {
      const matches =
        fileDnf.length === 0 ||
        fileDnf.some((group) =>
          group.every((t) => {
            const leaf = leafOf.get(t.column);
            if (!leaf) return true;
            const exact = leaf.domain !== 'bytes' && leaf.physical !== PhysicalType.FLOAT && leaf.physical !== PhysicalType.DOUBLE;
            return chunkMayMatch(t, g.stats.get(t.column), g.numRows, leaf.domain, exact);
          }),
        );
      if (!matches || g.numRows === 0) {
        if (matches) kept += 1;
        flush(); // keep partitions to contiguous runs of row groups
        return;
      }
      kept += 1;
      const full =
        run !== null &&
        (o.rowGroupsPerPartition === 'auto' ? runBytes + g.totalByteSize > o.targetBytes : (run as Part).rowGroups.length >= o.rowGroupsPerPartition);
      if (full) flush();
      if (run === null) run = { file: fi, rowGroups: [], rows: 0 };
      const r = run as Part;
      r.rowGroups.push(gi);
      (r as { rows: number }).rows += g.numRows;
      runBytes += g.totalByteSize;
    });
    flush();
  });
  return { parts, total, kept };
}

