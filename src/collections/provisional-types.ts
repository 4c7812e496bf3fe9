// Column types a source inferred from a sample that may not have seen every value (readCsv's sampled bytes):
// such a column can still widen at compute (schema-conflicts.ts). A comparison of one with a string is not
// refused when the plan is built (the data may make the column a string: fuzz finding F5); the plan node
// records the column, and runOutputs reads it once before preparing (verifyColumns). Reading widens it through
// the usual conflict path if the data call for it, and the source then marks it verified; the plan prepared
// afterwards is typed strictly, so a column that really is bool is refused then, with the same message.

import type { Field } from 'apache-arrow';
import type { PartitionSource } from './source.ts';

export interface Origin {
  readonly source: PartitionSource & { markVerified(column: string): void };
  readonly column: string;
}

const provisional = new WeakMap<Field, Origin>();

/** Called by a source for each field whose type came from a sample and may still widen. */
export function markProvisional(field: Field, origin: Origin): void {
  provisional.set(field, origin);
}

export function originOf(field: Field): Origin | undefined {
  return provisional.get(field);
}

/** Fields accepted leniently while `leniently` runs; null outside it (typing is strict). */
let accepting: Field[] | null = null;
/** Inside strictly(): leniently() accepts nothing (the plan prepared for a run, after verifyColumns). */
let strict = false;

/** Runs `build` with strict typing throughout: a plan about to run must not compare a bool with a string. */
export function strictly<T>(build: () => T): T {
  const outer = strict;
  strict = true;
  try {
    return build();
  } finally {
    strict = outer;
  }
}

/** True inside strictly(): a plan is being prepared to run. */
export function typingIsStrict(): boolean {
  return strict;
}

/** Runs `typing` so that comparisons of provisional columns with strings pass; returns those columns' fields. */
export function leniently<T>(typing: () => T): { value: T; fields: Field[] } {
  const outer = accepting;
  const fields: Field[] = [];
  accepting = strict ? null : fields;
  try {
    return { value: typing(), fields };
  } finally {
    accepting = outer;
  }
}

/** May a comparison of `field` with a string pass for now? Only inside leniently(), and only for a provisional field. */
export function acceptProvisional(field: Field | undefined): boolean {
  if (!field || accepting === null || !provisional.has(field)) return false;
  accepting.push(field);
  return true;
}
