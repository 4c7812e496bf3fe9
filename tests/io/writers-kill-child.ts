// Child process for writers-kill.test.ts: builds a frame in memory, says "ready", then writes it with one
// writer so the parent can SIGKILL it at a random point of the write. Not a test file itself.

import { fromColumns, toArrowIpc, toCsv, toParquet } from '../../src/index.ts';

const [writer, target, rowsArg] = process.argv.slice(2) as [string, string, string];
const rows = Number(rowsArg);
const a = new Float64Array(rows);
const b = new Int32Array(rows);
for (let i = 0; i < rows; i++) {
  a[i] = i * 0.5;
  b[i] = i % 1000;
}
const df = fromColumns({ a, b, s: Array.from({ length: rows }, (_, i) => `row-${i % 5000}`) }, { npartitions: 8 });
const opts = { scheduler: 'sync', overwrite: true } as const;
process.stdout.write('ready\n');
if (writer === 'parquet') await toParquet(df, target, opts);
else if (writer === 'arrow') await toArrowIpc(df, target, opts);
else if (writer === 'csv') await toCsv(df, target, opts);
else if (writer === 'csv-single') await toCsv(df, target, { ...opts, singleFile: true });
else if (writer === 'persist') await df.persist({ to: target, scheduler: 'sync' });
else throw new Error(`unknown writer ${writer}`);
process.stdout.write('done\n');
