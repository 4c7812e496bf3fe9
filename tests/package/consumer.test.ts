// The package as an npm user gets it: `npm pack` output unpacked into a fresh project, scripts in JavaScript
// and TypeScript run under plain node, `node --import tsx` and the `tsx` CLI, on every scheduler, including
// user-function modules (.js and .ts), a module that calls compute() at top level, and the CLI.
// Offline and quick: the build skips type-checking (npm test type-checks), dependencies are linked from
// this checkout's node_modules instead of downloaded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; files: string[] };
const dir = mkdtempSync(join(tmpdir(), 'tessera-consumer-'));
const project = join(dir, 'project');

/** Build into a staging copy of the package (never the checkout's dist/, which bin/tessera.mjs would pick up) and pack it. */
function packAndInstall(): void {
  const stage = join(dir, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'bin']) cpSync(join(repo, f), join(stage, f), { recursive: true });
  execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(stage, 'dist'), '--noCheck', '--declaration', 'false'], { stdio: 'inherit' });
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: stage, encoding: 'utf8' });
  const [{ filename, files }] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
  const paths = files.map((f) => f.path);
  assert.ok(paths.includes('LICENSE') && paths.includes('bin/tessera.mjs') && paths.includes('dist/index.js'), paths.join(', '));
  assert.not.ok(paths.some((p) => p.endsWith('.map') || p.startsWith('src/') || p.startsWith('tests/')), 'only dist, bin and docs ship');

  const installed = join(project, 'node_modules', pkg.name);
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, filename), '-C', installed, '--strip-components=1']);
  // What `npm install` would add: the declared dependencies (from this checkout's install), and tsx.
  for (const dep of [...Object.keys(pkg.dependencies), 'tsx']) symlinkSync(join(repo, 'node_modules', dep), join(project, 'node_modules', dep));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}

const CSV = ['g,x,y', ...Array.from({ length: 60 }, (_, i) => `${'abc'[i % 3]},${i},${i % 3 === 0 ? 'NA' : 2 * i + (i % 3)}`)].join('\n') + '\n';

// Oracle, by hand: y = 2x + k for group k (1 or 2), missing for group a.
const EXPECTED = { sumX: 1770, countY: 40, slopes: { a: null, b: 2, c: 2 } };

/** The script the user would write. `ext` is the module flavour (js or ts); `modExt` the user-function module's. */
function script(modExt: string): string {
  return `
import { compute, readCsv, udf, closeExecutors } from '${pkg.name}';
const out = {};
for (const scheduler of ['sync', 'threads', 'processes']) {
  const df = readCsv('data.csv', { blocksize: 200 });
  const [sumX, countY] = await compute(df.col('x').sum(), df.col('y').count(), { scheduler });
  // A module function, and a self-contained arrow with a named inner function (tsx adds __name to it).
  const viaModule = await compute(df.groupby('g').apply(udf(new URL('./slope.${modExt}', import.meta.url).href, 'slope')), { scheduler });
  const inline = await compute(df.groupby('g').apply((grp) => {
    function count(v) { let n = 0; for (const y of v) if (y === y) n++; return n; }
    return { n: count(grp.col('y')) };
  }), { scheduler });
  let guard = null;
  try {
    await compute(df.groupby('g').apply(udf(new URL('./analysis.${modExt}', import.meta.url).href, 'slope')), { scheduler, progress: false });
  } catch (e) { guard = String(e.message); }
  const slopes = Object.fromEntries(viaModule[0].toArray().map((r) => [r.g, r.slope]));
  const ns = Object.fromEntries(inline[0].toArray().map((r) => [r.g, r.n]));
  out[scheduler] = { sumX: Number(sumX), countY, slopes, ns, guard };
}
await closeExecutors();
console.log(JSON.stringify(out));
`;
}

const SLOPE = `
export function slope(g) {
  const x = g.col('x'), y = g.col('y');
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < x.length; i++) { if (y[i] !== y[i]) continue; n++; sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i]; }
  return { slope: n > 1 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : null };
}
`;

// The documented mistake: the function lives in the script that runs the analysis at top level.
const ANALYSIS = `
import { compute, readCsv, udf } from '${pkg.name}';
${SLOPE}
const df = readCsv('data.csv');
await compute(df.groupby('g').apply(udf(import.meta.url, 'slope')));
`;

function run(args: string[]): { status: number | null; stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8', timeout: 120_000 });
  const out = { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
  if (r.status !== 0) console.error(`\n${args.join(' ')}: exit ${r.status} signal ${r.signal} after ${out.ms.toFixed(0)} ms\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return out;
}

function checkResults(stdout: string, label: string, guardTs: boolean): void {
  const lines = stdout.trim().split('\n');
  const out = JSON.parse(lines[lines.length - 1]!) as Record<string, { sumX: number; countY: number; slopes: Record<string, number | null>; ns: Record<string, number>; guard: string | null }>;
  for (const scheduler of ['sync', 'threads', 'processes']) {
    const r = out[scheduler]!;
    const where = `${label} on ${scheduler}`;
    assert.is(r.sumX, EXPECTED.sumX, where);
    assert.is(r.countY, EXPECTED.countY, where);
    assert.is(r.slopes.a, null, where);
    assert.ok(Math.abs(r.slopes.b! - 2) < 1e-9 && Math.abs(r.slopes.c! - 2) < 1e-9, `${where}: ${JSON.stringify(r.slopes)}`);
    assert.equal(r.ns, { a: 0, b: 20, c: 20 }, where);
    if (scheduler === 'sync') continue; // the caller's own thread: the module is the script, already loaded
    assert.ok(r.guard, `${where}: a module that computes at top level must be refused`);
    if (guardTs) assert.match(r.guard!, /move the function into a module of its own/i, where);
  }
}

test('npm pack output installs into a fresh project; JS under plain node works on every scheduler', () => {
  packAndInstall();
  writeFileSync(join(project, 'data.csv'), CSV);
  writeFileSync(join(project, 'slope.js'), SLOPE);
  writeFileSync(join(project, 'analysis.js'), ANALYSIS);
  writeFileSync(join(project, 'slope.ts'), SLOPE.replace('slope(g)', 'slope(g: any)'));
  writeFileSync(join(project, 'analysis.ts'), ANALYSIS.replace('slope(g)', 'slope(g: any)'));
  writeFileSync(join(project, 'main.mjs'), script('js'));
  const r = run(['main.mjs']);
  assert.is(r.status, 0, r.stderr);
  checkResults(r.stdout, 'plain node', true);
});

test('TypeScript under `node --import tsx` and the `tsx` CLI: one op registry per worker, .ts user modules', () => {
  writeFileSync(join(project, 'main.ts'), script('ts').replace('(grp) =>', '(grp: any) =>').replace('function count(v)', 'function count(v: any)').replace('const out = {}', 'const out: any = {}').replace('catch (e)', 'catch (e: any)'));
  const viaImport = run(['--import', 'tsx', 'main.ts']);
  assert.is(viaImport.status, 0, viaImport.stderr);
  checkResults(viaImport.stdout, 'node --import tsx', true);
  const viaCli = run([join(project, 'node_modules/tsx/dist/cli.mjs'), 'main.ts']);
  assert.is(viaCli.status, 0, viaCli.stderr);
  checkResults(viaCli.stdout, 'tsx CLI', true);
});

test('a .ts user module under plain node fails with a message to use the compiled .js', () => {
  writeFileSync(join(project, 'ts-module.mjs'), `
import { compute, readCsv, udf } from '${pkg.name}';
const df = readCsv('data.csv');
for (const scheduler of ['sync', 'threads']) {
  try { await compute(df.groupby('g').apply(udf(new URL('./slope.ts', import.meta.url).href, 'slope')), { scheduler }); console.log('no error'); }
  catch (e) { console.log(scheduler, e.message.replace(/\\n/g, ' ')); }
}
`);
  const r = run(['ts-module.mjs']);
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, 2, r.stdout);
  for (const l of lines) assert.match(l, /TypeScript module .*slope\.ts.*compiled \.js.*tsx/, l);
});

test('the CLI of the package runs', () => {
  const r = run([join(project, 'node_modules', pkg.name, 'bin/tessera.mjs'), 'describe', 'data.csv']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /\bx\b/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
