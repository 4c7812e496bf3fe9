// A small lazy table of reduction results (describe(), quantile([..]), corr()): one label column and a
// column of values per input column. Every cell is a reduction request, lowered fused with every other
// output of the same compute(), so describe() of a frame is one chunk task per partition.

import { Field, Float64, Schema, Table, Utf8 } from 'apache-arrow';
import { type ComputeOptions, computeOne, explainOutputs } from '../compute.ts';
import { COLLECTION, type Collection, type FrameRewrite, type Output, describeReductions } from '../output.ts';
import type { ReductionRequest, ScalarNode } from '../plan.ts';
import { requestsOf } from '../lower.ts';
import type { ScalarValue } from '../../kernels/summary.ts';
import { makeBatch } from '../../kernels/arrow-build.ts';
import { buildColumn } from '../../kernels/groupby/aggregate.ts';
import { type PlainValue, toRecords } from '../results.ts';

/** How a column's cells become values: float64 numbers, or text (dates as ISO, counts as digits). */
export type CellFormat = 'float64' | 'temporal-text';

export interface SummaryColumn {
  readonly name: string;
  readonly format: CellFormat;
  /** One per row label; null = not defined for this column (e.g. std of a date). */
  readonly cells: ReadonlyArray<{ readonly node: ScalarNode; readonly role: 'count' | 'value' } | null>;
}

export interface SummaryTableSpec {
  /** Name of the label column ('statistic', 'quantile', 'column'). */
  readonly labelName: string;
  readonly labels: readonly (string | number)[];
  readonly columns: readonly SummaryColumn[];
}

function mapNode(n: ScalarNode, rw: FrameRewrite): ScalarNode {
  if (n.kind === 'reduce') {
    const request: ReductionRequest = rw.request(n.request);
    return request === n.request ? n : { kind: 'reduce', request };
  }
  const l = typeof n.l === 'number' ? n.l : mapNode(n.l, rw);
  const r = typeof n.r === 'number' ? n.r : mapNode(n.r, rw);
  return l === n.l && r === n.r ? n : { ...n, l, r };
}

function allRequests(spec: SummaryTableSpec): ReductionRequest[] {
  return spec.columns.flatMap((c) => c.cells.flatMap((cell) => (cell ? requestsOf(cell.node) : [])));
}

function cellText(v: ScalarValue, role: 'count' | 'value'): string | null {
  if (v === null) return null;
  if (role === 'count') return String(v);
  const t = Number(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : String(v);
}

function summaryOutput(spec: SummaryTableSpec): Output<Table> {
  return {
    frames: [],
    reductions: allRequests(spec),
    withFrames: (rw) =>
      summaryOutput({ ...spec, columns: spec.columns.map((c) => ({ ...c, cells: c.cells.map((cell) => (cell ? { ...cell, node: mapNode(cell.node, rw) } : null)) })) }),
    lower: (builder) => spec.columns.flatMap((c) => c.cells.flatMap((cell) => (cell ? [builder.scalar(cell.node)] : []))),
    finish: (values) => {
      let k = 0;
      const labelType = typeof spec.labels[0] === 'number' ? new Float64() : new Utf8();
      const fields = [new Field(spec.labelName, labelType, false)];
      const data = [buildColumn(labelType, spec.labels)];
      for (const c of spec.columns) {
        const cells = c.cells.map((cell) => {
          if (!cell) return null;
          const v = values[k++] as ScalarValue;
          if (c.format === 'temporal-text') return cellText(v, cell.role);
          return v === null ? null : Number(v);
        });
        const type = c.format === 'float64' ? new Float64() : new Utf8();
        fields.push(new Field(c.name, type, true));
        data.push(buildColumn(type, cells));
      }
      return new Table([makeBatch(new Schema(fields), data)]);
    },
    explain: () => describeReductions(allRequests(spec)),
  };
}

/** A lazy summary table: compute() gives an Arrow Table (labels, then one column per input column). */
export class SummaryTable implements Collection {
  constructor(readonly spec: SummaryTableSpec) {}

  [COLLECTION](): Output<Table> {
    return summaryOutput(this.spec);
  }
  compute(options: ComputeOptions = {}): Promise<Table> {
    return computeOne(summaryOutput(this.spec), options);
  }
  /** Rows as plain objects, e.g. [{statistic: 'count', x: 10}, {statistic: 'mean', x: 4.5}, ...]. */
  async toRecords(options: ComputeOptions = {}): Promise<Record<string, PlainValue>[]> {
    return toRecords(await this.compute(options));
  }
  explain(options: ComputeOptions = {}): string {
    return explainOutputs([summaryOutput(this.spec)], options);
  }
}
