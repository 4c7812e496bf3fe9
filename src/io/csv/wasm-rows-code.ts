// The WebAssembly program of the CSV row tokenizer for partitions without quote characters: it finds
// delimiters and newlines 16 bytes at a time (SIMD compares + bitmask), skips runs of unrequested fields
// by popcount, and parses requested plain integers into the batch, exactly as fast-parser.ts's tokenize.

import { F64, I32, I64, V128, funcBody, name, section, sleb, uleb, vec } from '../../kernels/array/wasm-encode.ts';

/** Rows per call at most, and log2 of it: slot k of row r is at (k << ROW_SHIFT) + r, as in fast-parser.ts. */
export const MAX_ROWS = 2048;
export const ROW_SHIFT = 11;

/**
 * Byte offsets inside the control block (16 i32 words). Inputs: the layout of one partition's tables.
 * Outputs: rows in the batch, and when status is 1 the bad row that stopped the call (its start, field count).
 */
export const CTRL = {
  nfields: 0, delimiter: 4, fieldInfo: 8, runs: 12, starts: 16, ends: 20, nums: 24, numOk: 28, rowOffsets: 32,
  rows: 48, status: 52, badRow: 56, badFields: 60,
} as const;
export const CTRL_BYTES = 64;
/** fieldInfo[f]: -1 for an unrequested field, else its slot, plus this bit when integers may be parsed inline. */
export const INLINE_BIT = 0x10000;

const NL = 10;
const CR = 13;

// Code is written as nested arrays; blocks and loops carry labels that `assemble` turns into branch depths.
type Code = number | Code[] | Ctl;
type Ctl =
  | { kind: 'block' | 'loop'; label: string; body: Code[] }
  | { kind: 'br' | 'br_if'; label: string; cond?: Code }
  | { kind: 'if'; cond: Code; then: Code[]; else?: Code[] };

const block = (label: string, body: Code[]): Ctl => ({ kind: 'block', label, body });
const loop = (label: string, body: Code[]): Ctl => ({ kind: 'loop', label, body });
const br = (label: string): Ctl => ({ kind: 'br', label });
const brIf = (label: string, cond: Code): Ctl => ({ kind: 'br_if', label, cond });
const when = (cond: Code, then: Code[], otherwise?: Code[]): Ctl => ({ kind: 'if', cond, then, else: otherwise });

function assemble(code: Code, labels: Array<string | null>, out: number[]): void {
  if (typeof code === 'number') { out.push(code); return; }
  if (Array.isArray(code)) { for (const c of code) assemble(c, labels, out); return; }
  switch (code.kind) {
    case 'block': case 'loop':
      out.push(code.kind === 'block' ? 0x02 : 0x03, 0x40);
      labels.push(code.label);
      for (const c of code.body) assemble(c, labels, out);
      labels.pop();
      out.push(0x0b);
      return;
    case 'br': case 'br_if': {
      if (code.cond !== undefined) assemble(code.cond, labels, out);
      const at = labels.lastIndexOf(code.label);
      if (at < 0) throw new Error(`wasm-rows: no enclosing label '${code.label}'`);
      out.push(code.kind === 'br' ? 0x0c : 0x0d, ...uleb(labels.length - 1 - at));
      return;
    }
    case 'if':
      assemble(code.cond, labels, out);
      out.push(0x04, 0x40);
      labels.push(null);
      for (const c of code.then) assemble(c, labels, out);
      if (code.else) { out.push(0x05); for (const c of code.else) assemble(c, labels, out); }
      labels.pop();
      out.push(0x0b);
  }
}

// Locals: the four parameters, then i32 scratch, one i64, one f64 and three v128.
const [P, N, R, CTRLP] = [0, 1, 2, 3];
const I32_LOCALS = ['rowStart', 'f', 'info', 'k', 'j', 'q', 's', 'e', 'c', 't', 'idx', 'ok', 'neg', 'ds', 'md', 'mn', 'cnt', 'x', 'm',
  'nfields', 'd', 'fieldInfo', 'runs', 'starts', 'ends', 'nums', 'numOk', 'rowOffsets'] as const;
const L = Object.fromEntries(I32_LOCALS.map((n, i) => [n, 4 + i])) as Record<(typeof I32_LOCALS)[number], number>;
const V = 4 + I32_LOCALS.length; // i64: digits so far
const FV = V + 1; // f64: the parsed value
const [SD, SN, VEC] = [FV + 1, FV + 2, FV + 3]; // v128: delimiter splat, newline splat, the current 16 bytes

const get = (l: number): Code => [0x20, l];
const set = (l: number, v: Code): Code => [v, 0x21, l];
const i32 = (v: number): Code => [0x41, ...sleb(BigInt(v | 0))];
const bin = (op: number) => (a: Code, b: Code): Code => [a, b, op];
const eq = bin(0x46), ne = bin(0x47), ltS = bin(0x48), ltU = bin(0x49), gtU = bin(0x4b), leS = bin(0x4c), geU = bin(0x4f);
const add = bin(0x6a), sub = bin(0x6b), and = bin(0x71), or = bin(0x72), shl = bin(0x74);
const eqz = (a: Code): Code => [a, 0x45];
const ctz = (a: Code): Code => [a, 0x68];
const popcnt = (a: Code): Code => [a, 0x69];
const load8 = (addr: Code): Code => [addr, 0x2d, 0, 0];
const load32 = (addr: Code, offset = 0): Code => [addr, 0x28, 2, ...uleb(offset)];
const store8 = (addr: Code, v: Code): Code => [addr, v, 0x3a, 0, 0];
const store32 = (addr: Code, v: Code, offset = 0): Code => [addr, v, 0x36, 2, ...uleb(offset)];
const storeF64 = (addr: Code, v: Code): Code => [addr, v, 0x39, 3, 0];
const SIMD = 0xfd;
const v128Load = (addr: Code): Code => [addr, SIMD, 0x00, 0, 0]; // alignment 1: rows start anywhere
const splat8 = (v: Code): Code => [v, SIMD, 0x0f];
const eq8 = (a: Code, b: Code): Code => [a, b, SIMD, 0x23];
const or128 = (a: Code, b: Code): Code => [a, b, SIMD, 0x50];
const bitmask8 = (a: Code): Code => [a, SIMD, 0x64];
const at4 = (base: number, i: Code): Code => add(get(base), shl(i, i32(2)));
/** min(p, n): a trailing sentinel newline may have been consumed. */
const returnP: Code = [get(P), get(N), ltU(get(P), get(N)), 0x1b, 0x0f];

/**
 * From p, find the separator ending the k-th field (q) and how many fields were passed (j <= k): fewer
 * when a newline ends the row first. Counts the delimiters of whole 16-byte blocks with popcount.
 */
function skipFields(k: Code): Code[] {
  return [
    set(L.k, k), set(L.j, i32(0)), set(L.x, get(P)),
    block('skipped', [loop('block16', [
      set(VEC, v128Load(get(L.x))),
      set(L.md, bitmask8(eq8(get(VEC), get(SD)))),
      set(L.mn, bitmask8(eq8(get(VEC), get(SN)))),
      // only delimiters before the first newline belong to this row
      when(get(L.mn), [set(L.md, and(get(L.md), sub(and(get(L.mn), sub(i32(0), get(L.mn))), i32(1))))]),
      set(L.cnt, popcnt(get(L.md))),
      when(leS(sub(get(L.k), get(L.j)), get(L.cnt)), [
        set(L.m, sub(sub(get(L.k), get(L.j)), i32(1))),
        block('cleared', [loop('clear', [
          brIf('cleared', eqz(get(L.m))),
          set(L.md, and(get(L.md), sub(get(L.md), i32(1)))),
          set(L.m, sub(get(L.m), i32(1))),
          br('clear'),
        ])]),
        set(L.q, add(get(L.x), ctz(get(L.md)))),
        set(L.j, get(L.k)),
        br('skipped'),
      ]),
      when(get(L.mn), [
        set(L.q, add(get(L.x), ctz(get(L.mn)))),
        set(L.j, add(add(get(L.j), get(L.cnt)), i32(1))),
        br('skipped'),
      ]),
      set(L.j, add(get(L.j), get(L.cnt))),
      set(L.x, add(get(L.x), i32(16))),
      br('block16'),
    ])]),
  ];
}

/** From x, the first delimiter or newline (q). */
const nextSeparator: Code = block('found', [loop('scan', [
  set(VEC, v128Load(get(L.x))),
  set(L.md, bitmask8(or128(eq8(get(VEC), get(SD)), eq8(get(VEC), get(SN))))),
  when(get(L.md), [set(L.q, add(get(L.x), ctz(get(L.md)))), br('found')]),
  set(L.x, add(get(L.x), i32(16))),
  br('scan'),
])]);

/** A requested field at p: its start, end, and (an optionally signed run of 1-15 digits) its value. */
const requestedField: Code[] = [
  set(L.idx, add(shl(and(get(L.info), i32(0xffff)), i32(ROW_SHIFT)), get(R))),
  set(L.s, get(P)), set(L.x, get(P)), set(L.ok, i32(0)),
  when(and(get(L.info), i32(INLINE_BIT)), [
    set(L.c, load8(get(P))),
    set(L.neg, eq(get(L.c), i32(45))),
    set(L.x, add(get(P), or(get(L.neg), eq(get(L.c), i32(43))))),
    set(L.ds, get(L.x)),
    set(V, [0x42, 0]),
    block('digitsDone', [loop('digits', [
      set(L.m, sub(load8(get(L.x)), i32(48))),
      brIf('digitsDone', geU(get(L.m), i32(10))),
      set(V, [get(V), 0x42, 10, 0x7e, get(L.m), 0xad, 0x7c]), // v * 10 + digit (i64)
      set(L.x, add(get(L.x), i32(1))),
      br('digits'),
    ])]),
    set(L.cnt, sub(get(L.x), get(L.ds))),
    // 1-15 digits, no leading zero ("007" is a code: the converter decides), then a separator
    when(and(ltU(sub(get(L.cnt), i32(1)), i32(15)), or(eq(get(L.cnt), i32(1)), ne(load8(get(L.ds)), i32(48)))), [
      set(L.t, load8(get(L.x))),
      when(or(eq(get(L.t), get(L.d)), eq(get(L.t), i32(NL))), [set(L.ok, i32(1))], [
        when(eq(get(L.t), i32(CR)), [when(eq(load8(add(get(L.x), i32(1))), i32(NL)), [set(L.ok, i32(2))])]),
      ]),
    ]),
    when(get(L.ok), [
      set(FV, [get(V), 0xb9]), // f64.convert_i64_s: exact below 2^53
      when(get(L.neg), [set(FV, [get(FV), 0x9a])]), // f64.neg: "-0" stays -0
      storeF64(add(get(L.nums), shl(get(L.idx), i32(3))), get(FV)),
      set(L.e, get(L.x)),
      set(L.q, add(get(L.x), eq(get(L.ok), i32(2)))),
    ]),
  ]),
  when(eqz(get(L.ok)), [
    nextSeparator,
    set(L.e, get(L.q)),
    // a CR before the row's newline is not part of the last field
    when(gtU(get(L.e), get(L.s)), [when(eq(load8(sub(get(L.e), i32(1))), i32(CR)), [
      when(eq(load8(get(L.q)), i32(NL)), [set(L.e, sub(get(L.e), i32(1)))]),
    ])]),
  ]),
  store32(at4(L.starts, get(L.idx)), get(L.s)),
  store32(at4(L.ends, get(L.idx)), get(L.e)),
  store8(add(get(L.numOk), get(L.idx)), ne(get(L.ok), i32(0))),
];

function body(): number[] {
  const code: Code[] = [
    set(L.nfields, load32(get(CTRLP), CTRL.nfields)), set(L.d, load32(get(CTRLP), CTRL.delimiter)),
    set(L.fieldInfo, load32(get(CTRLP), CTRL.fieldInfo)), set(L.runs, load32(get(CTRLP), CTRL.runs)),
    set(L.starts, load32(get(CTRLP), CTRL.starts)), set(L.ends, load32(get(CTRLP), CTRL.ends)),
    set(L.nums, load32(get(CTRLP), CTRL.nums)), set(L.numOk, load32(get(CTRLP), CTRL.numOk)),
    set(L.rowOffsets, load32(get(CTRLP), CTRL.rowOffsets)),
    set(SD, splat8(get(L.d))), set(SN, splat8(i32(NL))),
    store32(get(CTRLP), i32(0), CTRL.status),
    block('done', [loop('rows', [
      brIf('done', geU(get(R), i32(MAX_ROWS))),
      brIf('done', geU(get(P), get(N))),
      set(L.rowStart, get(P)),
      set(L.c, load8(get(P))),
      // blank lines ("\n", "\r\n") are not rows
      when(eq(get(L.c), i32(NL)), [set(P, add(get(P), i32(1))), br('rows')]),
      when(eq(get(L.c), i32(CR)), [when(eq(load8(add(get(P), i32(1))), i32(NL)), [set(P, add(get(P), i32(2))), br('rows')])]),
      set(L.f, i32(0)),
      block('rowEnd', [loop('fields', [
        set(L.info, load32(at4(L.fieldInfo, get(L.f)))),
        when(ltS(get(L.info), i32(0)), [
          ...skipFields(load32(at4(L.runs, get(L.f)))),
          set(L.f, add(get(L.f), get(L.j))),
        ], [
          ...requestedField,
          set(L.f, add(get(L.f), i32(1))),
        ]),
        // q is the separator that ended the last field passed
        set(L.t, load8(get(L.q))),
        set(P, add(get(L.q), i32(1))),
        brIf('rowEnd', ne(get(L.t), get(L.d))),
        brIf('fields', ltU(get(L.f), get(L.nfields))),
        // more fields than the file has columns: count them all for the report
        ...skipFields(i32(0x7fffffff)),
        set(L.f, add(get(L.f), get(L.j))),
        set(P, add(get(L.q), i32(1))),
      ])]),
      when(ne(get(L.f), get(L.nfields)), [
        store32(get(CTRLP), get(R), CTRL.rows), store32(get(CTRLP), i32(1), CTRL.status),
        store32(get(CTRLP), get(L.rowStart), CTRL.badRow), store32(get(CTRLP), get(L.f), CTRL.badFields),
        returnP,
      ]),
      store32(at4(L.rowOffsets, get(R)), get(L.rowStart)),
      set(R, add(get(R), i32(1))),
      br('rows'),
    ])]),
    store32(get(CTRLP), get(R), CTRL.rows),
    returnP,
  ];
  const out: number[] = [];
  assemble(code, [], out);
  out.push(0x0b);
  return funcBody([[I32_LOCALS.length, I32], [1, I64], [1, F64], [3, V128]], out);
}

/** The module: `fn(p, n, r, ctrl) -> p` exported as fn, and its growable memory as memory. */
export function wasmRowsModule(): Uint8Array {
  const type = section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])]]));
  const funcs = section(3, vec([[0]]));
  const memory = section(5, vec([[0x00, ...uleb(1)]]));
  const exports = section(7, vec([[...name('fn'), 0x00, 0], [...name('memory'), 0x02, 0]]));
  const code = section(10, vec([body()]));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...funcs, ...memory, ...exports, ...code]);
}
