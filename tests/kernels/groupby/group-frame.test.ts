// GroupFrame's typed accessors: numbers()/strings()/booleans() return the column as that type (nulls kept as
// NaN / null) and refuse a column of another type, naming it and the accessor to use.

import { Table, vectorFromArray, Bool, Utf8, Int32 } from 'apache-arrow';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GroupFrame } from '../../../src/kernels/groupby/group-frame.ts';

function frame(): GroupFrame {
  const t = new Table({
    n: vectorFromArray([1, null, 3], new Int32()),
    s: vectorFromArray(['a', null, 'é'], new Utf8()),
    b: vectorFromArray([true, null, false], new Bool()),
  });
  return new GroupFrame(t.batches[0]!, Object.create(null));
}

test('numbers/strings/booleans return each column typed, nulls as NaN or null', () => {
  const g = frame();
  const n = g.numbers('n');
  assert.ok(n instanceof Float64Array);
  assert.equal([n[0], Number.isNaN(n[1]!), n[2]], [1, true, 3]);
  assert.equal(g.strings('s'), ['a', null, 'é']);
  assert.equal(g.booleans('b'), [true, null, false]);
});

test('a column of another type is a TypeError naming the column and the accessor to use', () => {
  const g = frame();
  assert.throws(() => g.numbers('s'), /group column 's' is Utf8, not numeric; read it with strings\(\)/);
  assert.throws(() => g.strings('n'), /group column 'n' is Int32, not string; read it with numbers\(\)/);
  assert.throws(() => g.booleans('n'), /not boolean; read it with numbers\(\)/);
  assert.throws(() => g.numbers('nope'), /group has no column 'nope'/);
});

test.run();
