// The `.dt` accessor of a Series over Arrow date/timestamp columns, and toDatetime() parsing text or
// numbers into timestamps (milliseconds, UTC).

import { Series, isSeries } from '../series.ts';
import { Scalar } from '../scalar.ts';
import { COLLECTION, type Output } from '../output.ts';
import { type ComputeOptions, computeOne } from '../compute.ts';
import { type ReductionOptions, reductionRequest } from '../reductions.ts';
import type { ScalarNode } from '../plan.ts';
import { optionsOf } from './operands.ts';
import { type DtField, ROUND_UNITS, type ToDatetimeOptions, formatParser } from '../../kernels/dates.ts';
import type { CsvOptions } from '../../io/csv/options.ts';
import { checkTimeZone } from '../../kernels/time-zones.ts';

export class DatetimeAccessor {
  constructor(private readonly s: Series) {}

  private field(field: DtField): Series {
    return new Series(this.s.frame, { t: 'call', fn: 'dt_field', args: [this.s.expr], opts: { field } }, this.s.name);
  }
  private round(mode: 'floor' | 'ceil', unit: string): Series {
    if (typeof unit !== 'string' || !Object.hasOwn(ROUND_UNITS, unit)) throw new TypeError(`dt.${mode}(): unit must be one of ${Object.keys(ROUND_UNITS).join(', ')}; got ${JSON.stringify(unit)}`);
    return new Series(this.s.frame, { t: 'call', fn: 'dt_round', args: [this.s.expr], opts: { mode, unit } }, this.s.name);
  }

  get year(): Series { return this.field('year'); }
  get month(): Series { return this.field('month'); }
  get day(): Series { return this.field('day'); }
  get hour(): Series { return this.field('hour'); }
  get minute(): Series { return this.field('minute'); }
  get second(): Series { return this.field('second'); }
  get quarter(): Series { return this.field('quarter'); }
  /** Monday = 0 ... Sunday = 6, as pandas. */
  get dayofweek(): Series { return this.field('dayofweek'); }
  /** 1 ... 366. */
  get dayofyear(): Series { return this.field('dayofyear'); }
  /** Rounded down to a unit: 'D', 'h', 'min', 's', 'ms', 'us', 'ns'; same type. */
  floor(unit: string): Series { return this.round('floor', unit); }
  /** Rounded up to a unit: 'D', 'h', 'min', 's', 'ms', 'us', 'ns'; same type. */
  ceil(unit: string): Series { return this.round('ceil', unit); }
}

/**
 * Text (ISO-8601 by default, or {format: '%d/%m/%Y %H:%M'}) or numbers since the epoch ({unit: 's' | 'ms' |
 * 'D'}) as a Timestamp[ms, UTC] column. Text that does not parse is an error naming it, or null with
 * {errors: 'coerce'} (pandas' to_datetime). {tz: 'Europe/Paris' | '+05:30'}: the column is Timestamp[ms, tz],
 * text without an offset is wall-clock time in that zone, and `.dt` fields and floor/ceil read the wall clock.
 */
export function toDatetime(s: Series, options?: { format?: string; errors?: 'raise' | 'coerce'; unit?: 's' | 'ms' | 'D'; tz?: string }): Series {
  if (!isSeries(s)) throw new TypeError(`toDatetime(): expected a Series; got ${String(s)}`);
  const o = optionsOf('toDatetime()', options, ['format', 'errors', 'unit', 'tz']);
  if (o.tz !== undefined) checkTimeZone(o.tz, 'toDatetime()');
  if (o.format !== undefined && typeof o.format !== 'string') throw new TypeError(`toDatetime(): format must be a string; got ${String(o.format)}`);
  if (o.errors !== undefined && o.errors !== 'raise' && o.errors !== 'coerce') throw new TypeError(`toDatetime(): errors must be 'raise' or 'coerce'; got ${String(o.errors)}`);
  if (o.unit !== undefined && !['s', 'ms', 'D'].includes(o.unit)) throw new TypeError(`toDatetime(): unit must be 's', 'ms' or 'D'; got ${String(o.unit)}`);
  const opts: ToDatetimeOptions = { format: o.format ?? null, errors: o.errors ?? 'raise', unit: o.unit ?? null, ...(o.tz !== undefined ? { tz: o.tz } : {}) };
  return new Series(s.frame, { t: 'call', fn: 'to_datetime', args: [s.expr], opts }, s.name);
}

/** A Scalar whose value is a moment: it computes to a JS Date (or null when there is no data). */
export class DateScalar extends Scalar<any> {
  constructor(node: ScalarNode) {
    super(node);
  }
  override [COLLECTION](): Output<any> {
    return asDates(super[COLLECTION]());
  }
  override async compute(options: ComputeOptions = {}): Promise<Date | null> {
    return computeOne(this[COLLECTION](), options) as Promise<Date | null>;
  }
}

function asDates(o: Output<any>): Output<any> {
  return {
    ...o,
    withFrames: (rw) => asDates(o.withFrames(rw)),
    finish: (values) => {
      const ms = o.finish(values);
      return ms === null || ms === undefined ? null : new Date(Number(ms));
    },
  };
}

/** min/max of a date or timestamp Series: reduced as epoch milliseconds, computed to a Date. */
export function temporalExtreme(s: Series, name: 'min' | 'max', options?: ReductionOptions): DateScalar {
  const expr = { t: 'call', fn: 'epoch_ms', args: [s.expr], opts: null } as const;
  return new DateScalar({ kind: 'reduce', request: reductionRequest(s.frame, expr, name, options) });
}

/**
 * Checks readCsv's parseDates: {column: format} (toDatetime's strftime subset). The reader parses those
 * columns with their formats (io/csv/values.ts), so a value that does not parse is reported like any other
 * CSV value: file, line, byte offset, column and the format expected; other columns keep ISO detection.
 */
export function checkDateFormats(options: CsvOptions, formats: Readonly<Record<string, string>>, fail: (m: string) => Error): void {
  const entries = Object.entries(formats);
  if (entries.length === 0) throw fail('options.parseDates is an empty object; give {column: format}, e.g. {when: \'%d/%m/%Y %H:%M\'}');
  for (const [c, f] of entries) {
    if (typeof f !== 'string') throw fail(`options.parseDates: the format of '${c}' must be a string such as '%d/%m/%Y'; got ${JSON.stringify(f)}`);
    try {
      formatParser(f);
    } catch (e) {
      throw fail(`options.parseDates: column '${c}': ${(e as Error).message.replace(/^toDatetime: /, '')}`);
    }
    if (options.dtype && Object.hasOwn(options.dtype, c)) throw fail(`options.parseDates gives a format for '${c}' and options.dtype a type; give one of them`);
  }
}
