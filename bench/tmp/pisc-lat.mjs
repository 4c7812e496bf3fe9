// scratch: worker->main result latency through piscina (atomics disabled, 2 tasks per worker), vs raw postMessage
import { Piscina } from 'piscina';
import { isMainThread } from 'node:worker_threads';
const filename = new URL('./pisc-lat-worker.mjs', import.meta.url).href;
const pool = new Piscina({ filename, minThreads: 2, maxThreads: 2, concurrentTasksPerWorker: Number(process.argv[2] ?? 2), atomics: 'disabled' });
await Promise.all([pool.run({ ms: 1 }), pool.run({ ms: 1 })]);
const lats = [], starts = [];
for (let i = 0; i < 40; i++) {
  const t0 = performance.timeOrigin + performance.now();
  const rs = await Promise.all([0, 1].map(() => pool.run({ t0 }).then((r) => [...r, performance.timeOrigin + performance.now()])));
  for (const [tStart, tPost, , tRecv] of rs) { lats.push(tRecv - tPost); starts.push(tStart - t0); }
  await new Promise((r) => setTimeout(r, 20));
}
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(p * a.length)].toFixed(3);
console.log('piscina post->recv median', q(lats, 0.5), 'p90', q(lats, 0.9), '| call->worker start median', q(starts, 0.5), 'p90', q(starts, 0.9));
await pool.destroy();
