// The worker bundle of a source checkout: named by a hash of every source file, so a bundle of other
// sources is never started; equivalent to running from sources (the executor suites run on it).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeHash, workerBundle } from '../../src/scheduler/executors/worker-bundle.ts';
import { withoutTsx } from '../../src/scheduler/typescript-in-workers.ts';

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
  const text = fs.readFileSync(file, 'utf8');
  assert.match(text, /registerOp\(CSV_READ_OP/);
  assert.match(text, /from "apache-arrow"/, 'packages stay external: one apache-arrow for bundle and user modules');
});

test('withoutTsx drops only the flags that load tsx', () => {
  assert.equal(withoutTsx(['--import', 'tsx', '--max-old-space-size=512']), ['--max-old-space-size=512']);
  assert.equal(withoutTsx(['--import=tsx', '--require', '/x/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///x/node_modules/tsx/dist/loader.mjs', '--enable-source-maps']), ['--enable-source-maps']);
  assert.equal(withoutTsx(['--import', './setup.mjs', '--conditions', 'dev', '-r', 'dotenv/config']), ['--import', './setup.mjs', '--conditions', 'dev', '-r', 'dotenv/config']);
});

test.run();
