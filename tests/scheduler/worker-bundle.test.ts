// The worker bundle of a source checkout: named by a hash of every source file, so a bundle of other
// sources is never started; equivalent to running from sources (the executor suites run on it).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeHash, workerBundle } from '../../src/scheduler/executors/worker-bundle.ts';

test('treeHash changes with any byte, file name or new file under the tree, and with the salt', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bundle-'));
  try {
    fs.mkdirSync(path.join(dir, 'a'));
    fs.writeFileSync(path.join(dir, 'a', 'x.ts'), 'export const x = 1;\n');
    fs.writeFileSync(path.join(dir, 'y.ts'), 'export const y = 2;\n');
    const h0 = treeHash(dir, 's');
    assert.is(treeHash(dir, 's'), h0, 'stable');
    assert.is.not(treeHash(dir, 't'), h0, 'salt');
    fs.writeFileSync(path.join(dir, 'a', 'x.ts'), 'export const x = 2;\n');
    const h1 = treeHash(dir, 's');
    assert.is.not(h1, h0, 'one byte');
    fs.renameSync(path.join(dir, 'y.ts'), path.join(dir, 'z.ts'));
    const h2 = treeHash(dir, 's');
    assert.is.not(h2, h1, 'a renamed file');
    fs.writeFileSync(path.join(dir, 'a', 'new.ts'), '');
    assert.is.not(treeHash(dir, 's'), h2, 'an added empty file');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the thread bundle is named by the hash of the current sources and holds the op registrations', () => {
  const url = workerBundle('thread-worker');
  assert.ok(url, 'bundle built');
  const file = fileURLToPath(url!);
  const src = fileURLToPath(new URL('../../src/', import.meta.url));
  const { version } = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../node_modules/esbuild/package.json', import.meta.url)), 'utf8')) as { version: string };
  assert.ok(file.endsWith(`thread-worker-${treeHash(src, `esbuild ${version}`)}.mjs`), file);
  // The entry only import()s the body (a tsx require hook must not turn the body into CommonJS).
  const entry = fs.readFileSync(file, 'utf8');
  assert.match(entry, /import\("\.\/thread-worker-[0-9a-f]{24}\.body\.mjs"\)/);
  assert.not.match(entry, /^import .* from/m);
  const text = fs.readFileSync(file.replace(/\.mjs$/, '.body.mjs'), 'utf8');
  assert.match(text, /registerOp\(CSV_READ_OP/);
  assert.match(text, /from "apache-arrow"/, 'packages stay external: one apache-arrow for bundle and user modules');
});

test('the process bundle is named by the same hash, holds the op registrations and the worker, and loads its body through import()', () => {
  const url = workerBundle('process-worker');
  assert.ok(url, 'bundle built');
  const file = fileURLToPath(url!);
  const thread = fileURLToPath(workerBundle('thread-worker')!);
  assert.is(path.basename(file).replace('process-worker-', ''), path.basename(thread).replace('thread-worker-', ''), 'one hash for both');
  assert.match(fs.readFileSync(file, 'utf8'), /^await import\("\.\/process-worker-[0-9a-f]{24}\.body\.mjs"\);$/m);
  const text = fs.readFileSync(file.replace(/\.mjs$/, '.body.mjs'), 'utf8');
  assert.match(text, /registerOp\(CSV_READ_OP/);
  assert.match(text, /process\.on\("message"/);
  assert.ok(text.indexOf('opsAlreadyLoaded()') < text.indexOf('process.on("message"'), 'ops registered before the first batch can arrive');
});

test('a worker starts with only the packages every task needs: papaparse and tinyglobby load on first use', () => {
  for (const name of ['thread-worker', 'process-worker']) {
    const body = fs.readFileSync(fileURLToPath(workerBundle(name)!).replace(/\.mjs$/, '.body.mjs'), 'utf8');
    const eager = new Set([...body.matchAll(/^(?:import|export)\b[^;]*?from "([^"]+)"/gms)].map((m) => m[1]!).filter((s) => !s.startsWith('node:')));
    assert.equal([...eager].sort(), ['apache-arrow', 'ndarray'], `${name}: packages imported at load`);
  }
});

test('a worker without a bundle entry gets none (it starts from the sources)', () => {
  assert.is(workerBundle('job-thread'), null);
});

test.run();
