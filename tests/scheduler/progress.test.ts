import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Graph, task, ref } from '../../src/scheduler/graph.ts';
import { runGraph } from '../../src/scheduler/run-graph.ts';
import { SyncExecutor } from '../../src/scheduler/executors/sync.ts';
import { fuseLinearChains } from '../../src/scheduler/optimize-graph.ts';
import { type Progress, barAllowed, progressBar, progressCallback, progressListeners, registerBytesRead } from '../../src/scheduler/progress.ts';
import './fixtures/test-ops.ts';
import { within } from './fixtures/deadline.ts';

const sync = new SyncExecutor();

/** A terminal stand-in that records what is drawn. */
function fakeTTY(): { isTTY: true; columns: number; text: () => string; write(s: string): boolean } {
  const chunks: string[] = [];
  return { isTTY: true, columns: 100, text: () => chunks.join(''), write: (s: string) => (chunks.push(s), true) };
}

/** n tasks of 'test.async' (5 ms each, off the event loop so timers can fire), reduced by one sum. */
function asyncGraph(n: number): { graph: Graph; out: string } {
  const g: Graph = new Map();
  for (let i = 0; i < n; i++) g.set(`a#${i}`, task(`a#${i}`, 'test.async', [i]));
  g.set('sum#0', task('sum#0', 'test.sumAll', [...Array(n).keys()].map((i) => ref(`a#${i}`))));
  return { graph: g, out: 'sum#0' };
}

const tty = { isTTY: true };
const noCI = { TERM: 'xterm' };

test('onProgress: done counts up to total, with elapsed time', async () => {
  const seen: Progress[] = [];
  const { graph, out } = asyncGraph(5);
  await runGraph(graph, [out], sync, { listeners: [progressCallback((p) => seen.push(p))] });
  assert.equal(seen.map((p) => p.done), [1, 2, 3, 4, 5, 6]);
  assert.ok(seen.every((p) => p.total === 6 && p.bytesRead === null && p.elapsedMs >= 0));
});

test('onProgress: bytes read are summed from ops that declare them, inside fused chains too', async () => {
  registerBytesRead('test.range', (args) => (args[0] as number) * 8);
  try {
    const g: Graph = new Map();
    for (let i = 0; i < 3; i++) {
      g.set(`r#${i}`, task(`r#${i}`, 'test.range', [100, 0]));
      g.set(`s#${i}`, task(`s#${i}`, 'test.sum', [ref(`r#${i}`)]));
    }
    g.set('t#0', task('t#0', 'test.sumAll', [0, 1, 2].map((i) => ref(`s#${i}`))));
    const fused = fuseLinearChains(g, ['t#0']);
    let last: Progress | null = null;
    await runGraph(fused, ['t#0'], sync, { listeners: [progressCallback((p) => (last = p))] });
    assert.is(last!.bytesRead, 2400);
    assert.is(last!.done, 4);
  } finally {
    registerBytesRead('test.range', () => null);
  }
});

test('onProgress: a throwing callback warns once and does not fail the compute', async () => {
  let calls = 0;
  const warnings: string[] = [];
  const onWarn = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarn);
  const { graph, out } = asyncGraph(3);
  const r = await runGraph(graph, [out], sync, {
    listeners: [
      progressCallback(() => {
        calls += 1;
        throw new Error('callback bug');
      }),
    ],
  });
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarn);
  assert.is(r.get(out), 3);
  assert.is(calls, 1);
  assert.match(warnings.join(), /onProgress threw .*callback bug/);
});

test('bar: drawn for a compute still running after the delay, ending at total', async () => {
  const stream = fakeTTY();
  const { graph, out } = asyncGraph(30);
  await within(10_000, runGraph(graph, [out], sync, { listeners: [progressBar({ stream, stdout: tty, env: noCI, delayMs: 30 })] }));
  assert.match(stream.text(), /tessera \[sync\] .* 100% \| 31\/31 tasks/);
});

test('bar: not drawn when the compute ends before the delay', async () => {
  const stream = fakeTTY();
  const { graph, out } = asyncGraph(2);
  await runGraph(graph, [out], sync, { listeners: [progressBar({ stream, stdout: tty, env: noCI, delayMs: 500 })] });
  assert.is(stream.text(), '');
});

test('bar: stopped cleanly when the compute fails', async () => {
  const stream = fakeTTY();
  const g: Graph = asyncGraph(20).graph;
  g.set('boom#0', task('boom#0', 'test.throw', ['nope']));
  g.set('end#0', task('end#0', 'test.sumAll', [ref('sum#0'), ref('boom#0')]));
  const listener = progressBar({ stream, stdout: tty, env: noCI, delayMs: 10 });
  await runGraph(g, ['end#0'], sync, { listeners: [listener] }).catch(() => {});
  const before = stream.text().length;
  await new Promise((r) => setTimeout(r, 150));
  assert.is(stream.text().length, before, 'nothing drawn after the failure');
});

test('bar: off in CI, off when stdout or the bar stream is not a TTY, off for TERM=dumb', () => {
  const stream = fakeTTY();
  assert.ok(barAllowed({ stream, stdout: tty, env: noCI }));
  assert.not.ok(barAllowed({ stream, stdout: tty, env: { CI: 'true' } }));
  assert.not.ok(barAllowed({ stream, stdout: tty, env: { GITHUB_ACTIONS: 'true' } }));
  assert.ok(barAllowed({ stream, stdout: tty, env: { CI: 'false' } }));
  assert.not.ok(barAllowed({ stream, stdout: { isTTY: false }, env: noCI }));
  assert.not.ok(barAllowed({ stream: { write: () => true }, stdout: tty, env: noCI }));
  assert.not.ok(barAllowed({ stream, stdout: tty, env: { TERM: 'dumb' } }));
});

test('progressListeners: bar only when progress is on and allowed; callback when given', () => {
  const stream = fakeTTY();
  const bar = { stream, stdout: tty, env: noCI };
  assert.is(progressListeners({ progress: true }, bar).length, 1);
  assert.is(progressListeners({ progress: false }, bar).length, 0);
  assert.is(progressListeners({ progress: true }, { ...bar, env: { CI: '1' } }).length, 0);
  assert.is(progressListeners({ progress: false, onProgress: () => {} }, bar).length, 1);
  assert.throws(() => progressListeners({ progress: false, onProgress: 5 as never }), /onProgress must be a function/);
});

test.run();
