// Counters that make the engine's work observable: how many partitions were produced by sources and
// how many scanning passes kernels made. Tests use them to prove one-pass fusion without timing anything.

export const kernelStats = {
  /** Partitions produced by a source (in-memory or file reader) in this process. */
  partitionReads: 0,
  /** Full passes over a column made by reduction kernels. */
  reductionPasses: 0,
};

export function resetKernelStats(): void {
  kernelStats.partitionReads = 0;
  kernelStats.reductionPasses = 0;
}
