// CsvSource: the PartitionSource behind readCsv. It holds only plain data (files, byte ranges, the resolved
// schema as kinds), so partitionTask(i, columns) is a JSON plan for op 'io.csv.read' in any worker.

import { Field, Schema } from 'apache-arrow';
import type { PartitionSource, PartitionTaskSpec } from '../../collections/source.ts';
import { arrowType, type ColumnKind } from './builders.ts';
import type { Dialect } from './dialect.ts';
import { CsvOptionError } from './errors.ts';
import type { Compression } from './files.ts';
import { CSV_READ_OP } from './ops.ts';
import type { OnBadLines } from './options.ts';
import type { OutColumn, PartitionPlan } from './plan.ts';

export interface SchemaColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly forced: boolean;
}

export interface SourceFile {
  readonly path: string;
  readonly compression: Compression;
  readonly nfields: number;
  readonly newline: '\n' | '\r\n';
  /** For each schema column (same order as CsvSourceDescription.columns): its field in this file, or -1. */
  readonly fieldOf: readonly number[];
}

/** Everything a CsvSource knows; plain JSON. */
export interface CsvSourceDescription {
  readonly token: string;
  readonly columns: readonly SchemaColumn[];
  readonly files: readonly SourceFile[];
  readonly parts: readonly { readonly file: number; readonly start: number; readonly end: number }[];
  readonly dialect: Dialect;
  readonly naValues: readonly string[];
  readonly onBadLines: OnBadLines;
  readonly pathColumn: string | null;
  readonly engine: 'fast' | 'papaparse';
  readonly rowBytes: number;
  readonly blocksize: number;
}

export class CsvSource implements PartitionSource {
  readonly name = 'read-csv';
  readonly supportsProjection = true;
  readonly token: string;
  readonly schema: Schema;
  readonly npartitions: number;

  constructor(readonly description: CsvSourceDescription) {
    this.token = description.token;
    this.npartitions = description.parts.length;
    const fields = description.columns.map((c, i) => new Field(c.name, arrowType(c.kind, i), true));
    if (description.pathColumn) fields.push(new Field(description.pathColumn, arrowType('category', fields.length), true));
    this.schema = new Schema(fields);
  }

  partitionTask(i: number, columns: readonly string[] | null): PartitionTaskSpec {
    const d = this.description;
    const part = d.parts[i];
    if (!part) throw new RangeError(`read-csv has ${this.npartitions} partitions; partition ${i} does not exist`);
    const file = d.files[part.file]!;
    const wanted = columns ?? this.schema.fields.map((f) => f.name);
    const out: OutColumn[] = [];
    let pathColumn: PartitionPlan['pathColumn'] = null;
    for (const name of wanted) {
      const c = d.columns.findIndex((col) => col.name === name);
      if (c >= 0) {
        const col = d.columns[c]!;
        out.push({ name, kind: col.kind, field: file.fieldOf[c]!, dictId: c, forced: col.forced });
      } else if (name === d.pathColumn) {
        pathColumn = { name, dictId: d.columns.length, position: out.length };
      } else {
        throw new CsvOptionError(`read-csv has no column '${name}'; columns are ${this.schema.fields.map((f) => `'${f.name}'`).join(', ')}`);
      }
    }
    const plan: PartitionPlan = {
      file: file.path, compression: file.compression, start: part.start, end: part.end, nfields: file.nfields, newline: file.newline,
      columns: out, dialect: d.dialect, naValues: d.naValues, onBadLines: d.onBadLines, pathColumn,
      engine: d.engine, rowBytes: d.rowBytes,
    };
    return { op: CSV_READ_OP, args: [plan] };
  }

  describe(): string {
    const d = this.description;
    const mib = (d.blocksize / 2 ** 20).toFixed(d.blocksize % 2 ** 20 === 0 ? 0 : 2);
    return `read-csv ${d.files.length} file${d.files.length === 1 ? '' : 's'}, ${this.npartitions} partitions of ${mib} MiB (${d.engine} parser)`;
  }
}
