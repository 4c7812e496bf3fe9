#!/usr/bin/env node
// `prepare` (run by npm ci / npm install in a checkout): builds the one-file worker bundles of the current
// sources (src/scheduler/executors/worker-bundle.ts) so the first pool start does not pay for the build.
// Never fails the install: without esbuild or tsx, pools build the bundle on first use or run from sources.

try {
  const { register } = await import('tsx/esm/api');
  register();
  const { buildWorkerBundles } = await import('../src/scheduler/executors/worker-bundle.ts');
  const t0 = performance.now();
  const files = buildWorkerBundles();
  console.log(`worker bundles ready (${(performance.now() - t0).toFixed(0)} ms): ${files.map((f) => f.split(/[\\/]/).pop()).join(', ')}`);
} catch (e) {
  console.warn(`worker bundles not built now (${e?.message ?? e}); pools will build them on first use or start from the sources`);
}
