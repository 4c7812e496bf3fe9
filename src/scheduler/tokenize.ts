// Deterministic tokens: the same operation on the same inputs and arguments always hashes to the same
// key, which is what lets compute(a, b) share work between a and b and merge graphs by key.

/** 53-bit string hash (cyrb53), returned as 14 hex digits. Not cryptographic; collisions are negligible at graph sizes. */
export function hashString(s: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/** Stable text form of plain data: object keys sorted, bigints and typed arrays marked, undefined kept. */
export function stableStringify(x: unknown): string {
  if (x === undefined) return 'u';
  if (x === null) return 'n';
  switch (typeof x) {
    case 'number':
      return Object.is(x, -0) ? '-0' : String(x);
    case 'bigint':
      return `${x}n`;
    case 'string':
      return JSON.stringify(x);
    case 'boolean':
      return x ? 't' : 'f';
    case 'function':
      throw new TypeError('functions cannot be part of a task token; register an op and refer to it by id');
  }
  if (Array.isArray(x)) return `[${x.map(stableStringify).join(',')}]`;
  if (ArrayBuffer.isView(x)) {
    // Hash contents so equal arrays share keys (cheap next to the work a graph over them does).
    const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    let s = '';
    for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
    return `${x.constructor.name}:${hashString(s)}`;
  }
  const tok = (x as { __token?: unknown }).__token;
  if (typeof tok === 'string') return `#${tok}`;
  const keys = Object.keys(x as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((x as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** A token for an operation name and its parts: `name-<hash>`, readable in explain() and errors. */
export function tokenize(name: string, ...parts: unknown[]): string {
  return `${name}-${hashString(stableStringify(parts))}`;
}

let uniqueCounter = 0;
/** A token for data with no cheap content hash (in-memory batches): unique per creation. */
export function uniqueToken(name: string): string {
  uniqueCounter += 1;
  return `${name}-${hashString(`${process.pid}:${Date.now()}:${uniqueCounter}:${Math.random()}`)}`;
}
