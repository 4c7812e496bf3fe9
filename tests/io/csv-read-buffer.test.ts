// A worker thread reads every CSV partition into one buffer it keeps (io/csv/ops.ts): nothing a finished
// partition holds may point into it. One worker parses partitions of different sizes in turn (the buffer
// is reused and grown); every value must equal the sync scheduler's, which reads into fresh buffers.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCsv } from '../../src/index.ts';
import { rng } from '../helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csv-buffer-'));

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('partitions parsed one after another in one worker keep their own strings, codes and numbers', async () => {
  const r = rng(19);
  const words = ['Zürich', '東京', 'a,b', 'x"y', '', 'plain', 'São Paulo'];
  const files: string[] = [];
  // A small file (one short partition), then long rows: later partitions need a larger buffer than the first.
  for (const [f, width, n] of [[0, 4, 100], [1, 200, 3000]] as const) {
    const lines = ['id,name,code,value'];
    for (let i = 0; i < n; i++) {
      const w = words[Math.floor(r() * words.length)]!;
      const name = `${w}${'n'.repeat(Math.floor(r() * width))}${i}`;
      const quoted = /[,"]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
      lines.push(`${f * 10000 + i},${quoted},C${Math.floor(r() * 5)},${(r() * 1000 - 500).toFixed(3)}`);
    }
    const file = path.join(dir, `part${f}.csv`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    files.push(file);
  }
  const df = readCsv(files, { blocksize: 16 * 1024, dtype: { code: 'category' } });
  assert.ok(df.npartitions > 8, `${df.npartitions} partitions`);
  const rows = (t: { toArray(): Array<Record<string, unknown>> }) => t.toArray().map((x) => [x.id, x.name, String(x.code), x.value]);
  const want = rows(await df.compute({ scheduler: 'sync' }));
  const got = rows(await df.compute({ scheduler: 'threads', numWorkers: 1 }));
  assert.is(got.length, 3100);
  assert.equal(got, want);
});

test.run();
