// tessera: lazy, partitioned, Arrow-backed DataFrames for Node.js. This is the one public entry.

export { DataFrame, ReducedRow, type FrameReductionOptions } from './collections/dataframe.ts';
export { Series, type SeriesOperand } from './collections/series.ts';
export { Scalar } from './collections/scalar.ts';
export { compute, type ComputeOptions, type ProgressInfo } from './collections/compute.ts';
export type { Computed, ComputeResults } from './collections/result-types.ts';
export { toRecords, toObjects, toColumns, formatTable, vectorValues, type PlainValue, type FormatOptions } from './collections/results.ts';
// The Arrow classes results are made of, from the same apache-arrow copy tessera uses (instanceof works).
export { Table, Vector, RecordBatch, Schema, Field, DataType, type TypeMap } from 'apache-arrow';
export { fromArrow, fromColumns, fromRecordBatches, type PartitionOptions, type ColumnInput } from './collections/constructors.ts';
export type { PartitionSource, PartitionTaskSpec } from './collections/source.ts';
export type { ReductionOptions } from './collections/reductions.ts';
export type { ScalarValue } from './kernels/summary.ts';
export { config, withConfig, type Config, type ConfigOptions, type SchedulerName } from './config.ts';
export { registerBytesRead, type Progress } from './scheduler/progress.ts';
export { registerErrorClass } from './scheduler/remote-errors.ts';
export { closeExecutors } from './scheduler/get-executor.ts';
export { TaskError, type RunListener } from './scheduler/run-graph.ts';
export { CycleError } from './scheduler/order.ts';
export { kernelStats, resetKernelStats } from './kernels/stats.ts';
export { readCsv, toCsv, type ToCsvOptions } from './io/csv/read.ts';
export type { CsvOptions, CsvDtype } from './io/csv/options.ts';
export { CsvParseError, CsvFileError, CsvOptionError } from './io/csv/errors.ts';
export { GroupBy, GroupedColumn, customAgg, type CustomAggregation, type GroupByOptions, type AggOptions, type AggSpec, type ApplyOptions, type GroupFunction } from './collections/groupby.ts';
export { AppliedFrame } from './collections/applied-frame.ts';
export { GroupFrame } from './kernels/groupby/group-frame.ts';
export { udf, type ModuleUdf } from './collections/udf.ts';
export { isTesseraWorker, WorkerComputeError } from './scheduler/worker-guard.ts';
export type { GroupAggName } from './kernels/groupby/aggregate.ts';
export { readParquet, toParquet, type ParquetReadOptions, type ToParquetOptions } from './io/parquet/read.ts';
export { ParquetFileError, ParquetOptionError } from './io/parquet/errors.ts';
export { readArrowIpc, toArrowIpc, type ArrowIpcReadOptions, type ToArrowIpcOptions } from './io/arrow-ipc/read.ts';
export { ArrowIpcFileError } from './io/arrow-ipc/errors.ts';
export { COLLECTION, isCollection, type Collection, type Output } from './collections/output.ts';
export { registerKernelBackend, type KernelBackend, type KernelOp } from './kernels/backend.ts';
