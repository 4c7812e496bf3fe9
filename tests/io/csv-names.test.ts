// Column names are data: headers such as __proto__, constructor, toString, valueOf and hasOwnProperty read
// like any other name, through inference, dtype, parseDates, columns and both parsers.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCsv } from '../../src/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csv-names-'));
const HOSTILE = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', '__defineGetter__'];

test('hostile headers: every column present, typed and summed like any other', async () => {
  const p = path.join(dir, 'hostile.csv');
  fs.writeFileSync(p, `${HOSTILE.join(',')}\n${HOSTILE.map((_, i) => i + 1).join(',')}\n${HOSTILE.map((_, i) => 10 * (i + 1)).join(',')}\n`);
  for (const engine of ['fast', 'papaparse'] as const) {
    const df = readCsv(p, { engine });
    const t = await df.toArrow({ scheduler: 'sync' });
    assert.equal(t.schema.fields.map((f) => f.name), HOSTILE);
    assert.equal(t.schema.fields.map((f) => String(f.type)), HOSTILE.map(() => 'Int32'));
    for (const [i, name] of HOSTILE.entries()) {
      assert.equal([...t.getChild(name)!], [i + 1, 10 * (i + 1)], name);
      assert.is(await df.col(name).sum().compute({ scheduler: 'sync' }), 11 * (i + 1), name);
    }
  }
});

test('dtype, parseDates and columns keyed by hostile names', async () => {
  const p = path.join(dir, 'typed.csv');
  fs.writeFileSync(p, '__proto__,constructor,toString\n1,2028-10-15,x\n2,2028-10-16,y\n');
  // JSON.parse makes '__proto__' an own key, as a user's config file would.
  const dtype = JSON.parse('{"__proto__": "float64", "toString": "category"}');
  const t = await readCsv(p, { dtype, parseDates: ['constructor'] }).toArrow({ scheduler: 'sync' });
  assert.equal(t.schema.fields.map((f) => String(f.type)), ['Float64', 'Date32<DAY>', 'Dictionary<Int32, Utf8>']);
  const only = await readCsv(p, { columns: ['toString', '__proto__'] }).toArrow({ scheduler: 'sync' });
  assert.equal(only.schema.fields.map((f) => f.name), ['toString', '__proto__']);
  assert.equal([...only.getChild('__proto__')!], [1, 2]);
  // A dtype for a column the file lacks is still an error, even when the name is an Object.prototype member.
  assert.throws(() => readCsv(p, { dtype: JSON.parse('{"hasOwnProperty": "int32"}') }), /options\.dtype names 'hasOwnProperty'/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
