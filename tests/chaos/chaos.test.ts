// A short chaos run inside npm test (npm run chaos runs 200+ cases): interrupted computes on every
// scheduler, each followed by a checked normal compute; no hang, no leaked worker or temp file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SchedulerName } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';
import { runChaos } from './chaos.ts';

test('chaos: 9 randomly interrupted computes, each followed by a correct one, nothing leaked', async () => {
  const report = await runChaos(Number(process.env.TESSERA_CHAOS_CASES ?? 9), 7, SCHEDULERS as SchedulerName[]);
  assert.equal(report.failures, [], report.failures.join('\n'));
});

test.run();
