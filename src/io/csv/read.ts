// The public CSV reader: readCsv is synchronous and lazy (only headers and samples are read here).
// Writing (toCsv) is in write.ts.

import { DataFrame } from '../../collections/dataframe.ts';
import type { CsvOptions } from './options.ts';
import { csvSource } from './scan.ts';

/** A lazy DataFrame over CSV files: a path, a directory, a glob ('data/*.csv', '**\/*.csv.gz') or a list of them. */
export function readCsv(input: string | readonly string[], options: CsvOptions = {}): DataFrame {
  return DataFrame.fromSource(csvSource(input, options));
}
