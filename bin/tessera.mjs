#!/usr/bin/env node
// The `tessera` command. The built package runs dist/cli/main.js; a source checkout (no dist/) runs
// src/cli/main.ts through tsx's loader, registered here because bin scripts start under plain node.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli/main.js', import.meta.url);
let entry;
if (existsSync(fileURLToPath(built))) {
  entry = built.href;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../src/cli/main.ts', import.meta.url).href;
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
