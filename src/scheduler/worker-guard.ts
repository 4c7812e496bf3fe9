// Keeps a worker from re-running the caller's analysis. Workers import user-function modules to find the
// function, which runs the module's top-level code in every worker: a compute() there would start the
// whole analysis again, with pools of its own (a fork bomb). This is Python's `if __name__ == '__main__'`.

import type { SchedulerName } from '../config.ts';
import { registerErrorClass } from './remote-errors.ts';
import { TS_EXTENSION, prepareTypeScriptImport } from './typescript-in-workers.ts';

/** Why a compute was refused inside a worker. The message says how to restructure the code. */
export class WorkerComputeError extends Error {
  readonly code = 'TESSERA_COMPUTE_IN_WORKER';
  constructor(message: string) {
    super(message);
    this.name = 'WorkerComputeError';
  }
}

registerErrorClass(WorkerComputeError);

interface GuardState {
  inWorker: boolean;
  /** User modules being imported right now (their top-level code is running). */
  importing: string[];
  /** Computes refused during a module's import, by module: that import (and every later one, which the
   *  module cache would answer without running the module again) fails with the reason, even if the
   *  module dropped the rejection. */
  refused: Map<string, WorkerComputeError>;
}

// On globalThis under a registered symbol: a second copy of tessera loaded in the same worker (another
// path to the package) still sees the one state.
const KEY = Symbol.for('tessera.worker-guard');
function state(): GuardState {
  const g = globalThis as unknown as Record<symbol, GuardState | undefined>;
  return (g[KEY] ??= { inWorker: false, importing: [], refused: new Map() });
}

/** Called once by every worker entry, thread or process. */
export function markWorker(): void {
  const s = state();
  if (s.inWorker) return;
  s.inWorker = true;
  // A module that calls compute() without awaiting it leaves our rejection unhandled, which would kill the
  // worker before the import could report the reason; every other unhandled rejection still crashes it.
  process.on('unhandledRejection', (reason) => {
    if (reason instanceof Error && (reason as { code?: unknown }).code === 'TESSERA_COMPUTE_IN_WORKER') return;
    throw reason;
  });
}

/**
 * True inside a tessera worker (thread or process). A script that is both the analysis and the home of
 * a user function can wrap its analysis in `if (!isTesseraWorker()) { ... }`; a separate module is cleaner.
 */
export function isTesseraWorker(): boolean {
  return state().inWorker;
}

/** Refuse, before any work, a compute that a worker must not run. Called wherever an executor is chosen. */
export function assertMayCompute(scheduler: SchedulerName): void {
  const s = state();
  if (!s.inWorker) return;
  const module = s.importing[s.importing.length - 1];
  if (module !== undefined) {
    const err = new WorkerComputeError(
      `compute() was called while a tessera worker was importing ${module} to find a user function. Workers import ` +
        `that module once each, so its top-level code runs in every worker: the analysis would start again in each ` +
        `of them. Move the function into a module of its own (e.g. ols.ts exporting fitOls, used as ` +
        `udf(new URL('./ols.ts', import.meta.url).href, 'fitOls')), or wrap the top-level analysis in ` +
        `\`if (!isTesseraWorker()) { ... }\`, like Python's \`if __name__ == '__main__'\`. See docs/USER-FUNCTIONS.md.`,
    );
    if (!s.refused.has(module)) s.refused.set(module, err);
    throw err;
  }
  if (scheduler !== 'sync') {
    throw new WorkerComputeError(
      `a user function called compute() with the '${scheduler}' scheduler inside a tessera worker; workers never ` +
        `start pools of their own. Pass {scheduler: 'sync'} to a compute made inside a user function.`,
    );
  }
}

/** import() a user module (a user function's home or a workerModules entry) with the guard armed. */
export async function importUserModule(url: string): Promise<Record<string, unknown>> {
  const s = state();
  s.importing.push(url);
  let mod: Record<string, unknown>;
  try {
    await prepareTypeScriptImport(url);
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw s.refused.get(url) ?? explainImportError(url, err);
  } finally {
    s.importing.splice(s.importing.lastIndexOf(url), 1);
  }
  // The module swallowed the refusal (or never awaited it): the import still fails, with the reason.
  const refused = s.refused.get(url);
  if (refused) throw refused;
  return mod;
}

function explainImportError(url: string, err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && TS_EXTENSION.test(new URL(url).pathname)) {
    return new TypeError(
      `cannot import the TypeScript module ${url}: this process runs plain JavaScript (node without a TypeScript ` +
        `loader), and so do its workers. Point udf() at the compiled .js file instead, or run your script with tsx ` +
        `(\`npx tsx script.ts\` or \`node --import tsx script.js\`), which workers inherit.`,
      { cause: err },
    );
  }
  return err;
}
