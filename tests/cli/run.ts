// Runs the real `tessera` launcher (bin/tessera.mjs) as a child process, as a user would, and writes
// small fixture files. Shared by the CLI tests.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LAUNCHER = path.join(root, 'bin', 'tessera.mjs');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tessera(args: readonly string[], cwd = root): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
  delete env.FORCE_COLOR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh temporary directory holding the given files. */
export function fixtureDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-cli-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

// Two small CSV files with a null in each column type and a repeated carrier, so distinct and top
// values have a known answer.
export const FLIGHTS_A = 'carrier,delay,distance,cancelled\nAA,10,100,0\nUA,-5,200,0\nAA,,300,1\nDL,30.5,400,0\n';
export const FLIGHTS_B = 'carrier,delay,distance,cancelled\nAA,0,500,0\n,20,600,0\nUA,7,700,0\n';

/**
 * The same command run in this process through main() (no launcher start-up, ~1 s less under load):
 * for the many small cases; the launcher itself is covered by the spawned ones.
 */
export async function tesseraHere(args: readonly string[]): Promise<Run> {
  const { main } = await import('../../src/cli/main.ts');
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (l) => void (stdout += `${l}\n`), err: (l) => void (stderr += `${l}\n`) });
  return { code, stdout, stderr };
}
