#!/usr/bin/env node
// Installs a folder's own dependencies (bench/, datasets/, docs/api-tool/) the first time a script needs
// them: tools the tests never use stay out of the root `npm ci`. Re-installs when the folder's lock changed.
// usage: node scripts/install-tools.mjs DIR...
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

for (const arg of process.argv.slice(2)) {
  const dir = resolve(arg);
  const lock = join(dir, 'package-lock.json');
  if (!existsSync(lock)) {
    console.error(`install-tools: ${lock} is missing`);
    process.exit(1);
  }
  // npm writes node_modules/.package-lock.json after every install: newer than the lock means up to date.
  const installed = join(dir, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) continue;
  console.error(`installing the dependencies of ${arg}/ once (npm ci --prefix ${arg}) ...`);
  const r = spawnSync(npm, ['ci', '--prefix', dir, '--no-audit', '--no-fund'], { stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`install-tools: npm ci in ${arg}/ failed (exit ${r.status}); it needs the npm registry once`);
    process.exit(r.status ?? 1);
  }
}
