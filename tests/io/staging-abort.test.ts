// Removing a staging directory while writers are still adding files to it (worker threads of a write that a
// signal or an error cancelled): abort() must still remove it whole, and the signal handlers' sweep must not
// throw (a throw there ended `tessera convert` without its signal's exit status and left the directory behind).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeStagedOutputs, stageOutput } from '../../src/io/output-target.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-staging-abort-'));

/** A thread that writes small files into `dir` as fast as it can until a write fails (the directory is gone). */
function busyWriter(dir: string): { ready: Promise<void>; done: Promise<number> } {
  const source = `
    const fs = require('node:fs'); const path = require('node:path'); const { workerData, parentPort } = require('node:worker_threads');
    let i = 0;
    for (;;) {
      try { fs.writeFileSync(path.join(workerData, 'part-' + i + '.bin'), 'x'); } catch { break; }
      if (++i === 2000) parentPort.postMessage('ready');
    }
    parentPort.postMessage(i);`;
  const w = new Worker(source, { eval: true, workerData: dir });
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const done = new Promise<number>((resolve, reject) => {
    w.on('message', (m) => (m === 'ready' ? ready() : resolve(m as number)));
    w.on('error', reject);
  });
  return { ready: readyP, done };
}

const request = (target: string) => ({ target, kind: 'directory' as const, overwrite: false, what: 'test', inputs: [], fail: (m: string) => new Error(m) });

for (let rep = 0; rep < 8; rep++) {
  test(`abort() removes a staging directory whose writers are still adding files (rep ${rep})`, async () => {
    const staged = stageOutput(request(path.join(root, `out-${rep}`)));
    const inner = path.join(staged.staging, 'nested');
    fs.mkdirSync(inner);
    const writers = [busyWriter(inner), busyWriter(staged.staging)];
    await Promise.all(writers.map((w) => w.ready));
    if (rep % 2 === 0) staged.abort();
    else removeStagedOutputs(); // the signal handlers' sweep
    assert.not.ok(fs.existsSync(staged.staging), 'the staging directory is gone');
    const written = await Promise.all(writers.map((w) => w.done));
    assert.ok(written.every((n) => n >= 2000));
    assert.not.ok(fs.existsSync(staged.staging), 'and stays gone');
  });
}

test.after(() => fs.rmSync(root, { recursive: true, force: true }));
test.run();
