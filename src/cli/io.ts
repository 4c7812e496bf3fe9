// Where a command writes: stdout for results, stderr for notes. Tests and main() pass the process's.

export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
}

export const processIO: CommandIO = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

/**
 * `tessera head big.csv --json | head -1`: the reader closes the pipe early and the next write fails with
 * EPIPE. That is the reader's choice, not a failure: stop quietly, as Unix tools do when SIGPIPE ends them
 * (Node ignores the signal itself, so it arrives as that write error, or as the signal if sent by hand).
 */
export function exitQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  process.on('SIGPIPE', () => process.exit(0));
}
