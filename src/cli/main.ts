// The `tessera` command: dispatches to one module per command, and turns every failure into one line on
// stderr and a non-zero exit (1: the work failed, 2: the command was wrong); --debug adds the stack.

import { closeExecutors } from '../scheduler/get-executor.ts';
import { describeCommand, DESCRIBE_HELP } from './describe.ts';
import { convertCommand, CONVERT_HELP } from './convert.ts';
import { headCommand, HEAD_HELP } from './head.ts';
import { workerCommand, WORKER_HELP } from './worker.ts';
import { EXIT_FAILURE, EXIT_USAGE, UsageError, oneLine } from './errors.ts';
import { type CommandIO, exitQuietlyWhenOutputCloses, processIO } from './io.ts';

type Command = (argv: readonly string[], io: CommandIO) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string; summary: string }> = {
  describe: { run: describeCommand, help: DESCRIBE_HELP, summary: 'schema and one-pass statistics of every column' },
  head: { run: headCommand, help: HEAD_HELP, summary: 'the first rows' },
  convert: { run: convertCommand, help: CONVERT_HELP, summary: 'CSV <-> Parquet <-> Arrow IPC' },
  worker: { run: workerCommand, help: WORKER_HELP, summary: "run tasks of the 'distributed' scheduler on this host" },
};

export const MAIN_HELP = `Usage: tessera <command> [options]

Lazy, partitioned, Arrow-backed DataFrames for Node.js, from the command line.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'tessera <command> --help' for a command's options. Files may be CSV, Parquet or Arrow IPC, a
directory, or a glob in quotes ('data/*.csv').`;

export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  const debug = argv.includes('--debug');
  if (io === processIO) exitQuietlyWhenOutputCloses();
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      if (name === 'help' && rest[0] && COMMANDS[rest[0]]) io.out(COMMANDS[rest[0]]!.help);
      else io.out(MAIN_HELP);
      return name === undefined ? EXIT_USAGE : 0;
    }
    if (name === '--version' || name === '-v') {
      io.out('tessera 0.1.0');
      return 0;
    }
    const command = COMMANDS[name];
    if (!command) {
      const hint = name.startsWith('-') ? 'options come after the command' : `the commands are ${Object.keys(COMMANDS).join(', ')}`;
      throw new UsageError(`unknown command '${name}'; ${hint} (see 'tessera --help')`);
    }
    return await command.run(rest, io);
  } catch (err) {
    const where = err instanceof UsageError && err.command ? `tessera ${err.command}` : name && COMMANDS[name] ? `tessera ${name}` : 'tessera';
    io.err(`${where}: error: ${oneLine(err)}`);
    if (debug && err instanceof Error) io.err(err.stack ?? String(err));
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    await closeExecutors();
  }
}
