// The `.str` accessor of a Series: string kernels (kernels/strings.ts) as lazy expressions; on a
// dictionary column each runs once per distinct value.

import { Series } from '../series.ts';
import { optionsOf } from './operands.ts';
import type { StrMapOp, StrTestOp } from '../../kernels/strings.ts';

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x);
}

export class StringAccessor {
  constructor(private readonly s: Series) {}

  private map(op: StrMapOp): Series {
    return new Series(this.s.frame, { t: 'call', fn: 'str_map', args: [this.s.expr], opts: op }, this.s.name);
  }
  private test(op: StrTestOp): Series {
    return new Series(this.s.frame, { t: 'call', fn: 'str_test', args: [this.s.expr], opts: op }, this.s.name);
  }
  private text(x: unknown, what: string): string {
    if (typeof x !== 'string') throw new TypeError(`str.${what}('${this.s.name}'): expected a string; got ${String(x)}`);
    return x;
  }

  lower(): Series { return this.map({ op: 'lower' }); }
  upper(): Series { return this.map({ op: 'upper' }); }
  /** Whitespace (or any of `chars`) removed from both ends. */
  strip(chars?: string): Series { return this.map({ op: 'strip', chars: chars === undefined ? null : this.text(chars, 'strip') }); }
  lstrip(chars?: string): Series { return this.map({ op: 'lstrip', chars: chars === undefined ? null : this.text(chars, 'lstrip') }); }
  rstrip(chars?: string): Series { return this.map({ op: 'rstrip', chars: chars === undefined ? null : this.text(chars, 'rstrip') }); }

  /** True where the value contains `pat`: a regular expression by default (as pandas), literal with {regex: false}. */
  contains(pat: string | RegExp, options?: { regex?: boolean; case?: boolean }): Series {
    const o = optionsOf('str.contains()', options, ['regex', 'case']);
    const regex = pat instanceof RegExp ? true : (o.regex ?? true);
    const source = pat instanceof RegExp ? pat.source : this.text(pat, 'contains');
    let flags = pat instanceof RegExp ? pat.flags.replace(/[gy]/g, '') : 'u';
    if (o.case === false && !flags.includes('i')) flags += 'i';
    return this.test({ op: 'contains', pat: source, regex, flags });
  }
  startsWith(prefix: string): Series { return this.test({ op: 'startswith', pat: this.text(prefix, 'startsWith') }); }
  endsWith(suffix: string): Series { return this.test({ op: 'endswith', pat: this.text(suffix, 'endsWith') }); }

  /**
   * `pat` replaced by `repl`: literal by default (pandas 2's regex=False), a regular expression with
   * {regex: true} or a RegExp (`$1` groups in repl). {n} limits the replacements per value (default all).
   */
  replace(pat: string | RegExp, repl: string, options?: { regex?: boolean; n?: number; case?: boolean }): Series {
    const o = optionsOf('str.replace()', options, ['regex', 'n', 'case']);
    const n = o.n ?? -1;
    if (!isInt(n)) throw new TypeError(`str.replace(): n must be an integer; got ${String(n)}`);
    const regex = pat instanceof RegExp ? true : (o.regex ?? false);
    let flags = pat instanceof RegExp ? pat.flags.replace(/[gy]/g, '') : 'u';
    if (o.case === false && !flags.includes('i')) flags += 'i';
    if (!regex && o.case === false) throw new TypeError('str.replace(): {case: false} needs {regex: true}');
    return this.map({ op: 'replace', pat: pat instanceof RegExp ? pat.source : this.text(pat, 'replace'), repl: this.text(repl, 'replace'), regex, flags, n });
  }

  /** Part `index` of the value split at `sep` (whitespace runs when absent); null when there is no such part. */
  splitGet(sep: string | null | undefined, index: number): Series {
    if (!isInt(index)) throw new TypeError(`str.split().get(): index must be an integer; got ${String(index)}`);
    if (sep === '') throw new TypeError('str.split(): the separator must not be empty');
    return this.map({ op: 'split_get', sep: sep ?? null, index });
  }
  /** pandas' s.str.split(sep).str.get(i) reads as s.str.split(sep).get(i). */
  split(sep?: string | null): { get(index: number): Series } {
    return { get: (index: number) => this.splitGet(sep, index) };
  }

  /** Length in characters (Unicode code points, as Python's len). */
  len(): Series { return this.test({ op: 'len' }); }

  /** Characters start..stop (Python slice rules: negative counts from the end; step may be negative). */
  slice(start?: number | null, stop?: number | null, step?: number | null): Series {
    for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
      if (v !== undefined && v !== null && !isInt(v)) throw new TypeError(`str.slice(): ${name} must be an integer; got ${String(v)}`);
    }
    if (step === 0) throw new RangeError('str.slice(): step must not be zero');
    return this.map({ op: 'slice', start: start ?? null, stop: stop ?? null, step: step ?? null });
  }

  /** Padded to `width` characters with `fillchar` on the left (default), right or both sides. */
  pad(width: number, options?: { side?: 'left' | 'right' | 'both'; fillchar?: string }): Series {
    const o = optionsOf('str.pad()', options, ['side', 'fillchar']);
    if (!isInt(width) || width < 0) throw new TypeError(`str.pad(): width must be a non-negative integer; got ${String(width)}`);
    const side = o.side ?? 'left';
    if (!['left', 'right', 'both'].includes(side)) throw new TypeError(`str.pad(): side must be 'left', 'right' or 'both'; got ${String(side)}`);
    const fillchar = o.fillchar ?? ' ';
    if (typeof fillchar !== 'string' || Array.from(fillchar).length !== 1) throw new TypeError(`str.pad(): fillchar must be one character; got ${JSON.stringify(fillchar)}`);
    return this.map({ op: 'pad', width, side, fillchar });
  }
}
