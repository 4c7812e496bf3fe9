import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tessera, tesseraHere } from './run.ts';

test('no command prints the overview and exits 2', async () => {
  const r = await tessera([]);
  assert.is(r.code, 2);
  assert.match(r.stdout, /Usage: tessera <command>/);
  for (const c of ['describe', 'head', 'convert']) assert.match(r.stdout, new RegExp(`\\n  ${c}\\s`));
});

test('--help exits 0; each command has its own --help', async () => {
  const top = await tessera(['--help']);
  const [d, h, c] = [await tesseraHere(['describe', '--help']), await tesseraHere(['head', '-h']), await tesseraHere(['convert', '--help'])];
  assert.is(top.code, 0);
  assert.is(d.code, 0);
  assert.match(d.stdout, /Usage: tessera describe/);
  assert.match(d.stdout, /--top <K>/);
  assert.is(h.code, 0);
  assert.match(h.stdout, /-n, --rows <N>/);
  assert.is(c.code, 0);
  assert.match(c.stdout, /Usage: tessera convert <inputs\.\.\.> <output>/);
});

test('unknown command: one-line error naming the commands, exit 2', async () => {
  const r = await tessera(['frobnicate', 'x.csv']);
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^tessera: error: unknown command 'frobnicate'; the commands are describe, head, convert/);
});

test('bad flag: one line, points at --help, exit 2', async () => {
  const r = await tessera(['describe', '--bogus', 'x.csv']);
  assert.is(r.code, 2);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^tessera describe: error: Unknown option '--bogus'; see 'tessera describe --help'/);
  const n = await tesseraHere(['head', 'x.csv', '-n', 'many']);
  const s = await tesseraHere(['head', 'x.csv', '--scheduler', 'gpu']);
  assert.is(n.code, 2);
  assert.match(n.stderr, /--rows needs an integer >= 0; got 'many'/);
  assert.is(s.code, 2);
  assert.match(s.stderr, /--scheduler must be threads, sync or processes; got 'gpu'/);
});

test('missing file: exit 1, one line without a stack; --debug adds the stack', async () => {
  const [r, d] = await Promise.all([tessera(['describe', 'no/such/file.csv']), tessera(['describe', 'no/such/file.csv', '--debug'])]);
  assert.is(r.code, 1);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^tessera describe: error: .*not found: 'no\/such\/file\.csv'/);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.is(d.code, 1);
  assert.match(d.stderr, /\n\s+at /);
});

test.run();
