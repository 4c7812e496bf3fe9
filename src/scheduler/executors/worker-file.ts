// Locating a worker entry both from the TypeScript sources (run under tsx) and from the built package:
// built code sits next to `<name>.js`; sources load `<name>.ts` through a `.mjs` shim that registers tsx,
// because worker threads and child processes do not inherit the parent's tsx loader.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WorkerFile {
  /** The file to start (a .js entry, or the .mjs shim in front of a .ts entry). */
  readonly url: URL;
  readonly fromSources: boolean;
}

export function workerFile(name: string): WorkerFile {
  const js = new URL(`../worker/${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js, fromSources: false };
  const shim = new URL(`../worker/${name}-shim.mjs`, import.meta.url);
  if (existsSync(fileURLToPath(shim))) return { url: shim, fromSources: true };
  throw new Error(`tessera worker entry not found: neither ${fileURLToPath(js)} nor ${fileURLToPath(shim)} exists`);
}
