// The public CSV reader: readCsv is synchronous and lazy (only headers and samples are read here).
// Writing (toCsv) is in write.ts.

import { DataFrame } from '../../collections/dataframe.ts';
import { CsvOptionError } from './errors.ts';
import type { CsvOptions } from './options.ts';
import { csvSource } from './scan.ts';
import { checkDateFormats } from '../../collections/verbs/dates.ts';

/**
 * A lazy DataFrame over CSV files: a path, a directory, a glob ('data/*.csv', '**\/*.csv.gz') or a list of them.
 * Files come in list order (a glob's matches sorted); a file named twice (a repeated path, overlapping globs) is read once.
 */
export function readCsv(input: string | readonly string[], options: CsvOptions = {}): DataFrame {
  const p = options?.parseDates;
  // parseDates: {column: format} (issue 18): those columns are parsed with their format by the reader.
  if (typeof p === 'object' && p !== null && !Array.isArray(p)) checkDateFormats(options, p as Record<string, string>, (m) => new CsvOptionError(m));
  return DataFrame.fromSource(csvSource(input, options));
}
