// readParquet: synchronous and lazy, it reads only footers (a few KB per file) to learn the schema, the
// row groups and their statistics; partitions are read inside the tasks (ops.ts). Writing is in write.ts.

import { type DataType, Dictionary, Field, Schema } from 'apache-arrow';
import { DataFrame } from '../../collections/dataframe.ts';
import { sourceNode } from '../../collections/plan.ts';
import { ParquetFileError, ParquetOptionError } from './errors.ts';
import { type Filters, resolveFilters } from './filters.ts';
import { findFiles } from '../files.ts';
import { type ParquetFooter, readFooter } from './footer.ts';
import { HIVE_SCHEMA_KEY, decodeHiveSchema, inferHiveType, isHiveType, parseHiveValue } from './hive.ts';
import { type ParquetFileInfo, ParquetSource } from './source.ts';
import type { TermValue } from './filters.ts';

export interface ParquetReadOptions {
  /** Columns to read (default all). Hive partition columns may be named too. */
  columns?: readonly string[];
  /**
   * Keep only rows that satisfy these: `[['Year', '>=', 2005], ['Origin', 'in', ['SFO', 'OAK']]]` (AND), or a
   * list of such lists (OR of ANDs). Row groups (and hive folders) that statistics rule out are never read.
   */
  filters?: Filters;
  /** Row groups per partition: a number, or 'auto' (default: consecutive row groups up to ~128 MiB uncompressed). */
  rowGroupsPerPartition?: number | 'auto';
  /** Read `key=value` folders below a directory or glob root as columns (default true). */
  hive?: boolean;
}

const READ_KEYS = new Set(['columns', 'filters', 'rowGroupsPerPartition', 'hive']);
const EXTENSIONS = ['.parquet', '.parq', '.pq'];
const TARGET_BYTES = 128 * 2 ** 20;

/**
 * A lazy DataFrame over Parquet files: a path, a directory, a glob, or a list of them.
 * Files come in list order (a glob's matches sorted); a file named twice (a repeated path, overlapping globs) is read once.
 */
export function readParquet(input: string | readonly string[], options: ParquetReadOptions = {}): DataFrame {
  if (typeof options !== 'object' || options === null) throw new ParquetOptionError('readParquet options must be an object');
  for (const k of Object.keys(options)) {
    if (!READ_KEYS.has(k)) throw new ParquetOptionError(`readParquet has no option '${k}'; the options are ${[...READ_KEYS].map((x) => `'${x}'`).join(', ')}`);
  }
  const rgpp = options.rowGroupsPerPartition ?? 'auto';
  if (rgpp !== 'auto' && !(Number.isInteger(rgpp) && rgpp >= 1)) {
    throw new ParquetOptionError(`rowGroupsPerPartition must be a positive integer or 'auto'; got ${JSON.stringify(rgpp)}`);
  }
  const found = findFiles(input, { what: 'readParquet', extensions: EXTENSIONS, format: 'parquet', fail: (m) => new ParquetFileError(m) });
  const footers = found.map((f) => readFooter(f.path));
  const fileSchema = commonSchema(footers);
  const where = footers.length === 1 ? `'${footers[0]!.path}'` : `${footers.length} files ('${footers[0]!.path}', ...)`;

  // Hive folders: the same keys, in the same order, above every file.
  const useHive = options.hive !== false && found.some((f) => f.hive.length > 0);
  let hiveFields: Field[] = [];
  let hiveValues: (TermValue | null)[][] = footers.map(() => []);
  if (useHive) {
    const keys = found[0]!.hive.map(([k]) => k);
    for (const f of found) {
      const ks = f.hive.map(([k]) => k);
      if (ks.join('/') !== keys.join('/')) {
        throw new ParquetFileError(`hive folders differ: '${f.path}' sits under [${ks.join(', ')}] but '${found[0]!.path}' under [${keys.join(', ')}]; read them separately or pass {hive: false}`);
      }
    }
    for (const k of keys) {
      if (fileSchema.fields.some((x) => x.name === k)) throw new ParquetFileError(`hive folder key '${k}' is also a column inside the files (e.g. '${found[0]!.path}'); pass {hive: false}`);
    }
    const noted = notedHiveTypes(footers);
    let nextDict = maxDictionaryId(fileSchema) + 1;
    hiveFields = keys.map((k, j) => {
      let type: DataType = noted?.get(k) ?? inferHiveType(found.map((f) => f.hive[j]![1]));
      if (type instanceof Dictionary) type = new Dictionary(type.dictionary, type.indices, nextDict++);
      return new Field(k, type, true);
    });
    hiveValues = found.map((f) =>
      hiveFields.map((field, j) => {
        const raw = f.hive[j]![1];
        const v = parseHiveValue(field.type, raw);
        if (v === undefined) throw new ParquetFileError(`hive folder '${field.name}=${raw}' above '${f.path}' is not a ${String(field.type)} value`);
        return v;
      }),
    );
  }
  const schema = new Schema([...fileSchema.fields, ...hiveFields], fileSchema.metadata);
  const filters = resolveFilters(options.filters, schema, where);
  let columns: string[] | null = null;
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns)) throw new ParquetOptionError(`columns must be an array of names; got ${JSON.stringify(options.columns)}`);
    columns = [...options.columns];
    for (const c of columns) {
      if (!schema.fields.some((f) => f.name === c)) {
        throw new ParquetOptionError(`column '${c}' is not in ${where}; the columns are: ${schema.fields.map((f) => `'${f.name}'`).join(', ')}`);
      }
    }
    if (new Set(columns).size !== columns.length) throw new ParquetOptionError(`columns lists a name twice: ${JSON.stringify(columns)}`);
  }
  const files: ParquetFileInfo[] = footers.map((footer, i) => ({ footer, hive: hiveValues[i]! }));
  const source = new ParquetSource({ files, schema, hiveFields, filters, pushed: [], rowGroupsPerPartition: rgpp, targetBytes: TARGET_BYTES });
  return new DataFrame(sourceNode(source, columns));
}

/** Every file must have the first file's columns with the same types. */
function commonSchema(footers: readonly ParquetFooter[]): Schema {
  const first = footers[0]!;
  const shape = (s: Schema) => s.fields.map((f) => `${f.name}: ${String(f.type)}`);
  const want = shape(first.schema);
  for (const f of footers.slice(1)) {
    const got = shape(f.schema);
    if (got.join('\n') === want.join('\n')) continue;
    const missing = first.schema.fields.find((x) => !f.schema.fields.some((y) => y.name === x.name));
    if (missing) throw new ParquetFileError(`Parquet file '${f.path}' has no column '${missing.name}', which '${first.path}' has; all files must have the same columns`);
    const extra = f.schema.fields.find((x) => !first.schema.fields.some((y) => y.name === x.name));
    if (extra) throw new ParquetFileError(`Parquet file '${f.path}' has a column '${extra.name}' that '${first.path}' does not; all files must have the same columns`);
    const diff = f.schema.fields.find((x) => String(x.type) !== String(first.schema.fields.find((y) => y.name === x.name)!.type));
    if (diff) {
      const other = first.schema.fields.find((y) => y.name === diff.name)!;
      throw new ParquetFileError(`column '${diff.name}' is ${String(diff.type)} in '${f.path}' but ${String(other.type)} in '${first.path}'; all files must agree on types`);
    }
    throw new ParquetFileError(`Parquet file '${f.path}' has its columns in a different order from '${first.path}'`);
  }
  return first.schema;
}

function notedHiveTypes(footers: readonly ParquetFooter[]): Map<string, DataType> | null {
  let out: Map<string, DataType> | null = null;
  for (const f of footers) {
    const note = f.keyValue.get(HIVE_SCHEMA_KEY);
    const s = note === undefined ? null : decodeHiveSchema(note);
    if (!s) return null;
    const m = new Map(s.fields.filter((x) => isHiveType(x.type)).map((x) => [x.name, x.type] as const));
    if (out && [...m].some(([k, t]) => out!.has(k) && String(out!.get(k)) !== String(t))) return null;
    out = out ?? m;
  }
  return out;
}

function maxDictionaryId(schema: Schema): number {
  let max = -1;
  for (const f of schema.fields) if (f.type instanceof Dictionary) max = Math.max(max, f.type.id);
  return max;
}
