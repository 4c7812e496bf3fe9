// Errors raised by the Parquet reader and writer. Each names the file (and column or
// row group when there is one) and, where there is a fix, says what it is.

/** A file that cannot be read as asked: not Parquet/Arrow, truncated, changed since it was opened, unreadable. */
export class ParquetFileError extends Error {
  override name = 'ParquetFileError';
}

/** Options that do not fit the data: unknown columns, filters on missing columns or with values of the wrong type. */
export class ParquetOptionError extends Error {
  override name = 'ParquetOptionError';
}

