// What must be equal on the client and on a worker for a task to mean the same thing: tessera's package
// version and the content of every user module the task loads (workerModules and udf(module, name)).

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPlainObject } from '../graph.ts';

export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const cache = new Map<string, { stamp: string; hash: string }>();

/** sha256 of a module's file (file: URLs), or of its specifier (a package name: its version is the package's concern). */
export function moduleHash(url: string): string {
  if (!url.startsWith('file:')) return `spec:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
  const path = fileURLToPath(url);
  let stamp: string;
  try {
    const st = statSync(path);
    stamp = `${st.size}/${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
  const hit = cache.get(url);
  if (hit && hit.stamp === stamp) return hit.hash;
  const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
  cache.set(url, { stamp, hash });
  return hash;
}

/** Module URLs of user functions referenced in task arguments (udf(import.meta.url, 'name') refs). */
export function udfModulesIn(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const x of value) udfModulesIn(x, out);
  } else if (isPlainObject(value)) {
    if (value.kind === 'module' && typeof value.module === 'string' && typeof value.export === 'string') out.add(value.module);
    else for (const x of Object.values(value)) udfModulesIn(x, out);
  }
  return out;
}

/** Why a worker refuses a task, or null when it may run it. */
export function versionMismatch(client: { version: string; modules: Readonly<Record<string, string>> }, host: string): string | null {
  if (client.version !== PACKAGE_VERSION) {
    return `the worker on ${host} runs tessera ${PACKAGE_VERSION} but the client runs ${client.version}: install the same version on every host and restart the workers`;
  }
  for (const [url, hash] of Object.entries(client.modules)) {
    const mine = moduleHash(url);
    if (mine !== hash) {
      return mine === 'missing'
        ? `the worker on ${host} cannot find the user module ${url}: put the same code at the same path on every worker host (a shared checkout) and restart the workers`
        : `the user module ${url} differs on the worker on ${host} (content hash ${mine}, client ${hash}): deploy the same code to every host and restart the workers`;
    }
  }
  return null;
}
