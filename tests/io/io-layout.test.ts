// The io formats stay untangled (issue 11 item 5): Parquet and Arrow IPC do not import each other, and no
// writer runs the scheduler itself (they all write through io/write-partitions.ts on compute's run path).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const io = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'io');
const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/^import[^;]*? from '([^']+)'/gms)].map((m) => m[1]!);
const filesIn = (dir: string) => fs.readdirSync(path.join(io, dir)).filter((f) => f.endsWith('.ts')).map((f) => path.join(io, dir, f));

test('io/parquet and io/arrow-ipc do not import each other', () => {
  for (const [dir, other] of [['parquet', 'arrow-ipc'], ['arrow-ipc', 'parquet']] as const) {
    for (const f of filesIn(dir)) {
      const bad = importsOf(f).filter((s) => s.includes(`/${other}/`));
      assert.equal(bad, [], `${path.relative(io, f)} imports ${bad.join(', ')}`);
    }
  }
});

test('no io module drives the scheduler itself: writers go through write-partitions.ts', () => {
  const all = ['', 'parquet', 'arrow-ipc', 'csv'].flatMap(filesIn);
  assert.ok(all.length > 20);
  for (const f of all) {
    const bad = importsOf(f).filter((s) => /scheduler\/(run-graph|get-executor|optimize-graph)\.ts$/.test(s));
    assert.equal(bad, [], `${path.relative(io, f)} imports ${bad.join(', ')}`);
  }
  for (const w of ['parquet/write.ts', 'arrow-ipc/write.ts', 'csv/write.ts']) {
    assert.ok(importsOf(path.join(io, w)).includes('../write-partitions.ts'), w);
  }
});

test.run();
