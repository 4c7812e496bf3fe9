// NumPy's float % and ** where JavaScript's operators differ, shared by the DataFrame and array kernels so
// the two collections cannot disagree on them.

/** x mod y with the divisor's sign, a zero result included (NumPy: 0.0 % -3.0 is -0.0; JS % keeps the dividend's). */
export function floatMod(x: number, y: number): number {
  const mod = x % y; // NaN when y is 0 or x infinite
  if (mod !== 0) return y < 0 !== mod < 0 ? mod + y : mod;
  return y < 0 ? -0 : 0;
}

/** x ** y, except that 1 ** anything and (-1) ** ±Infinity are 1 in NumPy (JS gives NaN). */
export function floatPow(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return x ** y;
}
