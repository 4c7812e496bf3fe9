// Recognising naValues in byte slices without making strings: a first-byte table rejects almost every
// field (digits never start 'NA', 'NaN', 'null') before any comparison.

export class NaMatcher {
  private readonly values: Uint8Array[];
  private readonly maxLen: number;
  private readonly firstByte = new Uint8Array(256);
  readonly empty: boolean;

  constructor(na: readonly string[]) {
    this.values = na.filter((s) => s.length > 0).map((s) => Buffer.from(s, 'utf8'));
    this.maxLen = Math.max(0, ...this.values.map((v) => v.length));
    for (const v of this.values) this.firstByte[v[0]!] = 1;
    this.empty = na.includes('');
  }

  test(b: Uint8Array, s: number, e: number): boolean {
    const len = e - s;
    if (len === 0) return this.empty;
    if (len > this.maxLen || this.firstByte[b[s]!] === 0) return false;
    return this.compare(b, s, len);
  }

  private compare(b: Uint8Array, s: number, len: number): boolean {
    for (let j = 0; j < this.values.length; j++) {
      const v = this.values[j]!;
      if (v.length !== len) continue;
      let i = 0;
      while (i < len && v[i] === b[s + i]) i++;
      if (i === len) return true;
    }
    return false;
  }
}
