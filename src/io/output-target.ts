// Atomic outputs: every writer works in a hidden staging directory beside its target and, once everything is
// written and flushed, renames it into place. Before any work it refuses targets it may not replace.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { MANIFEST_NAME, notReplaceable } from './manifest.ts';

export interface OutputRequest {
  /** The path the user named. */
  readonly target: string;
  /** What ends up at the target: a directory of parts, or one file. */
  readonly kind: 'directory' | 'file';
  /** Replace an existing output (a directory only when its manifest proves tessera wrote it). */
  readonly overwrite: boolean;
  /** The call, for messages: 'toParquet', 'persist({to})'. */
  readonly what: string;
  /** Files the graph reads: the target may neither be one nor contain one. */
  readonly inputs: readonly string[];
  /** What to tell a user whose target exists and overwrite is off (default: pass {overwrite: true}). */
  readonly existsHint?: string;
  /** Builds the writer's error type. */
  readonly fail: (msg: string) => Error;
}

/** Staging outputs of this process not yet committed or removed (signal handlers remove them). */
const live = new Set<StagedOutput>();

/** A staging directory beside the target; commit() moves its result into place, abort() removes it. */
export class StagedOutput {
  private done = false;
  constructor(
    readonly request: OutputRequest,
    /** Absolute path of the target, symlinks in its existing part resolved. */
    readonly target: string,
    /** The private directory to write into. */
    readonly staging: string,
  ) {
    live.add(this);
  }

  /**
   * Move the result into place: the staging directory itself, or `from` inside it (required for kind 'file').
   * An old output is moved aside first and removed only after the new one is in place.
   */
  commit(from?: string): void {
    if (this.done) throw new Error('this output was already committed or removed');
    const { target, staging } = this;
    // Someone may have written to the target while we computed: check again just before replacing it.
    checkExisting(this.request, target);
    const source = from ?? staging;
    if (this.request.kind === 'file' && from === undefined) throw new Error('commit() of a file output needs the file to move');
    fsyncTree(staging);
    let aside: string | null = null;
    const old = fs.existsSync(target) ? fs.lstatSync(target) : null;
    if (old !== null && isEmptyDir(target)) {
      if (this.request.kind === 'file') fs.rmdirSync(target);
    } else if (old !== null && (old.isDirectory() || this.request.kind === 'directory')) {
      // rename(2) replaces a file atomically, but not a non-empty directory: move the old output aside first.
      aside = siblingName(target, 'old');
      fs.renameSync(target, aside);
    }
    fs.renameSync(source, target);
    fsyncDir(path.dirname(target));
    this.done = true;
    live.delete(this);
    if (aside !== null) fs.rmSync(aside, { recursive: true, force: true });
    if (from !== undefined) fs.rmSync(staging, { recursive: true, force: true });
  }

  /** Remove the staging directory; the target is untouched. Safe to call twice. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    live.delete(this);
    // Writers may still be adding files (the worker threads of a cancelled write run until their next write
    // fails). Renaming the directory away first makes every later write by path fail at once, so the tree
    // stops growing; the new name is a staging name, so a tree that cannot be removed now is removed by the
    // next write to this target once this process has ended.
    let doomed = this.staging;
    try {
      const away = siblingName(this.target, 'tmp');
      fs.renameSync(this.staging, away);
      doomed = away;
    } catch {
      // already gone, or cannot be renamed: remove it where it is
    }
    removeTree(doomed);
  }
}

/** Passes of removeTree before it gives up: each pass removes everything present when it reads a directory. */
const REMOVE_PASSES = 50;

/**
 * `rm -r` that tolerates writers still adding files (the worker threads of a write that an error or a signal
 * cancelled keep writing until their next write fails): a pass that finds a directory refilled after it
 * emptied it (ENOTEMPTY) is repeated, a bounded number of times.
 */
function removeTree(dir: string): void {
  for (let pass = 1; ; pass++) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || pass >= REMOVE_PASSES) throw e;
    }
  }
}

/**
 * Check that `request.target` may be written, then create its staging directory. Refuses (before any work):
 * a target that is or contains an input of the graph; an existing target unless overwrite is set; with
 * overwrite, a directory holding anything that a tessera manifest does not list.
 */
export function stageOutput(request: OutputRequest): StagedOutput {
  const { what, fail } = request;
  if (typeof request.target !== 'string' || request.target.length === 0) throw fail(`${what} needs a target path`);
  const target = realTarget(request.target);
  for (const input of request.inputs) {
    const real = realTarget(input);
    if (real === target) throw fail(`${what}: the target '${request.target}' is also an input of this frame; write somewhere else`);
    if (real.startsWith(target + path.sep)) {
      throw fail(`${what}: the target '${request.target}' contains '${input}', an input of this frame; write somewhere else`);
    }
  }
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  recoverDeadWrites(target);
  checkExisting(request, target);
  const staging = siblingName(target, 'tmp');
  fs.mkdirSync(staging);
  return new StagedOutput(request, target, staging);
}

/**
 * Remove every staging directory of this process, synchronously (for SIGINT/SIGTERM handlers). Never throws:
 * one that cannot be removed is named in the returned messages (and the next write to its target removes
 * it, as a dead process's), and the others are still removed.
 */
export function removeStagedOutputs(): string[] {
  const failures: string[] = [];
  for (const s of [...live]) {
    try {
      s.abort();
    } catch (e) {
      failures.push(`could not remove the staging directory '${s.staging}': ${(e as Error).message}`);
    }
  }
  return failures;
}

/** Run `body` in a staging output and commit what it returns; on any failure remove the staging directory. */
export async function withStagedOutput<T>(request: OutputRequest, body: (staged: StagedOutput) => Promise<{ result: T; from?: string }>): Promise<T> {
  const staged = stageOutput(request);
  try {
    const { result, from } = await body(staged);
    staged.commit(from);
    return result;
  } catch (e) {
    staged.abort();
    throw e;
  }
}

function checkExisting(request: OutputRequest, target: string): void {
  const { what, fail } = request;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch {
    return;
  }
  if (st.isDirectory()) {
    if (isEmptyDir(target)) return;
    if (!request.overwrite) throw fail(`${what}: directory '${request.target}' is not empty; ${request.existsHint ?? 'pass {overwrite: true} to replace a previous tessera output there'}`);
    const why = notReplaceable(target);
    if (why !== null) {
      throw fail(`${what}: will not replace directory '${request.target}': ${why}. overwrite only replaces a directory tessera wrote (it has a ${MANIFEST_NAME} listing every file); choose another target or empty it yourself`);
    }
    return;
  }
  if (!st.isFile()) throw fail(`${what}: '${request.target}' exists and is not a regular file or directory`);
  if (!request.overwrite) throw fail(`${what}: '${request.target}' exists; ${request.existsHint ?? 'pass {overwrite: true} to replace it'}`);
}

/** The absolute path with symlinks resolved in the part that exists (the rest does not exist yet). */
function realTarget(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest);
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return abs;
      rest.unshift(path.basename(cur));
      cur = up;
    }
  }
}

// `.<target>.tessera-<host>@<pid>-<hex>.tmp|old`; names without `<host>@` come from older versions (this host).
const SIBLING = /^\.(.*)\.tessera-(?:([A-Za-z0-9_]+)@)?(\d+)-[0-9a-f]+\.(tmp|old)$/;

/** This machine in a sibling name: a pid only means something on the host that made it (shared filesystems). */
const HOST_TAG = hostname().replace(/[^A-Za-z0-9]/g, '_') || 'host';

/** A hidden name beside `target` that says which process on which host made it (readers skip names starting with '.'). */
function siblingName(target: string, tag: 'tmp' | 'old'): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tessera-${HOST_TAG}@${process.pid}-${randomBytes(4).toString('hex')}.${tag}`);
}

/**
 * Clean up after a writer of this target that was killed: its staging directory is garbage; an old output it
 * had moved aside but not yet replaced is put back (when nothing took its place), so no data is lost. Only
 * names made on this host are judged: another machine's writer on a shared filesystem may be alive.
 */
function recoverDeadWrites(target: string): void {
  const dir = path.dirname(target);
  const base = path.basename(target);
  for (const name of fs.readdirSync(dir)) {
    const m = SIBLING.exec(name);
    if (!m || m[1] !== base || (m[2] !== undefined && m[2] !== HOST_TAG) || isAlive(Number(m[3]))) continue;
    const p = path.join(dir, name);
    if (m[4] === 'old' && !fs.existsSync(target)) fs.renameSync(p, target);
    else fs.rmSync(p, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isEmptyDir(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory() && fs.readdirSync(p).length === 0;
  } catch {
    return false;
  }
}

/** fsync every directory below and including `root` (files were flushed by their writers). */
export function fsyncTree(root: string): void {
  if (!fs.lstatSync(root).isDirectory()) return;
  for (const e of fs.readdirSync(root, { withFileTypes: true })) if (e.isDirectory()) fsyncTree(path.join(root, e.name));
  fsyncDir(root);
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Create the folders of `rel` below `root` one by one, never `root` itself: a task still running after its
 * output was aborted must fail, not recreate the staging directory that was just removed.
 */
export function mkdirBelow(root: string, rel: string): void {
  let cur = root;
  for (const seg of rel.split(/[\\/]/).filter((s) => s.length > 0 && s !== '.')) {
    cur = path.join(cur, seg);
    try {
      fs.mkdirSync(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
