// The one run path: outputs -> prepare -> run on a Session -> finish, and after a schema conflict (a
// source learned its samples were wrong) prepare again from the sources' current state and restart.
// compute(), head(), persist() and every writer go through runOutputs; nothing else opens a Session.

import { type Config, type ConfigOptions, configKeys, resolveConfig } from '../config.ts';
import { type Progress, progressListeners } from '../scheduler/progress.ts';
import { type Key, ref } from '../scheduler/graph.ts';
import { type RunListener, Session } from '../scheduler/session.ts';
import { RunDeadline } from '../scheduler/cancel.ts';
import { getExecutor } from '../scheduler/get-executor.ts';
import { tokenize } from '../scheduler/tokenize.ts';
import { effectiveBackend, kernelBackend } from '../kernels/backend.ts';
import { requireGpu } from '../kernels/gpu/device.ts';
import type { Field } from 'apache-arrow';
import { type FrameNode, describePlan, inputsOf, sourceNode } from './plan.ts';
import { COLLECTION } from './output.ts';
import { type Origin, originOf, strictly } from './provisional-types.ts';
import type { Output } from './output.ts';
import { type Prepared, prepare } from './prepare.ts';
import { MAX_SCHEMA_RESTARTS, resolveConflict } from './schema-conflicts.ts';
import { makeSpillDirs, removeSpillDirs } from './shuffle/spill.ts';

/** Options accepted by compute() and by each collection's compute()/toArrow()/head()/persist() and writers. */
export interface ComputeOptions extends ConfigOptions {
  /** Called after every finished task with tasks done / total, bytes read where known, elapsed time. */
  onProgress?: (p: Progress) => void;
  /** Extra scheduler listeners (tests, tracing). */
  listeners?: readonly RunListener[];
  /** Cancel the computation: pending work stops and compute() rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Milliseconds after which the computation is cancelled with a TimeoutError. */
  timeout?: number;
}

const RUN_KEYS = ['onProgress', 'listeners', 'signal', 'timeout'] as const;

/** Every key compute() options may hold (the config keys and the per-run ones). */
export const COMPUTE_OPTION_KEYS: readonly string[] = [...configKeys(), ...RUN_KEYS];

/** The settings of one run: validated config, listeners, cancellation. Throws a TypeError naming an unknown key. */
export interface RunSettings {
  readonly cfg: Config;
  readonly listeners: readonly RunListener[];
  readonly signal: AbortSignal | undefined;
  readonly timeout: number | undefined;
  /** The call, for messages ('compute()', 'head()', ...). */
  readonly where?: string;
}

export function runSettings(options: ComputeOptions, where = 'compute()'): RunSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where} options must be an object; got ${String(options)}`);
  for (const k of Object.keys(options)) {
    if (!COMPUTE_OPTION_KEYS.includes(k)) throw new TypeError(`${where}: unknown option '${k}'; known options: ${COMPUTE_OPTION_KEYS.join(', ')}`);
  }
  const { onProgress, listeners = [], signal, timeout, ...configOptions } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError(`${where}: onProgress must be a function`);
  if (!Array.isArray(listeners)) throw new TypeError(`${where}: listeners must be an array of listener objects`);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`${where}: signal must be an AbortSignal (from new AbortController().signal)`);
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) throw new TypeError(`${where}: timeout must be a positive number of milliseconds; got ${String(timeout)}`);
  const cfg = resolveConfig(configOptions);
  return { cfg, listeners: [...listeners, ...progressListeners({ progress: cfg.progress, onProgress })], signal, timeout, where };
}

/** What to do with a prepared graph on a fresh session; the default asks for every output key. */
export type Drive<T> = (prepared: Prepared, session: Session) => Promise<T>;

const gatherAll: Drive<unknown[]> = async (prepared, session) => {
  session.submit(prepared.graph, prepared.keys);
  const values = await session.gather(prepared.keys);
  return prepared.finish(new Map(prepared.keys.map((k, i) => [k, values[i]])));
};

/**
 * THE run path. Prepares `outputs`, hands the graph to `drive` on a new Session, and on a schema conflict
 * resolved by one of the sources read, prepares again from the sources' current state and restarts
 * (whichever compute changed the source). Cancellation (signal, timeout) covers every attempt.
 */
export async function runOutputs(outputs: readonly Output[], options: ComputeOptions | RunSettings): Promise<unknown[]>;
export async function runOutputs<T>(outputs: readonly Output[], options: ComputeOptions | RunSettings, drive: Drive<T>): Promise<T>;
export async function runOutputs(outputs: readonly Output[], options: ComputeOptions | RunSettings, drive: Drive<unknown> = gatherAll): Promise<unknown> {
  const settings = isRunSettings(options) ? options : runSettings(options);
  const { cfg, listeners } = settings;
  kernelBackend(effectiveBackend(cfg)); // an unknown backend fails here, before any work, naming the known ones
  if (cfg.kernels === 'gpu') await requireGpu(); // no adapter: a clear error now, not a CPU run in disguise
  const executor = getExecutor(cfg);
  const stop = cancellation(settings);
  // One deadline for every attempt; sessions also check it between inline tasks, where timers cannot fire.
  const deadline = settings.timeout === undefined ? null : { at: performance.now() + settings.timeout, ms: settings.timeout };
  const changes: string[] = [];
  try {
    for (;;) {
      stop.signal?.throwIfAborted();
      let prepared: Prepared | null = null;
      let session: Session | null = null;
      try {
        await verifyColumns(outputs, settings);
        prepared = strictly(() => prepare(outputs, cfg));
        makeSpillDirs(prepared.spillDirs);
        session = new Session(executor, { listeners, signal: stop.signal, deadline, taskTimeoutMs: cfg.taskTimeout, what: settings.where });
        const result = await drive(prepared, session);
        session.close();
        removeSpillDirs(prepared.spillDirs);
        return result;
      } catch (e) {
        session?.cancel(e);
        // Shuffle files of this attempt go with it (a retry prepares new ones).
        if (prepared) removeSpillDirs(prepared.spillDirs);
        const retry = prepared !== null && changes.length < MAX_SCHEMA_RESTARTS && !stop.signal?.aborted;
        const change = retry ? resolveConflict(e, prepared!.sources) : null;
        if (change === null) {
          if (changes.length > 0 && e instanceof Error) e.message += ` (after widening: ${changes.join('; ')})`;
          throw e;
        }
        changes.push(change);
      }
    }
  } finally {
    stop.dispose();
  }
}

/**
 * Sampled columns the plan compares with strings (provisional-types.ts) are read once, in full, before the plan
 * is prepared: a value their type cannot hold widens them (schema conflicts, as in any read), and their source
 * then marks them verified, so the plan prepared next is typed against their real type.
 */
async function verifyColumns(outputs: readonly Output[], settings: RunSettings): Promise<void> {
  const seen = new Set<FrameNode>();
  const pending = new Map<string, Origin>();
  const walk = (node: FrameNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    note(node.kind === 'filter' || node.kind === 'assign' ? node.verify : undefined);
    for (const input of inputsOf(node)) walk(input);
  };
  function note(fields: readonly Field[] | undefined): void {
    if (fields) {
      for (const field of fields) {
        const origin = originOf(field);
        // still provisional in the source's current schema (not widened or verified by an earlier run)
        const now = origin?.source.schema.fields.find((f) => f.name === origin.column);
        if (origin && now && originOf(now)) pending.set(`${origin.source.token}\u0000${origin.column}`, origin);
      }
    }
  }
  for (const o of outputs) {
    for (const f of o.frames) walk(f.node);
    for (const r of o.reductions) {
      note(r.verify);
      walk(r.frame);
    }
  }
  if (pending.size === 0) return;
  const { DataFrame } = await import('./dataframe.ts'); // a static import would be circular
  for (const { source, column } of pending.values()) {
    const count = new DataFrame(sourceNode(source, [column])).col(column).count();
    await runOutputs([count[COLLECTION]()], { ...settings, where: `${settings.where ?? 'compute()'} (reading column '${column}' in full: its type came from a sample)` });
    source.markVerified(column);
  }
}

function isRunSettings(x: ComputeOptions | RunSettings): x is RunSettings {
  return 'cfg' in x && typeof (x as RunSettings).cfg === 'object';
}

/** One signal for the whole run: the caller's, and a timer for `timeout`. */
function cancellation(s: RunSettings): { signal: AbortSignal | undefined; dispose(): void } {
  if (s.timeout === undefined) return { signal: s.signal, dispose() {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(s.signal!.reason);
  if (s.signal?.aborted) controller.abort(s.signal.reason);
  else s.signal?.addEventListener('abort', onAbort, { once: true });
  // The session turns a RunDeadline into a TimeoutError naming the tasks that were running. The timer stays
  // referenced: a pending compute with a timeout must see it fire, not let the process exit under it.
  const timer = setTimeout(() => controller.abort(new RunDeadline(s.timeout!)), s.timeout);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      s.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * An output that hands partition i of `node` to `op` with `argsFor(n)[i]` appended, inside the same graph
 * (writers: each partition is written by the task that computed it, fused into its chain, in parallel).
 * `argsFor` gets the partition count after optimisation (filters may prune partitions). Finishes to each
 * op's value, in partition order.
 */
export function partitionSinks(node: FrameNode, op: string, argsFor: (npartitions: number) => ReadonlyArray<readonly unknown[]>): Output<unknown[]> {
  return {
    frames: [{ node, need: null }],
    reductions: [],
    withFrames: (rw) => partitionSinks(rw.frame(node), op, argsFor),
    lower(builder): Key[] {
      const parts = builder.frame(node);
      const args = argsFor(parts.length);
      return parts.map((p, i) => builder.addTask(`${tokenize('sink', op, p, args[i])}#${i}`, op, [ref(p), ...args[i]!]));
    },
    finish: (values) => [...values],
    explain: () => `${op} on every partition of\n${describePlan(node, '  ')}`,
  };
}

/** Run `op` on every partition of a frame through the run path (see partitionSinks); resolves to each value. */
export async function runPartitionSinks(node: FrameNode, op: string, argsFor: (npartitions: number) => ReadonlyArray<readonly unknown[]>, options: ComputeOptions = {}): Promise<unknown[]> {
  const [values] = await runOutputs([partitionSinks(node, op, argsFor)], runSettings(options, 'writing'));
  return values as unknown[];
}
