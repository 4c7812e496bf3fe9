// The one way every writer writes a frame: each partition is written by the task that computed it (in
// parallel, through compute's run path), into a staging directory with a manifest, then committed atomically.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataFrame } from '../collections/dataframe.ts';
import { type ComputeOptions, runPartitionSinks } from '../collections/run-path.ts';
import { type FrameNode, inputsOf } from '../collections/plan.ts';
import { MANIFEST_NAME, type ManifestPart, type OutputFormat, makeManifest, writeManifest } from './manifest.ts';
import { type OutputRequest, withStagedOutput } from './output-target.ts';

/** What a write task returns for each file it wrote (absolute path inside the staging directory). */
export interface WrittenFile {
  readonly file: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface PartitionWriter {
  readonly format: OutputFormat;
  /** Registered op called as op(batch, plan) for each partition; returns WrittenFile[] (or one). */
  readonly op: string;
  /** The plain-data plan of partition i, writing below directory `dir`. */
  readonly plan: (i: number, dir: string) => unknown;
  /** Write a frame with no partitions (a schema-only file, so it reads back); returns what it wrote. */
  readonly empty: (dir: string) => WrittenFile[];
}

/** The files every source under `node` reads. */
export function inputFilesOf(node: FrameNode): string[] {
  // A merge or concat reads several sources: every one of them is an input.
  const files = new Set<string>();
  const stack = [node];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    if (cur.kind === 'source') for (const f of cur.source.inputFiles?.() ?? []) files.add(f);
    else stack.push(...inputsOf(cur));
  }
  return [...files];
}

/**
 * Write `df` as a directory of parts at `target`, atomically: nothing is visible at the target until every
 * part and the manifest are on disk. Returns the written paths as seen from `target` (as the user spelled it).
 */
export async function writeDirectory(df: DataFrame, target: string, writer: PartitionWriter, request: Omit<OutputRequest, 'target' | 'kind' | 'inputs'>, options: ComputeOptions): Promise<string[]> {
  return withStagedOutput({ ...request, target, kind: 'directory', inputs: inputFilesOf(df.node) }, async (staged) => {
    const parts = await writeParts(df, staged.staging, writer, options);
    return { result: parts.map((p) => path.join(target, ...p.path.split('/'))) };
  });
}

/** Write every partition into the (empty, private) directory `dir` and add the manifest. */
export async function writeParts(df: DataFrame, dir: string, writer: PartitionWriter, options: ComputeOptions): Promise<ManifestPart[]> {
  // The one run path (collections/run-path.ts): a CSV column widened mid-run re-prepares and restarts.
  const values = await runPartitionSinks(df.node, writer.op, (n) => Array.from({ length: n }, (_, i) => [writer.plan(i, dir)]), options);
  let written = values.flatMap((v) => (Array.isArray(v) ? v : [v]) as WrittenFile[]);
  if (written.length === 0) written = writer.empty(dir);
  const parts = written.map((w): ManifestPart => ({ path: path.relative(dir, w.file).split(path.sep).join('/'), rows: w.rows, bytes: w.bytes }));
  removeUnlisted(dir, new Set(parts.map((p) => p.path)));
  writeManifest(dir, makeManifest(writer.format, df.schema, parts));
  return parts;
}

/**
 * A schema-widening retry may have left files of the first attempt (say, another hive folder) in the
 * private staging directory: the output holds exactly what the successful run wrote.
 */
function removeUnlisted(dir: string, keep: ReadonlySet<string>, rel = ''): void {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      removeUnlisted(dir, keep, r);
      if (fs.readdirSync(path.join(dir, r)).length === 0) fs.rmdirSync(path.join(dir, r));
    } else if (!keep.has(r) && r !== MANIFEST_NAME) {
      fs.rmSync(path.join(dir, r), { force: true });
    }
  }
}

/** Names of partitions 0..n-1 must differ, or two tasks would write the same file. */
export function checkNames(n: number, name: (i: number) => string, what: string, fail: (msg: string) => Error): void {
  const names = Array.from({ length: Math.max(1, n) }, (_, i) => name(i));
  for (const nm of names) {
    if (typeof nm !== 'string' || nm.length === 0 || path.isAbsolute(nm) || nm.split(/[\\/]/).includes('..') || nm === MANIFEST_NAME) {
      throw fail(`${what} nameFunction must return a relative file name inside the target (not '${MANIFEST_NAME}'); got ${JSON.stringify(nm)}`);
    }
  }
  if (new Set(names).size !== names.length) throw fail(`${what} nameFunction must give a different name to every partition`);
}
