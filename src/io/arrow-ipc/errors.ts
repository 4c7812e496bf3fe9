// Errors raised by the Arrow IPC reader and writer; each names the file and, where there is one, the fix.

export class ArrowIpcFileError extends Error {
  override name = 'ArrowIpcFileError';
}
