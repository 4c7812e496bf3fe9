// Column names are data, and any string is a valid name ('__proto__', 'constructor', ''). A record keyed
// by names must therefore never consult Object.prototype: these build such records and fill them safely.

/** An empty record with no prototype, for internal lookups by name ('constructor' is absent until set). */
export function nameRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * Set `name` as an own, enumerable property, also when it is '__proto__' (a plain assignment would set the
 * object's prototype instead and the column would vanish). For records users see, which stay ordinary objects.
 */
export function setOwn<T>(record: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true });
  else record[name] = value;
}

/** An ordinary object holding exactly these entries, whatever the names. */
export function recordOf<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries) setOwn(out, k, v);
  return out;
}

/** The entries of names-as-keys input: a Map (any name, in insertion order) or an object's own enumerable keys. */
export function entriesOf<T>(input: ReadonlyMap<string, T> | Record<string, T>): Array<[string, T]> {
  if (input instanceof Map) return [...input.entries()];
  return Object.keys(input).map((k) => [k, (input as Record<string, T>)[k]!]);
}
