// Numbers through readCsv against Number(text) / BigInt(text): hand-picked values that once lost their sign,
// then a seeded property test over generated numeric strings (signs, exponents, long digit runs, int64 edges)
// in one-row and many-row files, quoted or not, LF or CRLF, at every blocksize, on both parsers.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CsvOptions, readCsv } from '../../src/index.ts';
import { rng } from '../helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csv-numbers-'));
let fileNo = 0;

function writeCsv(text: string): string {
  const p = path.join(dir, `n${fileNo++}.csv`);
  fs.writeFileSync(p, text);
  return p;
}

async function column(p: string, opts: CsvOptions): Promise<{ type: string; values: unknown[] }> {
  const t = await readCsv(p, opts).toArrow({ scheduler: 'sync' });
  const col = t.getChild('v')!;
  return { type: String(col.type), values: [...col] };
}

const INT = /^[+-]?(?:0|[1-9]\d*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The type and values the reader must produce for a column holding `texts` (the documented inference). */
function expected(texts: string[]): { type: string; values: unknown[] } {
  const inInt64 = (t: string): boolean => BigInt(t) >= INT64_MIN && BigInt(t) <= INT64_MAX;
  // Integer text beyond int64 keeps the whole column verbatim as strings, wherever it lies.
  // So does a leading zero before a digit ("007", "-00.5": codes).
  if (texts.some((t) => (INT.test(t) && !inInt64(t)) || /^[+-]?0\d/.test(t))) return { type: 'Utf8', values: texts };
  if (texts.every((t) => INT.test(t))) {
    const int32 = texts.every((t) => BigInt(t) >= -(2n ** 31n) && BigInt(t) < 2n ** 31n);
    return int32 ? { type: 'Int32', values: texts.map((t) => Number(BigInt(t))) } : { type: 'Int64', values: texts.map((t) => BigInt(t)) };
  }
  return { type: 'Float64', values: texts.map(floatOf) };
}

function floatOf(t: string): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  return Number(t);
}

function sameValues(actual: unknown[], want: unknown[], what: string): void {
  assert.is(actual.length, want.length, `${what}: row count`);
  for (let i = 0; i < want.length; i++) {
    // Object.is: -0 and 0 differ, NaN equals NaN, a lost sign cannot hide.
    if (!Object.is(actual[i], want[i])) assert.unreachable(`${what}: row ${i}: got ${String(actual[i])}, expected ${String(want[i])}`);
  }
}

test('negative long-digit, subnormal, tiny and 18-digit floats keep their sign (both parsers)', async () => {
  const texts = ['-3886.6099999999997', '-2.2250738585072014e-308', '-0.000000000000000000001234', '-123456789012345678.0', '1.5'];
  for (const engine of ['fast', 'papaparse'] as const) {
    for (const one of texts) {
      sameValues((await column(writeCsv(`v\n${one}\n`), { engine })).values, [Number(one)], `${engine} ${one}`);
    }
    const got = await column(writeCsv(`v\n${texts.join('\n')}\n`), { engine });
    assert.is(got.type, 'Float64');
    sameValues(got.values, texts.map(Number), engine);
  }
  // An int64-looking negative in a float column goes through the float path too.
  const mixed = await column(writeCsv('v\n-123456789012345678\n2.5\n'), {});
  sameValues(mixed.values, [-123456789012345678, 2.5], 'int text in a float column');
});

/** A random numeric text of one of the shapes that take different parser paths. */
function numericText(R: () => number, shape: 'int' | 'float'): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(R() * xs.length)]!;
  const digits = (n: number, lead = true): string => {
    let s = lead ? String(1 + Math.floor(R() * 9)) : '';
    while (s.length < n) s += String(Math.floor(R() * 10));
    return s;
  };
  const sign = pick(['', '', '-', '-', '+']);
  if (R() < 0.01) return sign + pick(['007', '00', '00.5', '01e3', '0123456789012345678901']);
  if (shape === 'int') {
    const r = R();
    if (r < 0.15) return pick(['0', '-0', '+0', '2147483647', '-2147483648', '2147483648', '-2147483649', '9007199254740993', '-9007199254740993', '9223372036854775807', '-9223372036854775808']);
    return sign + digits(1 + Math.floor(R() * (r < 0.6 ? 9 : 19)));
  }
  const r = R();
  if (r < 0.02) return sign + digits(20 + Math.floor(R() * 6)); // an integer beyond int64 in a float column
  if (r < 0.08) return sign + pick(['inf', 'Infinity', 'nan', 'NAN', 'INF']);
  if (r < 0.16) return pick(['1.7976931348623157e308', '-1.7976931348623157e308', '1e309', '-1e309', '4.9e-324', '-4.9e-324', '2.2250738585072014e-308', '-0.0', '0.1', '-5e-324', '1e-400']);
  const intPart = R() < 0.3 ? '0' : digits(1 + Math.floor(R() * 22));
  let frac = R() < 0.8 ? `.${R() < 0.3 ? '0'.repeat(Math.floor(R() * 25)) : ''}${digits(Math.floor(R() * 22), false)}` : '';
  if (frac === '' && R() < 0.5) frac = '.';
  let exp = '';
  if (frac === '' || R() < 0.4) exp = `${pick(['e', 'E'])}${pick(['', '-', '+'])}${Math.floor(R() * (R() < 0.7 ? 30 : 400))}`;
  const body = frac === '.' && intPart === '0' && R() < 0.3 ? `.${digits(1 + Math.floor(R() * 18), false)}` : `${intPart}${frac}`;
  return sign + body + exp;
}

test('property: generated numeric texts read as Number(text) / BigInt(text), every blocksize, both parsers', async () => {
  const R = rng(20261202);
  let checked = 0;
  for (let c = 0; c < 36; c++) {
    const shape = c % 3 === 0 ? 'int' : 'float';
    const n = c % 4 === 0 ? 1 : 5 + Math.floor(R() * 60);
    const texts = Array.from({ length: n }, () => numericText(R, shape));
    if (shape === 'float' && !texts.some((t) => !INT.test(t))) texts.push('0.5'); // a float column needs one float
    const crlf = R() < 0.4;
    const quote = R() < 0.3;
    const nl = crlf ? '\r\n' : '\n';
    const body = texts.map((t, i) => `${i},${quote && R() < 0.5 ? `"${t}"` : t}`).join(nl);
    const p = writeCsv(`k,v${nl}${body}${R() < 0.8 ? nl : ''}`);
    const want = expected(texts);
    const size = fs.statSync(p).size;
    for (const blocksize of [1, 16, 64, Math.ceil(size / 2), size + 1]) {
      for (const engine of ['fast', 'papaparse'] as const) {
        // A tiny sampleBytes leaves most values unsampled: they then take the widening path.
        const sampleBytes = R() < 0.3 ? 8 : 256 * 1024;
        const got = await column(p, { blocksize, engine, sampleBytes, dictionaryRatio: 0 });
        const what = `case ${c} (${engine}, blocksize ${blocksize}, sampleBytes ${sampleBytes}) ${JSON.stringify(texts.slice(0, 6))}`;
        assert.is(got.type, want.type, what);
        sameValues(got.values, want.values, what);
        checked += n;
      }
    }
  }
  assert.ok(checked > 5000);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
