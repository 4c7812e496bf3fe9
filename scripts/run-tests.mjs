#!/usr/bin/env node
// npm test: type-check, then every tests/**/*.test.ts under uvu (TypeScript through tsx), then one
// closing line "N passed, N failed" that CI reads. Extra args filter test files by regex.
import { spawnSync, spawn } from 'node:child_process';

// A filter picks among test files only: uvu runs every file the regex matches, and a fixture such as
// tests/scheduler/fixtures/orphan-parent.ts, run as a test, leaves two worker processes spinning at 100% CPU.
const pattern = process.argv[2] === undefined ? '\\.test\\.ts$' : `^(?=.*(?:${process.argv[2]})).*\\.test\\.ts$`;

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
const typecheckFailed = tsc.status !== 0;
if (typecheckFailed) console.error('type-check failed (see above)');

const uvu = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'tests', pattern], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
uvu.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
});
uvu.on('close', (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  // A crashed run prints no summary: count it as one failure so it cannot look green.
  let failed = Math.max(0, total - passed - skipped);
  if (code !== 0 && failed === 0) failed = 1;
  if (typecheckFailed) failed += 1;
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed > 0 ? 1 : 0);
});
