// npm run chaos [cases] [seed]: the long chaos run (default 210 cases), printing each case and a summary.
import { runChaos } from './chaos.ts';

const cases = Number(process.argv[2] ?? 210);
const seed = Number(process.argv[3] ?? 1);
const report = await runChaos(cases, seed, ['sync', 'threads', 'processes'], (line) => console.log(line));
console.log(JSON.stringify({ ...report, failures: report.failures.length }, null, 2));
for (const f of report.failures) console.error(`FAILED ${f}`);
console.log(report.failures.length === 0 ? `chaos: ${cases} cases passed in ${(report.ms / 1000).toFixed(1)} s` : `chaos: ${report.failures.length} failures`);
process.exit(report.failures.length === 0 ? 0 : 1);
