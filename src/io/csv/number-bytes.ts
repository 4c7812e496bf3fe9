// Numbers straight from UTF-8 bytes, with the grammar of values.ts. Floats take the exact fast path
// (at most 15 significant digits and a power of ten up to 1e22: one correctly rounded IEEE operation);
// anything longer falls back to Number() on the text, so results always equal Number(text).

import { parseFloat64, parseInt64 } from './values.ts';

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Returned by parseIntBytes for text that is not an integer (no integer parses to it). */
export const NOT_INT = 0.5;
/** Returned by parseFloatBytes for text that is not a number; a real NaN comes back as NaN too, so check isNanText. */
export const NOT_FLOAT = NaN;

export function latin1(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}

const decoder = new TextDecoder();
export function utf8Text(b: Uint8Array, s: number, e: number): string {
  return decoder.decode(b.subarray(s, e));
}

export function parseFloatBytes(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && (b[i] === 45 || b[i] === 43)) neg = b[i++] === 45;
  let m = 0;
  let sig = 0; // significant digits accumulated in m
  let exp = 0;
  let digits = 0;
  let exact = true;
  for (; i < e; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) break;
    digits++;
    if (sig < 15) {
      m = m * 10 + c;
      if (m > 0) sig++;
    } else {
      exp++;
      if (c !== 0) exact = false;
    }
  }
  if (i < e && b[i] === 46) {
    for (i++; i < e; i++) {
      const c = b[i]! - 48;
      if (c < 0 || c > 9) break;
      digits++;
      if (sig < 15) {
        m = m * 10 + c;
        exp--;
        if (m > 0) sig++;
      } else if (c !== 0) exact = false;
    }
  }
  if (digits === 0) return special(b, s, e);
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) eneg = b[i++] === 45;
    let ev = 0;
    const from = i;
    for (; i < e; i++) {
      const c = b[i]! - 48;
      if (c < 0 || c > 9) break;
      if (ev < 100000) ev = ev * 10 + c;
    }
    if (i === from) return special(b, s, e);
    exp += eneg ? -ev : ev;
  }
  if (i !== e) return special(b, s, e);
  // Number() reads the sign itself: only the exact path applies `neg`.
  if (!exact || exp > 22 || exp < -22) return Number(latin1(b, s, e));
  const v = exp === 0 ? m : exp > 0 ? m * POW10[exp]! : m / POW10[-exp]!;
  return neg ? -v : v;
}

/** inf / infinity (any case, optional sign); NaN for 'nan' and for text that is not a number. */
function special(b: Uint8Array, s: number, e: number): number {
  const v = e - s <= 9 ? parseFloat64(latin1(b, s, e)) : undefined;
  return v ?? NOT_FLOAT;
}

/** True when the bytes spell NaN ('nan' in any case, optional sign): tells a real NaN from NOT_FLOAT. */
export function isNanText(b: Uint8Array, s: number, e: number): boolean {
  return e - s <= 4 && Number.isNaN(parseFloat64(latin1(b, s, e)) ?? 0);
}

/**
 * An optionally signed run of at most 15 decimal digits (always a safe integer), or NOT_INT.
 * Longer runs also give NOT_INT: callers with int64 columns then parse the text as a BigInt.
 */
export function parseIntBytes(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && (b[i] === 45 || b[i] === 43)) neg = b[i++] === 45;
  if (i === e || e - i > 15) return NOT_INT;
  let v = 0;
  for (; i < e; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return NOT_INT;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

/**
 * True for number text that inference classifies as a string (values.ts): a leading zero before a digit
 * ("007", "-00.5": codes, kept verbatim) or an integer beyond int64. Met outside the samples in an inferred
 * numeric column, it must widen the column to a string as it would have had it been sampled.
 */
export function isStringNumber(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  if (i < e && (b[i] === 45 || b[i] === 43)) i++;
  if (e - i >= 2 && b[i] === 48 && b[i + 1]! >= 48 && b[i + 1]! <= 57) return true;
  if (e - i < 19) return false;
  for (let k = i; k < e; k++) if (b[k]! < 48 || b[k]! > 57) return false;
  return parseInt64(latin1(b, s, e)) === undefined;
}
