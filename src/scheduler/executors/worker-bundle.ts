// One-file builds of the worker entries for a source checkout. Workers started from the TypeScript sources
// compile ~150 modules each through tsx (0.8-2.5 s per pool start); a bundle built by esbuild loads in ~0.1 s.
// Bundles live in .cache/worker-bundles/, built by `npm ci` (the prepare script) or on first use, and are
// named by a hash of every file under src/: a bundle of other sources is never found, so never run.
// Each is two files: the entry piscina starts, which only import()s the body. Under a tsx caller a worker
// inherits tsx's require hook and piscina require()s its entry: a body loaded that way would become
// CommonJS with a CommonJS apache-arrow beside the ESM one user modules get (instanceof and schema encoding
// break between the two copies). import() keeps the body, like user modules, in the ESM graph.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SRC = fileURLToPath(new URL('../../', import.meta.url));
const ROOT = path.dirname(SRC);
export const BUNDLE_DIR = path.join(ROOT, '.cache', 'worker-bundles');

/** The bundle entry of each worker: the worker's own module plus every op registration, imported statically. */
const ENTRIES: Record<string, string> = {
  'thread-worker': 'scheduler/worker/thread-worker-bundle.ts',
  'process-worker': 'scheduler/worker/process-worker-bundle.ts',
};

/** Bundles older than this that belong to other sources are removed when a new one is written. */
const STALE_MS = 60 * 60 * 1000;

let sourceHash: string | null = null;

/** Hash of every file under src/ (paths and contents) and of the esbuild version; computed once per process unless `fresh`. */
export function sourcesHash(esbuildVersion: string, fresh = false): string {
  if (!sourceHash || fresh) sourceHash = treeHash(SRC, `esbuild ${esbuildVersion}`);
  return sourceHash;
}

/** Hash of the relative paths and contents of every file under `dir`, in a fixed order, salted. */
export function treeHash(dir: string, salt: string): string {
  const h = createHash('sha256');
  h.update(`${salt}\n`);
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        h.update(`${path.relative(dir, p)}\0`);
        h.update(fs.readFileSync(p));
        h.update('\0');
      }
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 24);
}

interface Esbuild {
  readonly version: string;
  buildSync(options: Record<string, unknown>): unknown;
}

function loadEsbuild(): Esbuild | null {
  try {
    return createRequire(import.meta.url)('esbuild') as Esbuild;
  } catch {
    return null; // no devDependencies (an installed package runs dist/ and never gets here)
  }
}

/** Why the last bundle could not be used (for tests and diagnostics), or null. */
export let lastBundleProblem: string | null = null;

/**
 * The bundle of worker `name` for the current sources, built now if missing; null when it cannot be had
 * (esbuild absent, build failed, unwritable directory, or TESSERA_WORKER_BUNDLE=off): the caller then
 * starts workers from the sources through tsx, which is slower but equivalent.
 */
export function workerBundle(name: string): URL | null {
  lastBundleProblem = null;
  const entry = ENTRIES[name];
  if (!entry) return null;
  if (process.env.TESSERA_WORKER_BUNDLE === 'off') {
    lastBundleProblem = 'TESSERA_WORKER_BUNDLE=off';
    return null;
  }
  const esbuild = loadEsbuild();
  if (!esbuild) {
    lastBundleProblem = 'esbuild is not installed';
    return null;
  }
  try {
    const hash = sourcesHash(esbuild.version);
    const file = path.join(BUNDLE_DIR, `${name}-${hash}.mjs`);
    if (!fs.existsSync(file) && !build(esbuild, name, path.join(SRC, entry), file, () => sourcesHash(esbuild.version, true) === hash)) {
      lastBundleProblem = 'the sources changed while the bundle was being built';
      return null;
    }
    return pathToFileURL(file);
  } catch (e) {
    lastBundleProblem = (e as Error).message;
    return null;
  }
}

/** Build every worker bundle for the current sources (the prepare script); returns the files. */
export function buildWorkerBundles(): string[] {
  const out: string[] = [];
  for (const name of Object.keys(ENTRIES)) {
    const url = workerBundle(name);
    if (!url) throw new Error(`worker bundle '${name}' was not built: ${lastBundleProblem}`);
    out.push(fileURLToPath(url));
  }
  return out;
}

/** Build `entry` into `file`; false (nothing written) when `unchanged()` says the sources moved meanwhile. */
function build(esbuild: Esbuild, name: string, entry: string, file: string, unchanged: () => boolean): boolean {
  fs.mkdirSync(BUNDLE_DIR, { recursive: true });
  // Written under a unique name and renamed into place: a concurrent reader sees the whole file or none.
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    esbuild.buildSync({
      entryPoints: [entry],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Packages stay imports resolved from the project's node_modules: one apache-arrow for the caller,
      // the bundle and user modules alike (instanceof holds across them).
      packages: 'external',
      // Error classes travel by constructor name and user functions by export name: no renaming.
      keepNames: true,
      logLevel: 'silent',
    });
    // The name promises these sources: a file edited during the build would make it a lie.
    if (!unchanged()) return false;
    // The body first: an entry on disk means its body is there too.
    fs.renameSync(tmp, bodyOf(file));
    fs.writeFileSync(tmp, entrySource(path.basename(bodyOf(file)), name));
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  pruneStale(file);
  return true;
}

const bodyOf = (file: string): string => file.replace(/\.mjs$/, '.body.mjs');

/** The entry module: the thread worker's default export, or (process worker) just the body's side effects. */
function entrySource(body: string, name: string): string {
  const spec = JSON.stringify(`./${body}`);
  if (name === 'thread-worker') {
    return `// Generated by tessera (src/scheduler/executors/worker-bundle.ts): loads the body through import().\n` +
      `let body = null;\nexport default async function runBundledThreadBatch(req) {\n  body ??= import(${spec});\n  return (await body).default(req);\n}\n`;
  }
  return `// Generated by tessera (src/scheduler/executors/worker-bundle.ts): loads the body through import().\nawait import(${spec});\n`;
}

function pruneStale(keep: string): void {
  const now = Date.now();
  for (const n of fs.readdirSync(BUNDLE_DIR)) {
    const p = path.join(BUNDLE_DIR, n);
    if (p === keep || p === bodyOf(keep) || !/^[a-z-]+-[0-9a-f]{24}(\.body)?\.mjs(\.\d+\.[a-z0-9]+\.tmp)?$/.test(n)) continue; // ours only
    try {
      if (now - fs.statSync(p).mtimeMs > STALE_MS) fs.rmSync(p, { force: true });
    } catch {
      // another process removed it first
    }
  }
}
