// Kernels of the `.str` accessor over Utf8 and dictionary-of-Utf8 columns. A dictionary column is
// transformed once per distinct entry (then its codes are remapped), never once per row.

import { type Data, type DataType, Bool, Dictionary, Int32, Type, Utf8 } from 'apache-arrow';
import { type FnOperand, registerExprFunction } from './expr-functions.ts';
import { dictionaryData, primitiveData, sharedArray, utf8Data } from './arrow-build.ts';
import { validityOf } from './validity.ts';
import { packBits } from './column-values.ts';
import { hashString } from '../scheduler/tokenize.ts';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

const derived = new Map<number, Dictionary>();

/**
 * The type of a dictionary column an expression makes: its id comes from the expression's text, so every
 * thread and process agrees on it, and it differs from the input's (one batch may hold both, and Arrow IPC
 * needs one dictionary per id). The same id always gives the same type object.
 */
export function derivedDictionary(what: string): Dictionary {
  const id = 1_000_000 + (Number.parseInt(hashString(what).slice(-7), 16) % 1_000_000_000);
  let t = derived.get(id);
  if (!t) derived.set(id, (t = new Dictionary(new Utf8(), new Int32(), id)));
  return t;
}

function isStringType(t: DataType): boolean {
  return t.typeId === Type.Utf8 || (t.typeId === Type.Dictionary && (t as Dictionary).dictionary.typeId === Type.Utf8);
}

/** Row i of a Utf8 or dictionary-of-Utf8 column as a JS string (validity is the caller's business). */
export function stringAt(d: Data): (i: number) => string {
  if (d.typeId === Type.Dictionary) {
    const dict = d.dictionary!.data[0]!;
    const entries = decodeAll(dict);
    const codes = d.values as ArrayLike<number>;
    return (i) => entries[codes[i]!]!;
  }
  const offs = d.valueOffsets as Int32Array;
  const bytes = d.values as Uint8Array;
  return (i) => decoder.decode(bytes.subarray(offs[i]!, offs[i + 1]!));
}

/** Every entry of a Utf8 column (a dictionary), decoded once. */
function decodeAll(dict: Data): string[] {
  const offs = dict.valueOffsets as Int32Array;
  const bytes = dict.values as Uint8Array;
  const out = new Array<string>(dict.length);
  for (let j = 0; j < dict.length; j++) out[j] = decoder.decode(bytes.subarray(offs[j]!, offs[j + 1]!));
  return out;
}

/** A Utf8 column from JS strings (null entries are null rows). */
export function utf8FromStrings(values: readonly (string | null)[], validity: Uint8Array | null): Data {
  const n = values.length;
  const encoded: Uint8Array[] = new Array(n);
  let total = 0;
  let valid = validity;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s === null || s === undefined) {
      encoded[i] = new Uint8Array(0);
      if (!valid || validity === valid) {
        const copy = sharedArray(Uint8Array, (n + 7) >> 3);
        if (valid) copy.set(valid.subarray(0, copy.length));
        else copy.fill(0xff);
        valid = copy;
      }
      valid[i >> 3]! &= ~(1 << (i & 7));
    } else {
      encoded[i] = encoder.encode(s);
      total += encoded[i]!.length;
    }
  }
  const offs = sharedArray(Int32Array, n + 1);
  const bytes = sharedArray(Uint8Array, total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    bytes.set(encoded[i]!, at);
    at += encoded[i]!.length;
    offs[i + 1] = at;
  }
  return utf8Data(n, offs, bytes, valid);
}

/** Apply `f` to every value of a string column: per dictionary entry for dictionaries (deduplicated again). */
function mapStrings(d: Data, type: DataType, f: (s: string) => string | null): Data {
  const n = d.length;
  const valid = validityOf(d);
  const isValid = (i: number) => valid === null || ((valid[i >> 3]! >> (i & 7)) & 1) === 1;
  if (d.typeId === Type.Dictionary) {
    const entries = decodeAll(d.dictionary!.data[0]!);
    // Two entries can map to one value ('A' and 'a' under lower()): keep the dictionary distinct.
    const index = new Map<string, number>();
    const out: string[] = [];
    const remap = new Int32Array(entries.length).fill(-1);
    entries.forEach((s, j) => {
      const t = f(s);
      if (t === null) return;
      let k = index.get(t);
      if (k === undefined) {
        k = out.length;
        index.set(t, k);
        out.push(t);
      }
      remap[j] = k;
    });
    const codes = d.values as ArrayLike<number>;
    const newCodes = sharedArray(Int32Array, n);
    const newValid = sharedArray(Uint8Array, (n + 7) >> 3);
    for (let i = 0; i < n; i++) {
      const k = isValid(i) ? remap[codes[i]!]! : -1;
      if (k >= 0) {
        newCodes[i] = k;
        newValid[i >> 3]! |= 1 << (i & 7);
      }
    }
    return dictionaryData(type as Dictionary, n, newCodes, utf8FromStrings(out, null), newValid);
  }
  const at = stringAt(d);
  const values: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) values[i] = isValid(i) ? f(at(i)) : null;
  return utf8FromStrings(values, null);
}

/** A per-row number or boolean from each string value, per dictionary entry for dictionaries. */
function testStrings(d: Data, f: (s: string) => number): Uint8Array | Int32Array {
  const n = d.length;
  if (d.typeId === Type.Dictionary) {
    const entries = decodeAll(d.dictionary!.data[0]!);
    const per = entries.map(f);
    const codes = d.values as ArrayLike<number>;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = per[codes[i]!] ?? 0;
    return out;
  }
  const at = stringAt(d);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(at(i));
  return out;
}

function stringArg(t: DataType, what: string): void {
  if (!isStringType(t) && t.typeId !== Type.Null) throw new TypeError(`${what}: .str needs a string column, got ${String(t)}; convert it first with astype('string')`);
}

// ---------------------------------------------------------------------------------------------------
// string -> string

export type StrMapOp =
  | { readonly op: 'lower' | 'upper' }
  | { readonly op: 'strip' | 'lstrip' | 'rstrip'; readonly chars: string | null }
  | { readonly op: 'replace'; readonly pat: string; readonly repl: string; readonly regex: boolean; readonly flags: string; readonly n: number }
  | { readonly op: 'slice'; readonly start: number | null; readonly stop: number | null; readonly step: number | null }
  | { readonly op: 'pad'; readonly width: number; readonly side: 'left' | 'right' | 'both'; readonly fillchar: string }
  | { readonly op: 'split_get'; readonly sep: string | null; readonly index: number };

function stripper(chars: string | null, left: boolean, right: boolean): (s: string) => string {
  if (chars === null) return left && right ? (s) => s.trim() : left ? (s) => s.trimStart() : (s) => s.trimEnd();
  const set = new Set(Array.from(chars));
  return (s) => {
    const cps = Array.from(s);
    let a = 0;
    let b = cps.length;
    if (left) while (a < b && set.has(cps[a]!)) a++;
    if (right) while (b > a && set.has(cps[b - 1]!)) b--;
    return cps.slice(a, b).join('');
  };
}

/** Python's slice of a sequence of code points (negative indices count from the end; step may be negative). */
function pySlice(s: string, start: number | null, stop: number | null, step: number | null): string {
  const cps = Array.from(s);
  const len = cps.length;
  const st = step ?? 1;
  const norm = (x: number, lo: number, hi: number) => (x < 0 ? Math.max(x + len, lo) : Math.min(x, hi));
  let out = '';
  if (st > 0) {
    const a = start === null ? 0 : norm(start, 0, len);
    const b = stop === null ? len : norm(stop, 0, len);
    for (let i = a; i < b; i += st) out += cps[i];
  } else {
    const a = start === null ? len - 1 : norm(start, -1, len - 1);
    const b = stop === null ? -1 : norm(stop, -1, len - 1);
    for (let i = a; i > b; i += st) out += cps[i];
  }
  return out;
}

function strMapper(o: StrMapOp): (s: string) => string | null {
  switch (o.op) {
    case 'lower':
      return (s) => s.toLowerCase();
    case 'upper':
      return (s) => s.toUpperCase();
    case 'strip':
      return stripper(o.chars, true, true);
    case 'lstrip':
      return stripper(o.chars, true, false);
    case 'rstrip':
      return stripper(o.chars, false, true);
    case 'replace': {
      if (o.regex) {
        const re = new RegExp(o.pat, o.flags.includes('g') || o.n >= 0 ? o.flags.replace('g', '') : `${o.flags}g`);
        if (o.n < 0) return (s) => s.replace(re, o.repl);
        // At most n replacements, left to right (pandas' n).
        return (s) => {
          let left = o.n;
          const g = new RegExp(re.source, `${re.flags}g`);
          return s.replace(g, (...m) => (left-- > 0 ? expandRepl(o.repl, m) : (m[0] as string)));
        };
      }
      if (o.pat === '') return (s) => s; // Python inserts between every character; not worth its surprise
      if (o.n < 0) return (s) => s.split(o.pat).join(o.repl);
      return (s) => {
        const parts = s.split(o.pat);
        let out = parts[0]!;
        for (let k = 1; k < parts.length; k++) out += (k <= o.n ? o.repl : o.pat) + parts[k];
        return out;
      };
    }
    case 'slice':
      return (s) => pySlice(s, o.start, o.stop, o.step);
    case 'pad':
      return (s) => {
        const len = Array.from(s).length;
        if (len >= o.width) return s;
        const total = o.width - len;
        if (o.side === 'left') return o.fillchar.repeat(total) + s;
        if (o.side === 'right') return s + o.fillchar.repeat(total);
        // Python's str.center (pandas' side='both'): the odd character goes left only when both the
        // padding and the width are odd.
        const left = Math.floor(total / 2) + (total & o.width & 1);
        return o.fillchar.repeat(left) + s + o.fillchar.repeat(total - left);
      };
    case 'split_get':
      return (s) => {
        const parts = o.sep === null ? s.trim().split(/\s+/).filter((p) => p.length > 0) : s.split(o.sep);
        const k = o.index < 0 ? parts.length + o.index : o.index;
        return k >= 0 && k < parts.length ? parts[k]! : null;
      };
  }
}

/** `$1`-style groups in a replacement, as String.prototype.replace would expand them. */
function expandRepl(repl: string, m: unknown[]): string {
  return repl.replace(/\$(\d+|&)/g, (t, g: string) => (g === '&' ? (m[0] as string) : ((m[Number(g)] as string | undefined) ?? t)));
}

registerExprFunction('str_map', {
  type([t], opts: StrMapOp, _args, what) {
    stringArg(t!, what);
    if (opts.op === 'replace' && opts.regex) {
      try {
        new RegExp(opts.pat, opts.flags);
      } catch (e) {
        throw new TypeError(`${what}: invalid regular expression ${JSON.stringify(opts.pat)}: ${(e as Error).message}`);
      }
    }
    return t!.typeId === Type.Dictionary ? derivedDictionary(what) : new Utf8();
  },
  evaluate([x], _n, opts: StrMapOp, type) {
    if ('lit' in x!) return { lit: x.lit === null ? null : strMapper(opts)(String(x.lit)) };
    if (x.data.typeId === Type.Null) return x;
    return { data: mapStrings(x.data, type, strMapper(opts)) };
  },
});

// ---------------------------------------------------------------------------------------------------
// string -> bool / int

export type StrTestOp =
  | { readonly op: 'contains'; readonly pat: string; readonly regex: boolean; readonly flags: string }
  | { readonly op: 'startswith' | 'endswith'; readonly pat: string }
  | { readonly op: 'len' };

function strTester(o: StrTestOp): (s: string) => number {
  switch (o.op) {
    case 'contains': {
      if (o.regex) {
        const re = new RegExp(o.pat, o.flags);
        return (s) => (re.test(s) ? 1 : 0);
      }
      const lower = o.flags.includes('i');
      const pat = lower ? o.pat.toLowerCase() : o.pat;
      return lower ? (s) => (s.toLowerCase().includes(pat) ? 1 : 0) : (s) => (s.includes(pat) ? 1 : 0);
    }
    case 'startswith':
      return (s) => (s.startsWith(o.pat) ? 1 : 0);
    case 'endswith':
      return (s) => (s.endsWith(o.pat) ? 1 : 0);
    case 'len':
      return (s) => {
        // Code points, as Python's len (an emoji counts 1, not 2 UTF-16 units).
        let k = 0;
        for (const _ of s) k++;
        return k;
      };
  }
}

registerExprFunction('str_test', {
  type([t], opts: StrTestOp, _args, what) {
    stringArg(t!, what);
    if (opts.op === 'contains' && opts.regex) {
      try {
        new RegExp(opts.pat, opts.flags);
      } catch (e) {
        throw new TypeError(`${what}: invalid regular expression ${JSON.stringify(opts.pat)}: ${(e as Error).message}; pass {regex: false} to match it literally`);
      }
    }
    return opts.op === 'len' ? new Int32() : new Bool();
  },
  evaluate([x], n, opts: StrTestOp, type) {
    const f = strTester(opts);
    if ('lit' in x!) return { lit: x.lit === null ? null : opts.op === 'len' ? f(String(x.lit)) : f(String(x.lit)) === 1 };
    const d = x.data;
    const valid = d.typeId === Type.Null ? sharedArray(Uint8Array, (n + 7) >> 3) : validityOf(d);
    const values = d.typeId === Type.Null ? new Int32Array(n) : testStrings(d, f);
    if (type.typeId === Type.Int) {
      const out = sharedArray(Int32Array, n);
      out.set(values);
      return { data: primitiveData(new Int32(), n, out, valid) };
    }
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = values[i]!;
    return { data: primitiveData(new Bool(), n, packBits(bytes), valid) };
  },
});

export { isStringType };
export type { FnOperand };
