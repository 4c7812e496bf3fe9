// A module function for the mapPartitions tests: shipped to workers by udf(url, 'rowCount').
import type { GroupFrame } from '../../../src/index.ts';

export function rowCount(f: GroupFrame): { rows: Int32Array } {
  return { rows: Int32Array.of(f.numRows) };
}
