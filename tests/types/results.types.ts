// Type tests, checked by tsc in `npm test` (never run): compute() results are typed per argument, and
// the wrong uses are errors (@ts-expect-error fails the type-check when the line stops being an error).
import { type Computed, type DataFrame, type GroupFrame, type Scalar, type Series, Table, Vector, compute, udf } from '../../src/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T>(_: T): void {}
function assertEqual<A, B>(_: Equal<A, B>): void {}

export async function typedResults(df: DataFrame, s: Series): Promise<void> {
  const [mean, count, sum, table, vector, extra] = await compute(s.mean(), s.count(), s.sum(), df, s, 42);
  assertEqual<typeof mean, number | null>(true);
  assertEqual<typeof count, number>(true);
  assertEqual<typeof sum, number | bigint>(true);
  assertEqual<typeof table, Table>(true);
  assertEqual<typeof vector, Vector>(true);
  assertEqual<typeof extra, 42>(true);

  // A trailing options object is not a result.
  const withOptions = await compute(s.mean(), s.any(), { scheduler: 'sync' });
  assertEqual<typeof withOptions, [number | null, boolean]>(true);
  // @ts-expect-error: two results, not three
  const [, , third] = withOptions;
  void third;

  // Each collection's own compute() agrees.
  assertEqual<Awaited<ReturnType<Scalar<number | null>['compute']>>, number | null>(true);
  assertEqual<Computed<typeof s>, Vector>(true);
  expectType<Table>(await df.groupby('g').apply(udf(import.meta.url, 'fit')).compute());

  const m = await s.mean().compute();
  // @ts-expect-error: a mean may be null (no data); narrow before using it as a number
  const doubled: number = m * 2;
  void doubled;
  // @ts-expect-error: a count is a number, never a string
  const label: string = await s.count().compute();
  void label;

  // Spread arrays stay arrays of the union.
  const many = await compute(...[s.mean(), s.std()]);
  expectType<(number | null)[]>(many);
}

export function fit(g: GroupFrame): { n: number } {
  return { n: g.numRows };
}

// Typed group columns: no cast needed, and the union accessor is not a Float64Array.
export function typedColumns(g: GroupFrame): number {
  const y: Float64Array = g.numbers('y');
  const names: Array<string | null> = g.strings('name');
  const flags: Array<boolean | null> = g.booleans('ok');
  // @ts-expect-error col() is the untyped union accessor
  const z: Float64Array = g.col('y');
  return y.length + names.length + flags.length + z.length;
}
