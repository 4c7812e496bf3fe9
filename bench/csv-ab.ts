// Parser regression check: the same CSV partition parsed by two checkouts of tessera (before/after a change),
// alternating fresh processes, timed in CPU time (user+sys) so other load on a shared box skews it less.
// usage: node --import tsx bench/csv-ab.ts BASE_TREE NEW_TREE FILE [COLUMNS|*] [ROUNDS=5]
//   (a BASE_TREE: `git worktree add --detach /tmp/base <commit> && ln -s $PWD/node_modules /tmp/base/`)
// Prints each tree's per-process best and the median of those bests, and NEW/BASE.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const [base, next, file, columns = '*', roundsArg = '5', child] = process.argv.slice(2);
if (!base || !next || !file) throw new Error('usage: bench/csv-ab.ts BASE_TREE NEW_TREE FILE [COLUMNS|*] [ROUNDS]');

if (child === '--child') {
  // One process: parse partition 0 (the whole file) five times, print the best CPU milliseconds.
  const tree = base;
  const { readPartition } = await import(path.join(tree, 'src/io/csv/ops.ts'));
  const { csvSource } = await import(path.join(tree, 'src/io/csv/scan.ts'));
  const src = csvSource(file, { blocksize: fs.statSync(file).size + 1 });
  const plan = src.partitionTask(0, columns === '*' ? null : columns.split(',')).args[0];
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const c0 = process.cpuUsage();
    readPartition(plan);
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  console.log(best.toFixed(1));
} else {
  const bests: Record<string, number[]> = { [base]: [], [next]: [] };
  for (let r = 0; r < Number(roundsArg); r++) {
    for (const tree of [base, next]) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', process.argv[1]!, tree, tree, file, columns, '1', '--child'], { encoding: 'utf8' });
      bests[tree]!.push(Number(out.trim()));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  for (const tree of [base, next]) console.log(`${tree}: bests ${bests[tree]!.join(' ')} ms, median ${median(bests[tree]!)} ms`);
  console.log(`new/base (medians): ${(median(bests[next]!) / median(bests[base]!)).toFixed(3)}x`);
}
